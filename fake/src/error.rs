//! The error of the fake's own API (seeding objects, installing CRDs); requests to the fake
//! fail as requests to a real server do, with `k8s_client::Error`.

/// What went wrong setting up a fake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object's `apiVersion`/`kind` is not served (not a built-in kind, and no installed
    /// CRD defines it).
    #[error(
        "no resource serves kind {kind:?} of apiVersion {api_version:?}: install its CustomResourceDefinition first"
    )]
    UnknownKind {
        /// The `apiVersion` of the object.
        api_version: String,
        /// Its `kind`.
        kind: String,
    },
    /// The object is not what the fake can store (with why).
    #[error("cannot add the object: {0}")]
    Object(String),
    /// An object with the same name already exists.
    #[error("{0} already exists")]
    AlreadyExists(String),
}
