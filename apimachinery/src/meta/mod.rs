//! The `meta.k8s.io/v1` types (`k8s.io/apimachinery/pkg/apis/meta/v1`).
//!
//! These are the wire types every Kubernetes API shares: the metadata of objects and lists,
//! `Status` (the body of every error), discovery documents, watch events, structured selectors
//! and a few server-rendered views. Each is `serde`-compatible with the JSON the API server
//! writes: field names are camelCase, fields are declared in Go struct order (so re-serializing a
//! decoded object reproduces the server's key order), and optional fields are `Option`s that
//! are omitted when `None`, as the server omits empty ones.
//!
//! All of them are re-exported at the crate root.

mod condition;
mod discovery;
mod fields_v1;
mod list_meta;
mod object_meta;
mod partial;
mod selector;
mod status;
mod watch;

pub use condition::Condition;
pub use discovery::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR, VersionInfo,
};
pub use list_meta::{List, ListMeta, ShardInfo};
pub use object_meta::{FieldsV1, ManagedFieldsEntry, ObjectMeta, OwnerReference, TypeMeta};
pub use partial::{
    PartialObjectMetadata, PartialObjectMetadataList, Patch, Table, TableColumnDefinition,
    TableRow, TableRowCondition,
};
pub use selector::{FieldSelectorRequirement, LabelSelector, LabelSelectorRequirement};
pub use status::{Status, StatusCause, StatusDetails};
pub use watch::{Bookmark, BookmarkMeta, INITIAL_EVENTS_END_ANNOTATION, WatchEvent};
