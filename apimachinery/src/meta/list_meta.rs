//! `ListMeta` and the generic [`List<T>`].

use serde::{Deserialize, Serialize};

use crate::{ListObject, Resource};

/// Metadata of a list response (`metav1.ListMeta`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Deprecated; no longer set by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The resource version the list was served at; start a watch from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Token for the next page of a paginated list (pass as `ListOptions::continue_token`).
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_token: Option<String>,
    /// Estimated number of items after this page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
    /// Set when the list was filtered by a shard selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_info: Option<ShardInfo>,
}

/// Which shard of a collection a list holds (`metav1.ShardInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// The shard selector the list was filtered with.
    #[serde(default)]
    pub selector: String,
}

/// A list of objects of one type, as every `XxxList` the server returns.
///
/// Keys serialize in the server's order: `kind`, `apiVersion`, `metadata`, `items`.
///
/// ```
/// use k8s_apimachinery::{List, ListObject};
///
/// let list: List<serde_json::Value> = serde_json::from_str(
///     r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[{}]}"#,
/// )?;
/// assert_eq!(list.list_meta().resource_version.as_deref(), Some("7"));
/// assert_eq!(list.items().len(), 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// The list kind, e.g. `PodList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The list's `apiVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// List metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The items (`null` on the wire decodes as empty).
    #[serde(
        default = "Vec::new",
        deserialize_with = "crate::serde_util::null_as_default",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub items: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self {
            kind: None,
            api_version: None,
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<T: Resource> List<T> {
    /// A list of `items` with `kind: <Kind>List` and the type's `apiVersion`.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            kind: Some(format!("{}List", T::KIND)),
            api_version: Some(T::API_VERSION.to_owned()),
            metadata: ListMeta::default(),
            items,
        }
    }
}

impl<T: Clone + Send + Sync + 'static> ListObject for List<T> {
    type Item = T;

    fn list_meta(&self) -> &ListMeta {
        &self.metadata
    }

    fn items(&self) -> &[T] {
        &self.items
    }

    fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
