//! `FieldsV1`: a managed-fields set kept as compact JSON text, as Go keeps its `Raw []byte`.
//!
//! A field set is a trie of `f:`/`k:`/`v:` keys with empty-object leaves; decoding it into a
//! `serde_json::Value` costs an allocation per key and per map. Every object read from the
//! server carries several (one per manager) and informers usually drop them right after
//! decoding, so the set is transcoded straight into one `String` of compact JSON instead —
//! from whatever format it came in (JSON from the server, YAML from `kubectl get -o yaml`) —
//! and transcoded back into whatever format it is written to.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field set in the `FieldsV1` trie format (`metav1.FieldsV1`), held as compact JSON text.
///
/// ```
/// use k8s_apimachinery::FieldsV1;
///
/// let f: FieldsV1 = serde_json::from_str(r#"{"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}"#).unwrap();
/// assert_eq!(f.as_str(), r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}"#);
/// assert_eq!(f.to_value().unwrap()["f:metadata"]["f:labels"]["f:app"], serde_json::json!({}));
/// assert_eq!(serde_json::to_string(&f).unwrap(), f.as_str());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FieldsV1(String);

impl Default for FieldsV1 {
    fn default() -> Self {
        FieldsV1("{}".to_owned())
    }
}

impl fmt::Debug for FieldsV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FieldsV1").field(&self.0).finish()
    }
}

impl FieldsV1 {
    /// The set as compact JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The set as a JSON value, to walk it.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl From<serde_json::Value> for FieldsV1 {
    fn from(value: serde_json::Value) -> Self {
        FieldsV1(value.to_string())
    }
}

impl Serialize for FieldsV1 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = serde_json::Deserializer::from_str(&self.0);
        serde_transcode::transcode(&mut text, serializer)
    }
}

impl<'de> Deserialize<'de> for FieldsV1 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        serde_transcode::transcode(deserializer, &mut serde_json::Serializer::new(&mut out))
            .map_err(|e| serde::de::Error::custom(format!("fieldsV1: {e}")))?;
        // serde_json writes UTF-8 only.
        String::from_utf8(out)
            .map(FieldsV1)
            .map_err(|e| serde::de::Error::custom(format!("fieldsV1: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_and_yaml_give_the_same_compact_text() {
        let json = r#"{"f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:image": {}}}},
                       "f:n": [1, -2, 2.5, true, null, "x"]}"#;
        let a: FieldsV1 = serde_json::from_str(json).unwrap();
        let yaml = "f:spec:\n  f:containers:\n    'k:{\"name\":\"main\"}':\n      .: {}\n      f:image: {}\nf:n: [1, -2, 2.5, true, null, x]\n";
        let b: FieldsV1 = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.as_str(),
            r#"{"f:spec":{"f:containers":{"k:{\"name\":\"main\"}":{".":{},"f:image":{}}}},"f:n":[1,-2,2.5,true,null,"x"]}"#
        );
        assert_eq!(
            a.to_value().unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        // Written back as structure (not as a string), in JSON and in YAML.
        assert_eq!(serde_json::to_string(&a).unwrap(), a.as_str());
        let yaml_out = serde_yaml::to_string(&a).unwrap();
        let back: serde_json::Value = serde_yaml::from_str(&yaml_out).unwrap();
        assert_eq!(back, a.to_value().unwrap());
    }

    #[test]
    fn empty_containers_and_from_value() {
        let a: FieldsV1 = serde_json::from_str(r#"{"a":[],"b":{}}"#).unwrap();
        assert_eq!(a.as_str(), r#"{"a":[],"b":{}}"#);
        assert_eq!(
            FieldsV1::from(serde_json::json!({"x": {}})).as_str(),
            r#"{"x":{}}"#
        );
    }
}
