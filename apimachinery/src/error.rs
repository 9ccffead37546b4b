//! The crate's error type.
//!
//! Every fallible operation of `k8s-apimachinery` returns [`Error`]. Parse errors name the
//! offending input and, where it makes sense, the byte position at which the parser gave up, so a
//! message such as
//!
//! ```text
//! invalid quantity "1.1.M" at byte 3: unexpected character '.'
//! ```
//!
//! points straight at the problem. Failures reported by an API server are a separate type,
//! [`ApiError`](crate::ApiError), built from the server's `Status`.

/// The error type of `k8s-apimachinery`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A [`Quantity`](crate::Quantity) string did not parse.
    #[error("invalid quantity {input:?} at byte {position}: {reason}")]
    InvalidQuantity {
        /// The whole input.
        input: String,
        /// Byte offset into `input` where the problem was found.
        position: usize,
        /// What was wrong.
        reason: String,
    },
    /// A [`Quantity`](crate::Quantity) that Go's apimachinery accepts but that is beyond what
    /// k8s-rs represents exactly (see "Differences from Go" in the [`quantity`](crate::quantity)
    /// module): more than 38 significant digits, or an exponent outside the `i32` range.
    #[error("quantity {input:?} is beyond k8s-rs's limit: {limit}")]
    QuantityBeyondLimit {
        /// The whole input (for arithmetic, the operation: `"a + b"`).
        input: String,
        /// Which limit it exceeds.
        limit: crate::quantity::QuantityLimit,
    },
    /// A label selector string or a `LabelSelector` object is not valid.
    #[error("invalid label selector {input:?} at byte {position}: {reason}")]
    InvalidLabelSelector {
        /// The whole input (for structured selectors, a rendering of the offending requirement).
        input: String,
        /// Byte offset into `input` where the problem was found.
        position: usize,
        /// What was wrong.
        reason: String,
    },
    /// A field selector string is not valid.
    #[error("invalid field selector {input:?} at byte {position}: {reason}")]
    InvalidFieldSelector {
        /// The whole input.
        input: String,
        /// Byte offset into `input` where the problem was found.
        position: usize,
        /// What was wrong.
        reason: String,
    },
    /// A group/version/kind/resource string did not parse.
    #[error("invalid {what} {input:?}: {reason}")]
    InvalidGroupVersion {
        /// Which kind of identifier was parsed (`"GroupVersion"`, `"GroupVersionKind"`, ...).
        what: &'static str,
        /// The whole input.
        input: String,
        /// What was wrong.
        reason: String,
    },
    /// A timestamp did not parse as RFC 3339.
    #[error("invalid time {input:?}: {reason}")]
    InvalidTime {
        /// The whole input.
        input: String,
        /// What was wrong.
        reason: String,
    },
    /// A valid RFC 3339 timestamp outside the range of instants k8s-rs represents (jiff's:
    /// from -9999-01-02 to 9999-12-30T22:00:00Z); Go accepts it (see "Differences from Go" in
    /// the crate docs).
    #[error(
        "time {input:?} is beyond the range k8s-rs represents (-9999-01-02 to 9999-12-30T22:00:00Z)"
    )]
    TimeOutOfRange {
        /// The whole input.
        input: String,
    },
    /// A Go duration string (`"1h2m3.5s"`) did not parse.
    #[error("invalid duration {input:?} at byte {position}: {reason}")]
    InvalidDuration {
        /// The whole input.
        input: String,
        /// Byte offset into `input` where the problem was found.
        position: usize,
        /// What was wrong.
        reason: String,
    },
    /// A JSON value could not be converted (e.g. a [`DynamicObject`](crate::DynamicObject) into a
    /// typed object).
    #[error("JSON conversion failed: {0}")]
    Json(String),
    /// A strategic merge patch could not be applied.
    #[error(transparent)]
    StrategicMerge(#[from] crate::strategicpatch::StrategicMergeError),
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e.to_string())
    }
}
