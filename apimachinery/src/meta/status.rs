//! `Status`: the server's answer for failures and for operations that return no object.

use serde::{Deserialize, Serialize};

use crate::ListMeta;

/// The result of an operation that does not return an object, and the body of every error
/// response (`metav1.Status`).
///
/// Wrap it in [`ApiError`](crate::ApiError) to classify it (`is_not_found()`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Always `Status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Always `v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// List metadata; the server always writes it (often `{}`).
    #[serde(default)]
    pub metadata: ListMeta,
    /// `Success` or `Failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Human-readable description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine-readable reason (`NotFound`, `Conflict`, ...); see
    /// [`StatusReason`](crate::StatusReason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Extended data for the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
}

impl Status {
    /// `"Success"`.
    pub const SUCCESS: &'static str = "Success";
    /// `"Failure"`.
    pub const FAILURE: &'static str = "Failure";

    /// A failure status with a code, reason and message, as the server builds them.
    pub fn failure(code: i32, reason: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: Some("Status".into()),
            api_version: Some("v1".into()),
            metadata: ListMeta::default(),
            status: Some(Self::FAILURE.into()),
            message: Some(message.into()),
            reason: Some(reason.into()).filter(|r: &String| !r.is_empty()),
            details: None,
            code: Some(code),
        }
    }

    /// `true` when `status` is `Success`.
    pub fn is_success(&self) -> bool {
        self.status.as_deref() == Some(Self::SUCCESS)
    }
}

/// Extended data attached to a [`Status`] (`metav1.StatusDetails`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// Name of the resource the status is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Its kind (actually the resource, e.g. `pods`, in most server responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its UID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Individual causes (validation errors, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub causes: Option<Vec<StatusCause>>,
    /// Seconds the client should wait before retrying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i32>,
}

/// One cause of a failure (`metav1.StatusCause`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCause {
    /// Machine-readable cause (`FieldValueInvalid`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The field path, e.g. `spec.containers[0].name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
