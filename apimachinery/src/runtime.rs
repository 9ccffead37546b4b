//! Embedded objects of unknown type (`k8s.io/apimachinery/pkg/runtime.RawExtension`).

use serde::{Deserialize, Serialize};

/// An embedded object kept as raw JSON (`runtime.RawExtension`): a transparent wrapper around a
/// [`serde_json::Value`]. Decode it into a concrete type with [`RawExtension::decode`].
///
/// ```
/// use k8s_apimachinery::RawExtension;
///
/// let raw: RawExtension = serde_json::from_str(r#"{"kind":"Pod","apiVersion":"v1"}"#)?;
/// assert_eq!(raw.0["kind"], "Pod");
/// assert_eq!(serde_json::to_string(&raw)?, r#"{"apiVersion":"v1","kind":"Pod"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawExtension(pub serde_json::Value);

impl RawExtension {
    /// Decodes the embedded object into `T`.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::Error> {
        Ok(T::deserialize(&self.0)?)
    }

    /// Wraps a serializable object.
    pub fn encode<T: Serialize>(object: &T) -> Result<Self, crate::Error> {
        Ok(Self(serde_json::to_value(object)?))
    }
}

impl From<serde_json::Value> for RawExtension {
    fn from(v: serde_json::Value) -> Self {
        Self(v)
    }
}
