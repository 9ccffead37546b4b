//! The server URL of a config, read as client-go reads `rest.Config.Host`
//! (`rest.DefaultServerURL` and `NewRESTClient`):
//!
//! - a full URL (`https://host:6443/prefix`) is used as it is;
//! - anything without a scheme and a host — a bare `host:port` such as `127.0.0.1:6443` — gets
//!   `https://` when the config has TLS settings (a CA, a client certificate or
//!   `insecure-skip-tls-verify`) and `http://` otherwise, and may then have no path;
//! - a `%` must start a two-digit hex escape (Go's `url.Parse` refuses `%zz`);
//! - the query and the fragment are dropped;
//! - the path is a prefix of every request path, cleaned like Go's `path.Clean`
//!   (`/a//b/../c/` is `/a/c`, `/./` and `/..` are no prefix).
//!
//! Where we differ: only `https` and `http` are accepted (client-go takes any scheme and fails
//! on the first request, "unsupported protocol scheme"), and a URL with characters that must be
//! percent-encoded (a space) is refused rather than encoded.

use crate::Error;

fn bad(server: &str, why: &str) -> Error {
    Error::InvalidRequest(format!("server {server:?} {why}"))
}

/// Whether `server` has a scheme (`[A-Za-z][A-Za-z0-9+.-]*`) followed by `://` and a
/// non-empty host: what Go's `url.Parse` must find for the URL to be used as it is.
fn has_scheme_and_host(server: &str) -> bool {
    let Some((scheme, rest)) = server.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    scheme_ok && !host.is_empty()
}

/// The request path prefix of a server URL's (escaped) path, as client-go's requests carry it:
/// percent-escapes decoded (Go's `URL.Path`; `%2F` becomes a separator), cleaned like
/// `path.Clean("/" + path)` with `/` itself as no prefix (`""`), and escaped again like Go's
/// `URL.EscapedPath` (`%41` is sent as `A`, a byte outside Go's path set as `%XX`).
pub(crate) fn clean_prefix(path: &str) -> String {
    let decoded = percent_decode(path.as_bytes());
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in decoded.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = String::new();
    for part in parts {
        out.push('/');
        for &b in part {
            // Go's `shouldEscape(c, encodePath)`: letters, digits, `-_.~` and `$&+,/:;=@` stay.
            if b.is_ascii_alphanumeric() || b"-_.~$&+,:;=@".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `%XX` escapes decoded (the server URL was checked to have only valid ones).
fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits make at most 0xFF.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The server URL of a config, checked and normalized (see the module docs). `default_tls`
/// is whether the config has TLS settings, which make a bare `host:port` an `https` server.
pub(crate) fn base_uri(server: &str, default_tls: bool) -> Result<http::Uri, Error> {
    if server.is_empty() {
        return Err(bad(server, "is not a URL or a host:port pair: it is empty"));
    }
    let bytes = server.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(bad(
                server,
                "is not a URL: '%' must start a hex escape such as %2F",
            ));
        }
    }
    let full = if has_scheme_and_host(server) {
        server.to_string()
    } else {
        let scheme = if default_tls { "https" } else { "http" };
        let full = format!("{scheme}://{server}");
        let rest = &full[scheme.len() + 3..];
        let path = rest
            .find('/')
            .map_or("", |i| &rest[i..])
            .split(['?', '#'])
            .next()
            .unwrap_or_default();
        if !path.is_empty() && path != "/" {
            return Err(bad(
                server,
                "is not a URL or a host:port pair (a host:port cannot have a path)",
            ));
        }
        full
    };
    // client-go's REST client drops the query and the fragment of the server URL.
    let without_query = full.split(['?', '#']).next().unwrap_or_default();
    let uri: http::Uri = without_query
        .parse()
        .map_err(|e| bad(server, &format!("is not a URL: {e}")))?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https" | "http") => {}
        _ => return Err(bad(server, ": the scheme must be https or http")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad(server, "is not a URL: it has no host"));
    }
    // Go's `url.Parse` wants digits after the host's colon (http's parser takes anything).
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let port = match host_port.rsplit_once(']') {
        Some((_, after)) => after.strip_prefix(':'),
        None => host_port.rsplit_once(':').map(|(_, p)| p),
    };
    if let Some(port) = port
        && !port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad(server, &format!("is not a URL: invalid port {port:?}")));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(server: &str, tls: bool) -> Result<String, String> {
        base_uri(server, tls)
            .map(|u| {
                format!(
                    "{}://{}{}",
                    u.scheme_str().unwrap(),
                    u.authority().unwrap(),
                    clean_prefix(u.path())
                )
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn bare_host_port_takes_the_scheme_from_the_tls_settings() {
        assert_eq!(
            base("127.0.0.1:6443", false).unwrap(),
            "http://127.0.0.1:6443"
        );
        assert_eq!(
            base("localhost:6443", true).unwrap(),
            "https://localhost:6443"
        );
        assert_eq!(base("[::1]:6443/", true).unwrap(), "https://[::1]:6443");
        let err = base("localhost:6443/prefix", false).unwrap_err();
        assert!(err.contains("cannot have a path"), "{err}");
    }

    #[test]
    fn paths_are_cleaned_and_queries_dropped() {
        assert_eq!(
            base("https://h:1/a//b/../c/?x=1#f", false).unwrap(),
            "https://h:1/a/c"
        );
        assert_eq!(base("https://h:1/./", false).unwrap(), "https://h:1");
        assert_eq!(base("https://h:1/..", false).unwrap(), "https://h:1");
        assert_eq!(base("HTTPS://H:1#f", false).unwrap(), "https://H:1");
        assert_eq!(
            base("https://h:1/%41b/x%2Fy", false).unwrap(),
            "https://h:1/Ab/x/y"
        );
        assert_eq!(
            base("https://h:1/a%20b!", false).unwrap(),
            "https://h:1/a%20b%21"
        );
    }

    #[test]
    fn urls_go_refuses_are_refused() {
        for server in [
            "",
            "https://h/%zz",
            "https://h/%4",
            "https://",
            "https://h:abc",
            "ftp://h",
        ] {
            assert!(base(server, false).is_err(), "{server:?}");
        }
    }
}
