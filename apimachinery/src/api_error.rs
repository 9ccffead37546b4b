//! [`ApiError`]: a failure reported by the API server, classified like client-go's
//! `k8s.io/apimachinery/pkg/api/errors`.
//!
//! Build it from the `Status` body of an error response with [`ApiError::from_status`], or from
//! an HTTP code and a body that may not be a `Status` with [`ApiError::from_response`] (client-go
//! then synthesizes a `Status` from the code, as `NewGenericServerResponse` does). The `is_*`
//! helpers first look at the `reason`; when the reason is not one of the known reasons they fall
//! back to the HTTP code — exactly the rules of client-go's `IsNotFound`, `IsConflict`, ...
//!
//! ```
//! use k8s_apimachinery::{ApiError, Status};
//!
//! let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
//!     "message":"configmaps \"x\" not found","reason":"NotFound",
//!     "details":{"name":"x","kind":"configmaps"},"code":404}"#;
//! let err = ApiError::from_response(404, body);
//! assert!(err.is_not_found());
//! assert!(!err.is_conflict());
//! assert_eq!(err.to_string(), "configmaps \"x\" not found");
//!
//! // A bare 409 without a Status body still classifies by its code.
//! let err = ApiError::from_response(409, b"conflict!");
//! assert!(err.is_conflict());
//!
//! let throttled = ApiError::from_status(Status {
//!     code: Some(429),
//!     reason: Some("TooManyRequests".into()),
//!     details: Some(k8s_apimachinery::StatusDetails {
//!         retry_after_seconds: Some(3),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! });
//! assert!(throttled.is_too_many_requests());
//! assert_eq!(throttled.retry_after_seconds(), Some(3));
//! ```

use std::fmt;

use crate::{Status, StatusCause, StatusDetails};

/// The machine-readable reason of a failure (`metav1.StatusReason`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusReason {
    /// No reason given (`""`).
    Unknown,
    /// `Unauthorized` (401).
    Unauthorized,
    /// `Forbidden` (403).
    Forbidden,
    /// `NotFound` (404).
    NotFound,
    /// `AlreadyExists` (409).
    AlreadyExists,
    /// `Conflict` (409).
    Conflict,
    /// `Gone` (410).
    Gone,
    /// `Invalid` (422).
    Invalid,
    /// `ServerTimeout` (500 with retry).
    ServerTimeout,
    /// `StorageReadError` (500).
    StoreReadError,
    /// `Timeout` (504).
    Timeout,
    /// `TooManyRequests` (429).
    TooManyRequests,
    /// `BadRequest` (400).
    BadRequest,
    /// `MethodNotAllowed` (405).
    MethodNotAllowed,
    /// `NotAcceptable` (406).
    NotAcceptable,
    /// `RequestEntityTooLarge` (413).
    RequestEntityTooLarge,
    /// `UnsupportedMediaType` (415).
    UnsupportedMediaType,
    /// `InternalError` (500).
    InternalError,
    /// `Expired` (410, e.g. an expired continue token).
    Expired,
    /// `ServiceUnavailable` (503).
    ServiceUnavailable,
    /// A reason this crate does not know.
    Other(String),
}

impl StatusReason {
    /// The reason for a wire string.
    pub fn parse(s: &str) -> Self {
        use StatusReason::*;
        match s {
            "" => Unknown,
            "Unauthorized" => Unauthorized,
            "Forbidden" => Forbidden,
            "NotFound" => NotFound,
            "AlreadyExists" => AlreadyExists,
            "Conflict" => Conflict,
            "Gone" => Gone,
            "Invalid" => Invalid,
            "ServerTimeout" => ServerTimeout,
            "StorageReadError" => StoreReadError,
            "Timeout" => Timeout,
            "TooManyRequests" => TooManyRequests,
            "BadRequest" => BadRequest,
            "MethodNotAllowed" => MethodNotAllowed,
            "NotAcceptable" => NotAcceptable,
            "RequestEntityTooLarge" => RequestEntityTooLarge,
            "UnsupportedMediaType" => UnsupportedMediaType,
            "InternalError" => InternalError,
            "Expired" => Expired,
            "ServiceUnavailable" => ServiceUnavailable,
            other => Other(other.to_owned()),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        use StatusReason::*;
        match self {
            Unknown => "",
            Unauthorized => "Unauthorized",
            Forbidden => "Forbidden",
            NotFound => "NotFound",
            AlreadyExists => "AlreadyExists",
            Conflict => "Conflict",
            Gone => "Gone",
            Invalid => "Invalid",
            ServerTimeout => "ServerTimeout",
            StoreReadError => "StorageReadError",
            Timeout => "Timeout",
            TooManyRequests => "TooManyRequests",
            BadRequest => "BadRequest",
            MethodNotAllowed => "MethodNotAllowed",
            NotAcceptable => "NotAcceptable",
            RequestEntityTooLarge => "RequestEntityTooLarge",
            UnsupportedMediaType => "UnsupportedMediaType",
            InternalError => "InternalError",
            Expired => "Expired",
            ServiceUnavailable => "ServiceUnavailable",
            Other(s) => s,
        }
    }

    /// `true` for the reasons client-go knows (`knownReasons`); for the others the `is_*`
    /// helpers fall back to the HTTP code.
    pub fn is_known(&self) -> bool {
        !matches!(self, StatusReason::Unknown | StatusReason::Other(_))
    }
}

impl fmt::Display for StatusReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The cause type client-go uses to mark a response it could not decode.
pub const CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE: &str = "UnexpectedServerResponse";

/// A failure reported by the API server: its `Status` (`errors.StatusError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The server's status (or one synthesized from the HTTP response).
    pub status: Status,
}

impl std::error::Error for ApiError {}

impl fmt::Display for ApiError {
    /// The status message, as Go's `StatusError.Error()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status.message.as_deref().unwrap_or(""))
    }
}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        Self { status }
    }
}

impl ApiError {
    /// Wraps a `Status`.
    pub fn from_status(status: Status) -> Self {
        Self { status }
    }

    /// The error for an HTTP error response: the body's `Status` if it is one (its code
    /// defaulting to `http_code`), else a `Status` synthesized from the code like client-go's
    /// `NewGenericServerResponse`, with the body text (if short) as the server message.
    pub fn from_response(http_code: u16, body: &[u8]) -> Self {
        if let Ok(mut st) = serde_json::from_slice::<Status>(body)
            && st.kind.as_deref() == Some("Status")
        {
            if st.code.is_none_or(|c| c == 0) {
                st.code = Some(i32::from(http_code));
            }
            return Self { status: st };
        }
        let text = String::from_utf8_lossy(body);
        let server_message = text.trim();
        Self::generic(http_code, "", server_message)
    }

    /// A `Status` synthesized for an HTTP code (`NewGenericServerResponse`); `verb` is the HTTP
    /// method (a 409 on `POST` is `AlreadyExists`, otherwise `Conflict`).
    pub fn generic(http_code: u16, verb: &str, server_message: &str) -> Self {
        use StatusReason as R;
        let (reason, message) = match http_code {
            409 if verb.eq_ignore_ascii_case("POST") => {
                (R::AlreadyExists, "the server reported a conflict".to_owned())
            }
            409 => (R::Conflict, "the server reported a conflict".to_owned()),
            404 => (
                R::NotFound,
                "the server could not find the requested resource".to_owned(),
            ),
            400 => (
                R::BadRequest,
                "the server rejected our request for an unknown reason".to_owned(),
            ),
            401 => (
                R::Unauthorized,
                "the server has asked for the client to provide credentials".to_owned(),
            ),
            403 => (R::Forbidden, server_message.to_owned()),
            406 if server_message.is_empty() || server_message == "unknown" => (
                R::NotAcceptable,
                "the server was unable to respond with a content type that the client supports"
                    .to_owned(),
            ),
            406 => (R::NotAcceptable, server_message.to_owned()),
            415 => (R::UnsupportedMediaType, server_message.to_owned()),
            405 => (
                R::MethodNotAllowed,
                "the server does not allow this method on the requested resource".to_owned(),
            ),
            422 => (
                R::Invalid,
                "the server rejected our request due to an error in our request".to_owned(),
            ),
            503 => (
                R::ServiceUnavailable,
                "the server is currently unable to handle the request".to_owned(),
            ),
            504 => (
                R::Timeout,
                "the server was unable to return a response in the time allotted, but may still be processing the request".to_owned(),
            ),
            429 => (
                R::TooManyRequests,
                "the server has received too many requests and has asked us to try again later"
                    .to_owned(),
            ),
            c if c >= 500 => (
                R::InternalError,
                format!(
                    "an error on the server ({server_message:?}) has prevented the request from succeeding"
                ),
            ),
            c => (
                R::Unknown,
                format!(
                    "the server responded with the status code {c} but did not return more information"
                ),
            ),
        };
        let mut status = Status::failure(i32::from(http_code), reason.as_str(), message);
        status.details = Some(StatusDetails {
            causes: Some(vec![StatusCause {
                reason: Some(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE.into()),
                message: Some(server_message.to_owned()),
                field: None,
            }]),
            ..StatusDetails::default()
        });
        Self { status }
    }

    /// The reason (`ReasonForError`).
    pub fn reason(&self) -> StatusReason {
        StatusReason::parse(self.status.reason.as_deref().unwrap_or(""))
    }

    /// The HTTP code from the status (0 if unset).
    pub fn code(&self) -> i32 {
        self.status.code.unwrap_or(0)
    }

    /// The message.
    pub fn message(&self) -> &str {
        self.status.message.as_deref().unwrap_or("")
    }

    /// The details, if any.
    pub fn details(&self) -> Option<&StatusDetails> {
        self.status.details.as_ref()
    }

    fn is(&self, reason: StatusReason, code: i32) -> bool {
        let r = self.reason();
        r == reason || (!r.is_known() && self.code() == code)
    }

    /// `NotFound`, or an unknown reason with 404.
    pub fn is_not_found(&self) -> bool {
        self.is(StatusReason::NotFound, 404)
    }

    /// `AlreadyExists` (reason only, as in client-go).
    pub fn is_already_exists(&self) -> bool {
        self.reason() == StatusReason::AlreadyExists
    }

    /// `Conflict`, or an unknown reason with 409.
    pub fn is_conflict(&self) -> bool {
        self.is(StatusReason::Conflict, 409)
    }

    /// `Invalid`, or an unknown reason with 422.
    pub fn is_invalid(&self) -> bool {
        self.is(StatusReason::Invalid, 422)
    }

    /// `Gone`, or an unknown reason with 410.
    pub fn is_gone(&self) -> bool {
        self.is(StatusReason::Gone, 410)
    }

    /// `Expired` (reason only): e.g. a watch's resource version or a continue token is too old.
    pub fn is_resource_expired(&self) -> bool {
        self.reason() == StatusReason::Expired
    }

    /// `NotAcceptable`, or an unknown reason with 406.
    pub fn is_not_acceptable(&self) -> bool {
        self.is(StatusReason::NotAcceptable, 406)
    }

    /// `UnsupportedMediaType`, or an unknown reason with 415.
    pub fn is_unsupported_media_type(&self) -> bool {
        self.is(StatusReason::UnsupportedMediaType, 415)
    }

    /// `MethodNotAllowed`, or an unknown reason with 405.
    pub fn is_method_not_supported(&self) -> bool {
        self.is(StatusReason::MethodNotAllowed, 405)
    }

    /// `ServiceUnavailable`, or an unknown reason with 503.
    pub fn is_service_unavailable(&self) -> bool {
        self.is(StatusReason::ServiceUnavailable, 503)
    }

    /// `BadRequest`, or an unknown reason with 400.
    pub fn is_bad_request(&self) -> bool {
        self.is(StatusReason::BadRequest, 400)
    }

    /// `Unauthorized`, or an unknown reason with 401.
    pub fn is_unauthorized(&self) -> bool {
        self.is(StatusReason::Unauthorized, 401)
    }

    /// `Forbidden`, or an unknown reason with 403.
    pub fn is_forbidden(&self) -> bool {
        self.is(StatusReason::Forbidden, 403)
    }

    /// `Timeout`, or an unknown reason with 504.
    pub fn is_timeout(&self) -> bool {
        self.is(StatusReason::Timeout, 504)
    }

    /// `ServerTimeout` (reason only).
    pub fn is_server_timeout(&self) -> bool {
        self.reason() == StatusReason::ServerTimeout
    }

    /// `InternalError`, or an unknown reason with 500.
    pub fn is_internal_error(&self) -> bool {
        self.is(StatusReason::InternalError, 500)
    }

    /// `TooManyRequests`, or code 429 whatever the reason (as client-go).
    pub fn is_too_many_requests(&self) -> bool {
        self.reason() == StatusReason::TooManyRequests || self.code() == 429
    }

    /// `RequestEntityTooLarge`, or code 413 whatever the reason (as client-go).
    pub fn is_request_entity_too_large(&self) -> bool {
        self.reason() == StatusReason::RequestEntityTooLarge || self.code() == 413
    }

    /// `StorageReadError` (reason only).
    pub fn is_store_read_error(&self) -> bool {
        self.reason() == StatusReason::StoreReadError
    }

    /// A response client-go could not decode (cause `UnexpectedServerResponse`).
    pub fn is_unexpected_server_error(&self) -> bool {
        self.details()
            .and_then(|d| d.causes.as_deref())
            .unwrap_or(&[])
            .iter()
            .any(|c| c.reason.as_deref() == Some(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE))
    }

    /// Seconds to wait before retrying, when the server asks for a delay
    /// (`SuggestsClientDelay`): always for `ServerTimeout`, otherwise when
    /// `details.retryAfterSeconds > 0`.
    pub fn retry_after_seconds(&self) -> Option<i32> {
        let d = self.details()?;
        let secs = d.retry_after_seconds.unwrap_or(0);
        if self.reason() == StatusReason::ServerTimeout || secs > 0 {
            Some(secs)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: i32, reason: &str) -> ApiError {
        ApiError::from_status(Status::failure(code, reason, "msg"))
    }

    #[test]
    fn reason_then_code() {
        type Check = fn(&ApiError) -> bool;
        // (predicate, its reason, its fallback code or 0 when the code alone never matches)
        let table: &[(Check, &str, i32)] = &[
            (ApiError::is_not_found, "NotFound", 404),
            (ApiError::is_already_exists, "AlreadyExists", 0),
            (ApiError::is_conflict, "Conflict", 409),
            (ApiError::is_invalid, "Invalid", 422),
            (ApiError::is_gone, "Gone", 410),
            (ApiError::is_resource_expired, "Expired", 0),
            (ApiError::is_not_acceptable, "NotAcceptable", 406),
            (
                ApiError::is_unsupported_media_type,
                "UnsupportedMediaType",
                415,
            ),
            (ApiError::is_method_not_supported, "MethodNotAllowed", 405),
            (ApiError::is_service_unavailable, "ServiceUnavailable", 503),
            (ApiError::is_bad_request, "BadRequest", 400),
            (ApiError::is_unauthorized, "Unauthorized", 401),
            (ApiError::is_forbidden, "Forbidden", 403),
            (ApiError::is_timeout, "Timeout", 504),
            (ApiError::is_server_timeout, "ServerTimeout", 0),
            (ApiError::is_internal_error, "InternalError", 500),
            (ApiError::is_too_many_requests, "TooManyRequests", 429),
            (
                ApiError::is_request_entity_too_large,
                "RequestEntityTooLarge",
                413,
            ),
        ];
        for (check, reason, code) in table {
            assert!(check(&status(999, reason)), "{reason} by reason");
            if *code != 0 {
                assert!(
                    check(&status(*code, "")),
                    "{reason} by code {code} (no reason)"
                );
                assert!(
                    check(&status(*code, "SomethingNew")),
                    "{reason} by code (unknown)"
                );
                // A known, different reason wins over the code...
                let other = if *reason == "Conflict" {
                    "Invalid"
                } else {
                    "Conflict"
                };
                let by_other = check(&status(*code, other));
                // ...except for the two helpers that always look at the code.
                let code_always = matches!(*code, 429 | 413);
                assert_eq!(by_other, code_always, "{reason} vs {other} with {code}");
            } else {
                assert!(!check(&status(409, "")), "{reason} must not match by code");
            }
        }
    }

    #[test]
    fn generic_responses() {
        let e = ApiError::from_response(404, b"404 page not found");
        assert!(e.is_not_found());
        assert!(e.is_unexpected_server_error());
        assert_eq!(
            e.message(),
            "the server could not find the requested resource"
        );
        assert!(ApiError::generic(409, "POST", "").is_already_exists());
        assert!(ApiError::generic(409, "PUT", "").is_conflict());
        let e = ApiError::generic(502, "GET", "bad gateway");
        assert!(e.is_internal_error());
        assert_eq!(
            e.message(),
            "an error on the server (\"bad gateway\") has prevented the request from succeeding"
        );
        let e = ApiError::generic(418, "GET", "");
        assert_eq!(e.reason(), StatusReason::Unknown);
        assert_eq!(e.code(), 418);
    }

    #[test]
    fn retry_after() {
        let mut s = Status::failure(500, "ServerTimeout", "slow");
        s.details = Some(StatusDetails::default());
        assert_eq!(ApiError::from(s).retry_after_seconds(), Some(0));
        let mut s = Status::failure(429, "TooManyRequests", "slow down");
        assert_eq!(ApiError::from(s.clone()).retry_after_seconds(), None);
        s.details = Some(StatusDetails {
            retry_after_seconds: Some(7),
            ..Default::default()
        });
        assert_eq!(ApiError::from(s).retry_after_seconds(), Some(7));
    }
}
