//! [`ByteString`]: the `format: byte` strings of the API (`Secret.data`, `caBundle`, …).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as standard base64 in JSON, like Go's `[]byte` fields.
///
/// ```
/// use k8s_api::ByteString;
///
/// let b = ByteString::from("hello");
/// assert_eq!(serde_json::to_string(&b).unwrap(), r#""aGVsbG8=""#);
/// let back: ByteString = serde_json::from_str(r#""aGVsbG8=""#).unwrap();
/// assert_eq!(back.as_ref(), b"hello");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteString(pub Vec<u8>);

impl ByteString {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes as UTF-8 text, if they are.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl AsRef<[u8]> for ByteString {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(v: Vec<u8>) -> Self {
        ByteString(v)
    }
}

impl From<&[u8]> for ByteString {
    fn from(v: &[u8]) -> Self {
        ByteString(v.to_vec())
    }
}

impl From<&str> for ByteString {
    fn from(v: &str) -> Self {
        ByteString(v.as_bytes().to_vec())
    }
}

impl From<String> for ByteString {
    fn from(v: String) -> Self {
        ByteString(v.into_bytes())
    }
}

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteString, E> {
                // Go's decoder accepts standard base64 with padding; tolerate line breaks too.
                let cleaned: String;
                let text = if v.contains(['\n', '\r']) {
                    cleaned = v.chars().filter(|c| *c != '\n' && *c != '\r').collect();
                    cleaned.as_str()
                } else {
                    v
                };
                STANDARD.decode(text).map(ByteString).map_err(E::custom)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ByteString, E> {
                Ok(ByteString::default())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for bytes in [&b""[..], b"a", b"ab", b"abc", &[0u8, 255, 128, 7]] {
            let b = ByteString::from(bytes);
            let json = serde_json::to_string(&b).unwrap();
            let back: ByteString = serde_json::from_str(&json).unwrap();
            assert_eq!(back, b);
        }
        assert!(serde_json::from_str::<ByteString>(r#""not base64!""#).is_err());
        let null: ByteString = serde_json::from_str("null").unwrap();
        assert!(null.0.is_empty());
    }
}
