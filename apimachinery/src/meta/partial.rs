//! Metadata-only objects and server-side tables.

use serde::{Deserialize, Serialize};

use crate::{HasMetadata, ListMeta, ObjectMeta, RawExtension};

/// Any object, reduced to its type and metadata (`metav1.PartialObjectMetadata`): what the
/// server returns for `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// `PartialObjectMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `meta.k8s.io/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The object's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl HasMetadata for PartialObjectMetadata {
    fn object_meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn object_meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// A list of [`PartialObjectMetadata`] (`metav1.PartialObjectMetadataList`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadataList {
    /// `PartialObjectMetadataList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `meta.k8s.io/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// List metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The items.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub items: Vec<PartialObjectMetadata>,
}

impl crate::ListObject for PartialObjectMetadataList {
    type Item = PartialObjectMetadata;

    fn list_meta(&self) -> &ListMeta {
        &self.metadata
    }

    fn items(&self) -> &[PartialObjectMetadata] {
        &self.items
    }

    fn into_items(self) -> Vec<PartialObjectMetadata> {
        self.items
    }
}

/// A server-rendered table, as `kubectl get` shows it (`metav1.Table`; request it with
/// `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// `Table`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `meta.k8s.io/v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// List metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The columns.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub column_definitions: Vec<TableColumnDefinition>,
    /// The rows.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub rows: Vec<TableRow>,
}

/// One column of a [`Table`] (`metav1.TableColumnDefinition`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableColumnDefinition {
    /// The column header.
    #[serde(default)]
    pub name: String,
    /// OpenAPI type (`string`, `integer`, ...).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// OpenAPI format (`name`, `date`, ...).
    #[serde(default)]
    pub format: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// 0 for default columns, higher for `-o wide` ones.
    #[serde(default)]
    pub priority: i32,
}

/// One row of a [`Table`] (`metav1.TableRow`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// One cell per column.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub cells: Vec<serde_json::Value>,
    /// Row conditions (e.g. `Completed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<TableRowCondition>>,
    /// The object (or its metadata), per `includeObject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<RawExtension>,
}

/// A condition of a [`TableRow`] (`metav1.TableRowCondition`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRowCondition {
    /// The condition type.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: String,
    /// Machine-readable reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A patch body, kept as opaque JSON (`metav1.Patch`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Patch(pub serde_json::Value);
