//! A JSON Patch (RFC 6902) builder for `PatchType::Json`.
//!
//! Paths are JSON Pointers (RFC 6901). Give a pointer string that is already escaped
//! (`"/spec/replicas"`), or the segments as an array and let [`JsonPointer`] escape them: `~`
//! becomes `~0` and `/` becomes `~1`, so the label `app.kubernetes.io/name` is
//! `/metadata/labels/app.kubernetes.io~1name`.
//!
//! ```
//! use k8s_client::helpers::JsonPatch;
//! use serde_json::json;
//!
//! let patch = JsonPatch::new()
//!     .test("/metadata/resourceVersion", json!("42"))
//!     .add(["metadata", "labels", "app.kubernetes.io/name"], json!("web"))
//!     .replace("/spec/replicas", json!(3))
//!     .remove(["metadata", "annotations", "a~b"]);
//! assert_eq!(
//!     serde_json::to_value(&patch)?,
//!     json!([
//!         {"op": "test", "path": "/metadata/resourceVersion", "value": "42"},
//!         {"op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "web"},
//!         {"op": "replace", "path": "/spec/replicas", "value": 3},
//!         {"op": "remove", "path": "/metadata/annotations/a~0b"},
//!     ])
//! );
//! // Send it with `api.patch(name, PatchType::Json, &patch, &PatchOptions::default())`.
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON Pointer (RFC 6901), stored escaped (`/a~1b/0`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonPointer(String);

impl JsonPointer {
    /// The pointer to the whole document (`""`).
    pub fn root() -> Self {
        JsonPointer(String::new())
    }

    /// A pointer from unescaped segments.
    pub fn from_segments<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        segments
            .into_iter()
            .fold(JsonPointer::root(), |p, s| p.push(s.as_ref()))
    }

    /// This pointer with one more (unescaped) segment; `-` appends to an array.
    pub fn push(mut self, segment: &str) -> Self {
        self.0.push('/');
        self.0.push_str(&escape(segment));
        self
    }

    /// The escaped pointer string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped segments.
    pub fn segments(&self) -> Vec<String> {
        if self.0.is_empty() {
            return Vec::new();
        }
        self.0
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    }
}

/// Escapes one segment: `~` → `~0`, then `/` → `~1`.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An already-escaped pointer string (`"/spec/replicas"`), taken as is.
impl From<&str> for JsonPointer {
    fn from(s: &str) -> Self {
        JsonPointer(s.to_string())
    }
}

/// An already-escaped pointer string, taken as is.
impl From<String> for JsonPointer {
    fn from(s: String) -> Self {
        JsonPointer(s)
    }
}

/// Unescaped segments, escaped here.
impl<const N: usize> From<[&str; N]> for JsonPointer {
    fn from(segments: [&str; N]) -> Self {
        JsonPointer::from_segments(segments)
    }
}

/// Unescaped segments, escaped here.
impl From<&[&str]> for JsonPointer {
    fn from(segments: &[&str]) -> Self {
        JsonPointer::from_segments(segments)
    }
}

/// One operation of a JSON Patch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOperation {
    /// Adds (or, in an object, replaces) the value at `path`.
    Add {
        /// Where.
        path: JsonPointer,
        /// What.
        value: Value,
    },
    /// Removes the value at `path` (which must exist).
    Remove {
        /// Where.
        path: JsonPointer,
    },
    /// Replaces the value at `path` (which must exist).
    Replace {
        /// Where.
        path: JsonPointer,
        /// The new value.
        value: Value,
    },
    /// Moves the value at `from` to `path`.
    Move {
        /// From where.
        from: JsonPointer,
        /// To where.
        path: JsonPointer,
    },
    /// Copies the value at `from` to `path`.
    Copy {
        /// From where.
        from: JsonPointer,
        /// To where.
        path: JsonPointer,
    },
    /// Fails the whole patch unless the value at `path` equals `value`.
    Test {
        /// Where.
        path: JsonPointer,
        /// The expected value.
        value: Value,
    },
}

/// A JSON Patch document: a list of operations, serialized as a JSON array.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonPatch(pub Vec<PatchOperation>);

impl JsonPatch {
    /// An empty patch.
    pub fn new() -> Self {
        JsonPatch(Vec::new())
    }

    /// The operations that turn `from` into `to` (`add`, `remove` and `replace`; objects
    /// compared key by key, lists element by element). Prefix it with a [`test`](Self::test)
    /// of `/metadata/resourceVersion` to make it conditional, as with any JSON patch.
    ///
    /// ```
    /// use k8s_client::helpers::JsonPatch;
    /// use serde_json::json;
    ///
    /// let from = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1}});
    /// let to = json!({"metadata": {"labels": {"a": "1", "c/d": "3"}}, "spec": {"replicas": 3}});
    /// let patch = JsonPatch::diff(&from, &to);
    /// assert_eq!(
    ///     serde_json::to_value(&patch)?,
    ///     json!([
    ///         {"op": "add", "path": "/metadata/labels/c~1d", "value": "3"},
    ///         {"op": "remove", "path": "/metadata/labels/b"},
    ///         {"op": "replace", "path": "/spec/replicas", "value": 3},
    ///     ])
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn diff(from: &Value, to: &Value) -> JsonPatch {
        let ops = json_patch::diff(from, to);
        // json-patch's operations have the same wire form (RFC 6902) as ours.
        serde_json::to_value(&ops)
            .and_then(serde_json::from_value)
            .unwrap_or_else(|_| {
                JsonPatch(vec![PatchOperation::Replace {
                    path: JsonPointer::root(),
                    value: to.clone(),
                }])
            })
    }

    /// Adds an `add` operation.
    pub fn add(mut self, path: impl Into<JsonPointer>, value: impl Into<Value>) -> Self {
        self.0.push(PatchOperation::Add {
            path: path.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a `remove` operation.
    pub fn remove(mut self, path: impl Into<JsonPointer>) -> Self {
        self.0.push(PatchOperation::Remove { path: path.into() });
        self
    }

    /// Adds a `replace` operation.
    pub fn replace(mut self, path: impl Into<JsonPointer>, value: impl Into<Value>) -> Self {
        self.0.push(PatchOperation::Replace {
            path: path.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a `move` operation.
    pub fn move_(mut self, from: impl Into<JsonPointer>, path: impl Into<JsonPointer>) -> Self {
        self.0.push(PatchOperation::Move {
            from: from.into(),
            path: path.into(),
        });
        self
    }

    /// Adds a `copy` operation.
    pub fn copy(mut self, from: impl Into<JsonPointer>, path: impl Into<JsonPointer>) -> Self {
        self.0.push(PatchOperation::Copy {
            from: from.into(),
            path: path.into(),
        });
        self
    }

    /// Adds a `test` operation.
    pub fn test(mut self, path: impl Into<JsonPointer>, value: impl Into<Value>) -> Self {
        self.0.push(PatchOperation::Test {
            path: path.into(),
            value: value.into(),
        });
        self
    }

    /// The operations.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.0
    }

    /// No operations.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn escaping_follows_rfc_6901() {
        let p = JsonPointer::from_segments(["a/b", "m~n", "~1", ""]);
        assert_eq!(p.as_str(), "/a~1b/m~0n/~01/");
        assert_eq!(p.segments(), ["a/b", "m~n", "~1", ""]);
        assert_eq!(JsonPointer::root().as_str(), "");
        assert!(JsonPointer::root().segments().is_empty());
        let raw: JsonPointer = "/already~1escaped".into();
        assert_eq!(raw.segments(), ["already/escaped"]);
    }

    #[test]
    fn all_ops_serialize_and_round_trip() {
        let patch = JsonPatch::new()
            .add("/spec/containers/-", json!({"name": "c"}))
            .move_("/a", "/b")
            .copy(["x"], ["y", "0"]);
        let v = serde_json::to_value(&patch).unwrap();
        assert_eq!(
            v,
            json!([
                {"op": "add", "path": "/spec/containers/-", "value": {"name": "c"}},
                {"op": "move", "from": "/a", "path": "/b"},
                {"op": "copy", "from": "/x", "path": "/y/0"},
            ])
        );
        let back: JsonPatch = serde_json::from_value(v).unwrap();
        assert_eq!(back, patch);
        assert!(JsonPatch::new().is_empty());
        assert_eq!(serde_json::to_string(&JsonPatch::new()).unwrap(), "[]");
    }
}
