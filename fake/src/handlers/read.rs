//! `get` and `list`: label and field selectors, `limit`/`continue` paging at a consistent
//! resourceVersion, and the resourceVersion semantics of reads (`""`: most recent; `"0"`: any;
//! `N` with `NotOlderThan` or `Exact`), with the real server's validation messages.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k8s_apimachinery::selector::{FieldSelector, Selector};
use serde_json::{Value, json};

use super::{Ctx, fields, reply_object};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::server::{Reply, resource_key};
use crate::status::{self, Failure};
use crate::tracker::{ObjectKey, storage_key};

/// `resourceVersionMatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RvMatch {
    Unset,
    NotOlderThan,
    Exact,
}

/// The options of a list or watch, validated.
pub(crate) struct ListParams {
    pub labels: Selector,
    pub fields: FieldSelector,
    pub limit: Option<usize>,
    pub continue_token: Option<Token>,
    pub resource_version: Option<String>,
    pub rv_match: RvMatch,
    pub send_initial_events: Option<bool>,
    pub bookmarks: bool,
    pub timeout_seconds: Option<u64>,
}

impl ListParams {
    /// The explicit resourceVersion as a number (`None` for `""`).
    pub(crate) fn rv_number(&self) -> Result<Option<u64>, Failure> {
        match self.resource_version.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => s
                .parse::<u64>()
                .map(Some)
                .map_err(|_| {
                    status::bad_request(format!(
                        "invalid resource version: resourceVersion: Invalid value: \"{s}\": strconv.ParseUint: parsing \"{s}\": invalid syntax"
                    ))
                }),
        }
    }
}

/// A continue token: the resourceVersion of the first page and the key to start after.
pub(crate) struct Token {
    /// `None`: the newest state (`-1` in the token: the real server's token for continuing an
    /// expired list without consistency).
    pub rv: Option<u64>,
    pub start: String,
}

impl Token {
    fn encode(rv: u64, last: &str) -> String {
        Self::encode_raw(rv as i64, &format!("{last}\u{0}"))
    }

    fn encode_raw(rv: i64, start: &str) -> String {
        let json = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start});
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    fn decode(text: &str) -> Result<Token, Failure> {
        let bad = |why: &str| status::bad_request(format!("continue key is not valid: {why}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| bad("incorrect encoding"))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("incorrect encoding"))?;
        if v.get("v").and_then(Value::as_str) != Some("meta.k8s.io/v1") {
            return Err(bad("server does not recognize this encoded key"));
        }
        let rv = match v.get("rv").and_then(Value::as_i64) {
            Some(-1) => None,
            Some(n) if n > 0 => Some(n as u64),
            _ => {
                return Err(bad(
                    "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
                ));
            }
        };
        let start = v
            .get("start")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("incorrect encoding"))?
            .to_string();
        Ok(Token { rv, start })
    }
}

fn list_invalid(field: &str, reason: &'static str, message: String) -> Failure {
    status::options_invalid("ListOptions", field, reason, message)
}

/// Parses and validates the list/watch options of a request.
pub(crate) fn params(
    ctx: &Ctx<'_>,
    info: &ResourceInfo,
    watch: bool,
) -> Result<ListParams, Failure> {
    let a = ctx.action;
    let labels = match a.query("labelSelector") {
        Some(s) if !s.is_empty() => s
            .parse::<Selector>()
            .map_err(|e| status::bad_request(format!("unable to parse requirement: {e}")))?,
        _ => Selector::everything(),
    };
    let fields = match a.query("fieldSelector") {
        Some(s) if !s.is_empty() => fields::parse(info, s)?,
        _ => FieldSelector::everything(),
    };
    let limit = match a.query("limit") {
        Some(s) if !s.is_empty() => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => return Err(status::bad_request(format!("invalid limit {s:?}"))),
        },
        _ => None,
    };
    let resource_version = a.query("resourceVersion").map(str::to_string);
    let rv_match = match a.query("resourceVersionMatch") {
        None | Some("") => RvMatch::Unset,
        Some("NotOlderThan") => RvMatch::NotOlderThan,
        Some("Exact") => RvMatch::Exact,
        Some(other) => {
            return Err(list_invalid(
                "resourceVersionMatch",
                "FieldValueNotSupported",
                format!(
                    "Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\", \"\""
                ),
            ));
        }
    };
    let send_initial_events = match a.query("sendInitialEvents") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let bookmarks = a.query("allowWatchBookmarks") == Some("true");
    let continue_text = a.query("continue").filter(|s| !s.is_empty());
    let rv_text = resource_version.as_deref().unwrap_or("");
    let forbidden = |field: &str, msg: &str| {
        list_invalid(field, "FieldValueForbidden", format!("Forbidden: {msg}"))
    };
    if rv_match != RvMatch::Unset {
        if watch && send_initial_events.is_none() {
            return Err(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ));
        }
        if rv_text.is_empty() && send_initial_events.is_none() {
            return Err(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        }
        if continue_text.is_some() {
            return Err(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        }
        if rv_match == RvMatch::Exact && rv_text == "0" {
            return Err(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            ));
        }
    }
    if let Some(sie) = send_initial_events {
        if !watch {
            return Err(forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        }
        if sie && rv_match != RvMatch::NotOlderThan {
            return Err(forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if sie && !bookmarks {
            return Err(forbidden(
                "allowWatchBookmarks",
                "sendInitialEvents requires setting allowWatchBookmarks to true",
            ));
        }
    }
    let continue_token = match continue_text {
        Some(t) => {
            if !rv_text.is_empty() && rv_text != "0" {
                return Err(status::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            Some(Token::decode(t)?)
        }
        None => None,
    };
    let timeout_seconds = a.query("timeoutSeconds").and_then(|s| s.parse().ok());
    Ok(ListParams {
        labels,
        fields,
        limit,
        continue_token,
        resource_version,
        rv_match,
        send_initial_events,
        bookmarks,
        timeout_seconds,
    })
}

/// Whether `obj` passes the label and field selectors.
pub(crate) fn selected(obj: &Value, p: &ListParams) -> bool {
    if !p.labels.is_everything() {
        let labels = meta::string_map(obj, "labels");
        if !p.labels.matches(labels.as_slice()) {
            return false;
        }
    }
    fields::matches(obj, &p.fields)
}

/// The key an object sorts under (namespace/name).
pub(crate) fn object_key(obj: &Value) -> ObjectKey {
    (
        meta::namespace(obj).unwrap_or_default().to_string(),
        meta::name(obj).unwrap_or_default().to_string(),
    )
}

/// `get`.
pub(crate) fn get(ctx: &Ctx<'_>, info: &ResourceInfo) -> Reply {
    let key = ctx.key(info, ctx.name());
    match ctx.server.inner.tracker.get(&resource_key(info), &key) {
        Some(obj) => {
            if let Some(rv) = ctx.action.query("resourceVersion")
                && !rv.is_empty()
                && rv != "0"
                && rv.parse::<u64>().is_err()
            {
                return Reply::Fail(status::bad_request(format!(
                    "invalid resource version: {rv:?}"
                )));
            }
            match partial(ctx.accept) {
                Some(Partial::Object) => Reply::json(200, &partial_object(&obj, info)),
                _ => reply_object(200, &obj, info),
            }
        }
        None => Reply::Fail(status::not_found(info, ctx.name())),
    }
}

/// `list`.
pub(crate) fn list(ctx: &Ctx<'_>, info: &ResourceInfo) -> Reply {
    match list_inner(ctx, info) {
        Ok(r) => r,
        Err(f) => Reply::Fail(f),
    }
}

fn list_inner(ctx: &Ctx<'_>, info: &ResourceInfo) -> Result<Reply, Failure> {
    let p = params(ctx, info, false)?;
    let tracker = &ctx.server.inner.tracker;
    let res = resource_key(info);
    let ns = ctx.action.namespace.as_deref().filter(|_| info.namespaced);
    let requested = p.rv_number()?;
    let current = tracker.resource_version();
    if ctx.plan.expire && requested.is_some() {
        return Err(too_old(requested.unwrap_or(0), current));
    }
    let (items, rv, start) = if let Some(tok) = &p.continue_token {
        match tok.rv {
            Some(at) => {
                let items = tracker.list_at(&res, ns, at).map_err(|_| {
                    let mut f = status::expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                    f.details = None;
                    // A token to go on from the same key at the newest state.
                    f.continue_token = Some(Token::encode_raw(-1, &tok.start).into());
                    f
                })?;
                (items, at, Some(tok.start.clone()))
            }
            None => {
                let (items, rv) = tracker.list(&res, ns);
                (items, rv, Some(tok.start.clone()))
            }
        }
    } else {
        match (requested, p.rv_match) {
            (Some(n), RvMatch::Exact) => {
                let items = tracker.list_at(&res, ns, n).map_err(|_| {
                    let mut f =
                        status::expired("The resourceVersion for the provided list is too old.");
                    f.details = None;
                    f
                })?;
                if n > current {
                    return Err(too_large(n, current));
                }
                (items, n, None)
            }
            (Some(n), _) if n > current && n != 0 => return Err(too_large(n, current)),
            _ => {
                let (items, rv) = tracker.list(&res, ns);
                (items, rv, None)
            }
        }
    };
    let mut out: Vec<Arc<Value>> = Vec::new();
    let mut next: Option<String> = None;
    let mut remaining = 0usize;
    let selectors = !p.labels.is_everything() || !p.fields.is_empty();
    // `resourceVersion=0` without a continue token is served from the watch cache, which
    // ignores `limit` (as the real server does for a list at "0").
    let limit = if p.resource_version.as_deref() == Some("0") && p.continue_token.is_none() {
        None
    } else {
        p.limit
    };
    for obj in items {
        let key = storage_key(&object_key(&obj));
        if let Some(s) = &start
            && key.as_str() < s.as_str()
        {
            continue;
        }
        if !selected(&obj, &p) {
            continue;
        }
        if let Some(l) = limit
            && out.len() >= l
        {
            remaining += 1;
            continue;
        }
        out.push(obj);
    }
    if remaining > 0
        && let Some(last) = out.last()
    {
        next = Some(Token::encode(rv, &storage_key(&object_key(last))));
    }
    let mut list_meta = json!({"resourceVersion": rv.to_string()});
    if let Some(n) = &next {
        list_meta["continue"] = json!(n);
        if !selectors {
            list_meta["remainingItemCount"] = json!(remaining);
        }
    }
    let reply = match partial(ctx.accept) {
        Some(_) => json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta,
            "items": out.iter().map(|o| partial_object(o, info)).collect::<Vec<_>>(),
        }),
        None => json!({
            "kind": info.list_kind,
            "apiVersion": info.api_version(),
            "metadata": list_meta,
            "items": out.iter().map(|o| {
                let mut v = (**o).clone();
                super::set_type(&mut v, info);
                v
            }).collect::<Vec<_>>(),
        }),
    };
    Ok(Reply::json(200, &reply))
}

/// `410 Gone` for a resourceVersion compacted away.
pub(crate) fn too_old(requested: u64, oldest: u64) -> Failure {
    status::expired(format!("too old resource version: {requested} ({oldest})"))
}

/// `504 Timeout` for a resourceVersion the server has not reached.
fn too_large(requested: u64, current: u64) -> Failure {
    let mut f = Failure::new(
        504,
        "Timeout",
        format!("Too large resource version: {requested}, current: {current}"),
    );
    f.details = Some(
        json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}], "retryAfterSeconds": 1}),
    );
    f.retry_after = Some(1);
    f
}

/// What `Accept: …;as=PartialObjectMetadata[List]` asks for.
pub(crate) enum Partial {
    Object,
    List,
}

pub(crate) fn partial(accept: &str) -> Option<Partial> {
    // The first media type the client accepts decides (it lists fallbacks after it).
    let first = accept.split(',').next().unwrap_or("");
    if !first.contains("g=meta.k8s.io") {
        return None;
    }
    if first.contains("as=PartialObjectMetadataList") {
        Some(Partial::List)
    } else if first.contains("as=PartialObjectMetadata") {
        Some(Partial::Object)
    } else {
        None
    }
}

/// The `PartialObjectMetadata` of an object.
pub(crate) fn partial_object(obj: &Value, _info: &ResourceInfo) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}
