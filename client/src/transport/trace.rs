//! Request spans: the path template that names a request, and W3C trace-context propagation.

use std::fmt;

use http::{HeaderMap, HeaderValue};

/// Puts the trace context of the current request into its headers, so that the API server
/// (with tracing on, it reads W3C `traceparent`) records its work under the caller's trace.
///
/// Set one as [`Config::trace_propagator`](crate::Config::trace_propagator). An OpenTelemetry
/// user implements it by injecting the current context (`opentelemetry::global::
/// get_text_map_propagator(|p| p.inject_context(&cx, &mut HeaderInjector(headers)))`);
/// [`W3cTraceContext`] starts a fresh trace per request without any tracing backend.
/// `inject` runs inside the request's span (`k8s_client::request`); the client then records
/// the trace id of the `traceparent` it set as that span's `trace_id` field.
pub trait TracePropagator: Send + Sync {
    /// Adds `traceparent` (and `tracestate`, if any) to `headers`.
    fn inject(&self, headers: &mut HeaderMap);
}

/// A [`TracePropagator`] that gives every request a new W3C trace (random trace and parent
/// ids, sampled); the client records the trace id as the `trace_id` field of the request's
/// span, so that a log line of the client finds the API server's trace and the other way round.
///
/// ```
/// use std::sync::Arc;
/// use k8s_client::transport::{TracePropagator, W3cTraceContext};
///
/// let mut headers = http::HeaderMap::new();
/// W3cTraceContext::default().inject(&mut headers);
/// let value = headers["traceparent"].to_str().unwrap();
/// assert_eq!(value.len(), 55); // 00-<32 hex>-<16 hex>-01
/// assert!(value.starts_with("00-") && value.ends_with("-01"));
///
/// let mut config = k8s_client::Config::new("https://127.0.0.1:6443");
/// config.trace_propagator = Some(Arc::new(W3cTraceContext::default()));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct W3cTraceContext;

impl TracePropagator for W3cTraceContext {
    fn inject(&self, headers: &mut HeaderMap) {
        use fmt::Write;
        let trace: u128 = rand::random::<u128>().max(1);
        let parent: u64 = rand::random::<u64>().max(1);
        let mut value = String::with_capacity(55);
        // Writing to a String cannot fail.
        let _ = write!(value, "00-{trace:032x}-{parent:016x}-01");
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert("traceparent", value);
        }
    }
}

/// A request path with the namespace and the object name replaced by `{namespace}` and `{name}`
/// (client-go's URL template), without the query: what a span or a log line names a request by,
/// with a small, fixed set of values.
pub(crate) struct PathTemplate<'a>(pub &'a str);

impl fmt::Display for PathTemplate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.0.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // How many segments name the group and version: `api/v1`, `apis/<group>/<version>`.
        let prefix = match segments.first() {
            Some(&"api") => 2,
            Some(&"apis") => 3,
            _ => return f.write_str(path),
        };
        if segments.len() <= prefix {
            return f.write_str(path);
        }
        let mut out: Vec<&str> = segments[..prefix].to_vec();
        let rest = &segments[prefix..];
        let rest = if rest[0] == "namespaces" && rest.len() >= 2 {
            // `namespaces/<ns>` is the Namespace itself (and its `status`/`finalize`);
            // anything else below it is a namespaced resource.
            if rest.len() == 2 || matches!(rest[2], "status" | "finalize") {
                out.push("namespaces");
                out.push("{name}");
                &rest[2..]
            } else {
                out.push("namespaces");
                out.push("{namespace}");
                &rest[2..]
            }
        } else {
            rest
        };
        if let Some((resource, tail)) = rest.split_first() {
            out.push(resource);
            if let Some((_, subresources)) = tail.split_first() {
                out.push("{name}");
                out.extend_from_slice(subresources);
            }
        }
        f.write_str("/")?;
        f.write_str(&out.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_hide_namespaces_and_names() {
        let cases = [
            (
                "/api/v1/namespaces/book/pods/web-0?timeout=5s",
                "/api/v1/namespaces/{namespace}/pods/{name}",
            ),
            (
                "/api/v1/namespaces/book/pods/web-0/log",
                "/api/v1/namespaces/{namespace}/pods/{name}/log",
            ),
            (
                "/api/v1/namespaces/book/pods",
                "/api/v1/namespaces/{namespace}/pods",
            ),
            ("/api/v1/namespaces/book", "/api/v1/namespaces/{name}"),
            (
                "/api/v1/namespaces/book/finalize",
                "/api/v1/namespaces/{name}/finalize",
            ),
            ("/api/v1/namespaces", "/api/v1/namespaces"),
            ("/api/v1/nodes/n1/status", "/api/v1/nodes/{name}/status"),
            (
                "/apis/apps/v1/namespaces/x/deployments/web/scale",
                "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            ),
            ("/apis/apps/v1/deployments", "/apis/apps/v1/deployments"),
            ("/apis/apps/v1", "/apis/apps/v1"),
            ("/api", "/api"),
            ("/version", "/version"),
            ("/openapi/v3/apis/apps/v1", "/openapi/v3/apis/apps/v1"),
        ];
        for (path, want) in cases {
            assert_eq!(PathTemplate(path).to_string(), want, "{path}");
        }
    }

    #[test]
    fn w3c_trace_context_is_fresh_per_request() {
        let mut a = HeaderMap::new();
        let mut b = HeaderMap::new();
        W3cTraceContext.inject(&mut a);
        W3cTraceContext.inject(&mut b);
        assert_ne!(a["traceparent"], b["traceparent"]);
        let v = a["traceparent"].to_str().unwrap();
        let parts: Vec<&str> = v.split('-').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!((parts[1].len(), parts[2].len()), (32, 16));
        assert!(parts[1].chars().all(|c| c.is_ascii_hexdigit()));
    }
}
