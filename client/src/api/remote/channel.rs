//! The Kubernetes WebSocket channel protocol (`k8s.io/apimachinery/pkg/util/httpstream/wsstream`
//! and `remotecommand`): every binary message starts with one byte naming its channel.
//!
//! | protocol | channels |
//! |---|---|
//! | `v4.channel.k8s.io` (exec, attach) | 0 stdin, 1 stdout, 2 stderr, 3 error (a `Status` as JSON when the process ends), 4 resize (`{"Width":…,"Height":…}`) |
//! | `v5.channel.k8s.io` | v4, plus `[255, c]`: the sender closes channel `c` (the client closes stdin this way) |
//! | port-forward (`v4.channel.k8s.io` framing) | for the i-th requested port, channel `2i` carries data and `2i+1` errors; the server's first message on each carries the port as 2 bytes little-endian |
//!
//! ```
//! use k8s_client::remote::channel::{self, TerminalSize};
//!
//! assert_eq!(channel::frame(channel::STDIN, b"ls\n"), b"\x00ls\n");
//! assert_eq!(channel::close_frame(channel::STDIN), [255, 0]);
//! assert_eq!(channel::split_frame(b"\x01hello"), Some((channel::STDOUT, &b"hello"[..])));
//! let resize = serde_json::to_string(&TerminalSize { width: 80, height: 24 })?;
//! assert_eq!(resize, r#"{"Width":80,"Height":24}"#);
//! assert_eq!(channel::port_prefix(8080), [0x90, 0x1f]);
//! # Ok::<(), serde_json::Error>(())
//! ```

use k8s_apimachinery::Status;
use serde::{Deserialize, Serialize};

/// Standard input (client to server).
pub const STDIN: u8 = 0;
/// Standard output (server to client).
pub const STDOUT: u8 = 1;
/// Standard error (server to client).
pub const STDERR: u8 = 2;
/// The error channel: a `Status` as JSON when the process ends.
pub const ERROR: u8 = 3;
/// Terminal resize events (client to server), `{"Width":…,"Height":…}`.
pub const RESIZE: u8 = 4;
/// v5: `[CLOSE, c]` closes channel `c`.
pub const CLOSE: u8 = 255;

/// `v5.channel.k8s.io`: v4 plus the close signal.
pub const V5_PROTOCOL: &str = "v5.channel.k8s.io";
/// `v4.channel.k8s.io`: binary channels, `Status` on the error channel.
pub const V4_PROTOCOL: &str = "v4.channel.k8s.io";
/// `portforward.k8s.io`: the port-forward protocol name (SPDY's; the WebSocket port-forward
/// speaks `v4.channel.k8s.io` framing).
pub const PORT_FORWARD_PROTOCOL: &str = "portforward.k8s.io";

/// `Status.reason` of a process that exited with a non-zero code.
pub const NON_ZERO_EXIT_CODE_REASON: &str = "NonZeroExitCode";
/// `StatusCause.type` (`reason` in JSON) carrying the exit code in its message.
pub const EXIT_CODE_CAUSE_TYPE: &str = "ExitCode";

/// A terminal size for the resize channel (JSON field names as Go writes them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalSize {
    /// Columns.
    #[serde(rename = "Width")]
    pub width: u16,
    /// Rows.
    #[serde(rename = "Height")]
    pub height: u16,
}

/// One message: `[channel, data…]`.
pub fn frame(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1);
    out.push(channel);
    out.extend_from_slice(data);
    out
}

/// The v5 close signal for `channel`: `[255, channel]`.
pub fn close_frame(channel: u8) -> [u8; 2] {
    [CLOSE, channel]
}

/// Splits a message into its channel and data; `None` for an empty message.
pub fn split_frame(message: &[u8]) -> Option<(u8, &[u8])> {
    let (&channel, data) = message.split_first()?;
    Some((channel, data))
}

/// The 2-byte little-endian port number a port-forward channel starts with.
pub fn port_prefix(port: u16) -> [u8; 2] {
    port.to_le_bytes()
}

/// The exit code a process's final `Status` reports (client-go's `errorDecoderV4`): 0 for
/// `Success`, the `ExitCode` cause for `NonZeroExitCode`, `None` for any other failure (the
/// process could not be started, the container is gone, …).
pub fn exit_code(status: &Status) -> Option<i32> {
    if status.is_success() {
        return Some(0);
    }
    if status.reason.as_deref() != Some(NON_ZERO_EXIT_CODE_REASON) {
        return None;
    }
    status
        .details
        .as_ref()?
        .causes
        .as_ref()?
        .iter()
        .find(|c| c.reason.as_deref() == Some(EXIT_CODE_CAUSE_TYPE))?
        .message
        .as_deref()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_like_client_go() {
        let st: Status = serde_json::from_str(
            r#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 3",
                "reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#,
        )
        .unwrap();
        assert_eq!(exit_code(&st), Some(3));
        let ok: Status = serde_json::from_str(r#"{"metadata":{},"status":"Success"}"#).unwrap();
        assert_eq!(exit_code(&ok), Some(0));
        let other: Status = serde_json::from_str(
            r#"{"metadata":{},"status":"Failure","message":"container not found","reason":"InternalError"}"#,
        )
        .unwrap();
        assert_eq!(exit_code(&other), None);
        assert_eq!(split_frame(b""), None);
    }
}
