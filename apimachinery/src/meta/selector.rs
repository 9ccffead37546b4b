//! Structured selectors as they appear in object specs.

use crate::{CompactString, LiteMap};

use serde::{Deserialize, Serialize};

/// A label query over objects (`metav1.LabelSelector`): all `match_labels` and all
/// `match_expressions` must hold. Convert it to a matcher with
/// [`Selector::try_from`](crate::selector::Selector).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `key: value` pairs that must all be present.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::map::optional",
        serialize_with = "crate::map::serialize_optional"
    )]
    pub match_labels: Option<LiteMap<CompactString, CompactString>>,
    /// Set-based requirements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One set-based requirement of a [`LabelSelector`] (`metav1.LabelSelectorRequirement`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(default)]
    pub key: CompactString,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: CompactString,
    /// The values for `In`/`NotIn`; empty for `Exists`/`DoesNotExist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<CompactString>>,
}

/// One requirement of a structured field selector (`metav1.FieldSelectorRequirement`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldSelectorRequirement {
    /// The field path.
    #[serde(default)]
    pub key: CompactString,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: CompactString,
    /// The values for `In`/`NotIn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<CompactString>>,
}
