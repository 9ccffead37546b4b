//! watch: from a resourceVersion, initial state, bookmarks, `sendInitialEvents`, selectors,
//! order, namespaces, timeouts, `410 Expired`.
//!
//! Every watch carries `timeoutSeconds` (the server ends it) and is read with a deadline, and
//! the scenarios start watches from a resourceVersion they know, so no scenario depends on when
//! the server registers a watcher.

use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{
    ApiResource, CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType,
    ResourceVersionMatch, WatchEvent,
};
use k8s_client::Api;
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("watch":
        watch_from_resource_version_replays_changes_in_order,
        watch_without_resource_version_starts_with_the_current_state,
        watch_from_resource_version_zero_starts_with_the_current_state,
        watch_bookmarks_only_when_asked,
        watch_send_initial_events_ends_with_a_bookmark,
        watch_send_initial_events_requires_not_older_than,
        watch_label_selector_filters_and_follows_transitions,
        watch_field_selector_on_name,
        watch_sees_only_its_namespace,
        watch_ends_when_its_timeout_passes,
        watch_too_old_resource_version_is_expired,
    )
}

/// How long a scenario reads a watch before giving up.
const READ_LIMIT: Duration = Duration::from_secs(10);

fn opts(timeout_seconds: i64) -> ListOptions {
    ListOptions::default().timeout(timeout_seconds)
}

/// The current resourceVersion of the scenario's ConfigMaps (a list's).
async fn now(api: &Api<Value>) -> Result<String, Failure> {
    let list = api.list(&ListOptions::default()).await?;
    list.metadata
        .resource_version
        .ok_or_else(|| Failure::failed("a list without resourceVersion"))
}

fn rv_of(e: &WatchEvent<Value>) -> Option<u64> {
    match e {
        WatchEvent::Bookmark(b) => b.metadata.resource_version.parse().ok(),
        other => other
            .object()
            .and_then(|o| o["metadata"]["resourceVersion"].as_str())
            .and_then(|r| r.parse().ok()),
    }
}

/// A watch from resourceVersion R delivers every change after R, in the order made, each
/// with the resourceVersion the write returned; a DELETED event carries the last state with the
/// deletion's resourceVersion.
async fn watch_from_resource_version_replays_changes_in_order(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.create(
        &config_map("before", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let start = now(&api).await?;
    let mut want = Vec::new();
    let mut rvs = Vec::new();
    let a = api
        .create(
            &config_map("a", json!({"v": "1"}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    want.push("ADDED a");
    rvs.push(rv(&a)?);
    let b = api
        .create(
            &config_map("b", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    want.push("ADDED b");
    rvs.push(rv(&b)?);
    let a2 = api
        .patch(
            "a",
            PatchType::Merge,
            &json!({"data": {"v": "2"}}),
            &PatchOptions::default(),
        )
        .await?;
    want.push("MODIFIED a");
    rvs.push(rv(&a2)?);
    let b2 = api
        .patch(
            "b",
            PatchType::Merge,
            &json!({"data": {"w": "1"}}),
            &PatchOptions::default(),
        )
        .await?;
    want.push("MODIFIED b");
    rvs.push(rv(&b2)?);
    api.delete("a", &DeleteOptions::default()).await?;
    want.push("DELETED a");
    api.delete("before", &DeleteOptions::default()).await?;
    want.push("DELETED before");
    let watched = watch(
        &api,
        &opts(5).resource_version(start.clone()),
        READ_LIMIT,
        objects(want.len()),
    )
    .await?;
    ensure_eq!(
        watched.summary(),
        want,
        "events from resourceVersion {start}"
    );
    let got_rvs: Vec<u64> = watched.events.iter().filter_map(rv_of).collect();
    ensure_eq!(
        got_rvs[..4].to_vec(),
        rvs,
        "resourceVersions of the events, against those the writes returned"
    );
    ensure!(
        got_rvs.windows(2).all(|w| w[0] < w[1]) && got_rvs.len() == want.len(),
        "resourceVersions of the events are not increasing: {got_rvs:?}"
    );
    let deleted = watched.events[4].object().cloned().unwrap_or_default();
    ensure_eq!(
        deleted["data"],
        json!({"v": "2"}),
        "the DELETED event's data (the last state)"
    );
    Ok(())
}

/// Without resourceVersion: synthetic ADDED events for what exists (by name), then changes.
async fn watch_without_resource_version_starts_with_the_current_state(ctx: Ctx) -> Outcome {
    initial_state(ctx, None).await
}

/// resourceVersion=0: the same, from whatever state the server has (so possibly older: the
/// events are compared as a set).
async fn watch_from_resource_version_zero_starts_with_the_current_state(ctx: Ctx) -> Outcome {
    initial_state(ctx, Some("0")).await
}

async fn initial_state(ctx: Ctx, resource_version: Option<&str>) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    for name in ["b", "a"] {
        api.create(
            &config_map(name, json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    }
    let mut options = opts(5);
    if let Some(rv) = resource_version {
        options = options.resource_version(rv);
    }
    let watch_api = api.clone();
    let reader =
        tokio::spawn(async move { watch(&watch_api, &options, READ_LIMIT, objects(3)).await });
    // c is created while the watch starts: either it is in the state the watch begins with
    // (then it comes third, by name) or it is a change after it; ADDED c either way.
    api.create(
        &config_map("c", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let watched = reader
        .await
        .map_err(|e| Failure::failed(format!("the watch task failed: {e}")))??;
    let mut summary = watched.summary();
    if resource_version == Some("0") {
        // "Any state": the server may start from a state older than the two creates (its cache
        // lagging), and then delivers them as changes, in the order made. Only the set is sure.
        summary.sort();
    }
    ensure_eq!(
        summary,
        ["ADDED a", "ADDED b", "ADDED c"],
        "events of a watch from resourceVersion {resource_version:?}"
    );
    Ok(())
}

/// `allowWatchBookmarks=true`: the real server sends a BOOKMARK (kind and apiVersion of the
/// resource, only a resourceVersion in metadata) before it ends a watch, 2 s before its
/// timeout; without it, never.
async fn watch_bookmarks_only_when_asked(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("a", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let from = rv_text(&created)?;
    let with_options = opts(3).resource_version(from.clone()).bookmarks(true);
    let without_options = opts(3).resource_version(from.clone());
    let with = watch(&api, &with_options, READ_LIMIT, |events| {
        events.iter().any(|e| matches!(e, WatchEvent::Bookmark(_)))
    });
    let without = watch(&api, &without_options, READ_LIMIT, |_| false);
    let (with, without) = futures::future::join(with, without).await;
    let (with, without) = (with?, without?);
    let Some(WatchEvent::Bookmark(bookmark)) = with
        .events
        .iter()
        .find(|e| matches!(e, WatchEvent::Bookmark(_)))
    else {
        return Err(Failure::failed(format!(
            "no BOOKMARK on a watch with allowWatchBookmarks and timeoutSeconds=3: {:?}",
            with.summary()
        )));
    };
    ensure!(
        bookmark
            .metadata
            .resource_version
            .parse::<u64>()
            .unwrap_or(0)
            >= rv(&created)?,
        "the bookmark's resourceVersion {} is older than the watch's start {from}",
        bookmark.metadata.resource_version
    );
    ensure_eq!(
        (bookmark.kind.as_deref(), bookmark.api_version.as_deref()),
        (Some("ConfigMap"), Some("v1")),
        "the bookmark's kind and apiVersion"
    );
    ensure!(
        without.ended
            && without
                .events
                .iter()
                .all(|e| !matches!(e, WatchEvent::Bookmark(_))),
        "a watch without allowWatchBookmarks: expected no bookmark and an end, got {:?} (ended: {})",
        without.summary(),
        without.ended
    );
    Ok(())
}

/// `sendInitialEvents=true`: ADDED for every object (by name), then a BOOKMARK annotated
/// `k8s.io/initial-events-end: "true"` at a resourceVersion covering them, then changes.
async fn watch_send_initial_events_ends_with_a_bookmark(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let mut newest = 0;
    for name in ["c", "a", "b"] {
        let c = api
            .create(
                &config_map(name, json!({}), json!({})),
                &CreateOptions::default(),
            )
            .await?;
        newest = newest.max(rv(&c)?);
    }
    let options = opts(5)
        .send_initial_events(true)
        .resource_version_match(ResourceVersionMatch::NotOlderThan)
        .bookmarks(true);
    let watched = watch(&api, &options, READ_LIMIT, |events| {
        events
            .iter()
            .any(|e| matches!(e, WatchEvent::Bookmark(b) if b.is_initial_events_end()))
    })
    .await?;
    let summary = watched.summary();
    ensure_eq!(
        summary[..summary.len().saturating_sub(1)].to_vec(),
        ["ADDED a", "ADDED b", "ADDED c"],
        "the initial events"
    );
    let Some(WatchEvent::Bookmark(end)) = watched.events.last() else {
        return Err(Failure::failed(format!(
            "no initial-events-end bookmark: {summary:?}"
        )));
    };
    ensure_eq!(
        end.metadata
            .annotations
            .get("k8s.io/initial-events-end")
            .map(String::as_str),
        Some("true"),
        "the bookmark's annotation"
    );
    let end_rv: u64 = end.metadata.resource_version.parse().unwrap_or(0);
    ensure!(
        end_rv >= newest,
        "the initial-events-end bookmark is at {end_rv}, older than the newest object ({newest})"
    );
    // What comes after the bookmark: a watch from its resourceVersion sees a later create.
    api.create(
        &config_map("d", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let later = watch(
        &api,
        &opts(5).resource_version(end.metadata.resource_version.clone()),
        READ_LIMIT,
        objects(1),
    )
    .await?;
    ensure_eq!(later.summary(), ["ADDED d"], "events after the bookmark");
    Ok(())
}

/// `sendInitialEvents` needs `resourceVersionMatch=NotOlderThan`: 422 otherwise.
async fn watch_send_initial_events_requires_not_older_than(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let err = expect_error(
        "watch with sendInitialEvents and no resourceVersionMatch",
        api.watch(&opts(2).send_initial_events(true).bookmarks(true))
            .await
            .map(|_| "a watch stream"),
        422,
        "Invalid",
        r#"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"#,
    )?;
    expect_details(
        "Invalid",
        &err,
        None,
        Some("meta.k8s.io"),
        Some("ListOptions"),
    )?;
    expect_causes(
        "the missing resourceVersionMatch",
        &err,
        &[(
            "FieldValueForbidden",
            "resourceVersionMatch",
            "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        )],
    )
}

/// A label-selected watch: only matching objects; an object that stops matching arrives as
/// DELETED (its last matching content, at the resourceVersion of the write that changed it),
/// one that starts matching as ADDED.
async fn watch_label_selector_filters_and_follows_transitions(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let start = now(&api).await?;
    api.create(
        &config_map("in", json!({}), json!({"app": "yes"})),
        &CreateOptions::default(),
    )
    .await?;
    api.create(
        &config_map("out", json!({}), json!({"app": "no"})),
        &CreateOptions::default(),
    )
    .await?;
    let relabel = |name: &'static str, value: &'static str| {
        let api = api.clone();
        async move {
            api.patch(
                name,
                PatchType::Merge,
                &json!({"metadata": {"labels": {"app": value}}}),
                &PatchOptions::default(),
            )
            .await
        }
    };
    let left = relabel("in", "no").await?;
    relabel("out", "yes").await?;
    api.patch(
        "out",
        PatchType::Merge,
        &json!({"data": {"x": "1"}}),
        &PatchOptions::default(),
    )
    .await?;
    relabel("in", "still-no").await?;
    let watched = watch(
        &api,
        &opts(5).resource_version(start).labels("app=yes"),
        READ_LIMIT,
        objects(4),
    )
    .await?;
    ensure_eq!(
        watched.summary(),
        ["ADDED in", "DELETED in", "ADDED out", "MODIFIED out"],
        "events of a watch with labelSelector app=yes"
    );
    let gone = watched.events[1].object().cloned().unwrap_or_default();
    ensure_eq!(
        gone["metadata"]["labels"],
        json!({"app": "yes"}),
        "the DELETED event's labels (the last state that matched)"
    );
    ensure_eq!(
        rv(&gone)?,
        rv(&left)?,
        "the DELETED event's resourceVersion (the write that made it stop matching)"
    );
    Ok(())
}

/// `fieldSelector=metadata.name=x`: only that object's events.
async fn watch_field_selector_on_name(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let start = now(&api).await?;
    for name in ["x", "y"] {
        api.create(
            &config_map(name, json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    }
    api.delete("y", &DeleteOptions::default()).await?;
    api.delete("x", &DeleteOptions::default()).await?;
    let watched = watch(
        &api,
        &opts(5).resource_version(start).fields("metadata.name=x"),
        READ_LIMIT,
        objects(2),
    )
    .await?;
    ensure_eq!(
        watched.summary(),
        ["ADDED x", "DELETED x"],
        "events for metadata.name=x"
    );
    Ok(())
}

/// A namespaced watch never sees another namespace's objects.
async fn watch_sees_only_its_namespace(ctx: Ctx) -> Outcome {
    let other = ctx.extra_namespace().await?;
    let api = ctx.json::<ConfigMap>();
    let elsewhere = ctx.json_in(&ApiResource::erase::<ConfigMap>(), Some(&other));
    let start = now(&api).await?;
    elsewhere
        .create(
            &config_map("there", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    api.create(
        &config_map("here", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    elsewhere
        .create(
            &config_map("there-too", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let marker = api
        .create(
            &config_map("marker", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let watched = watch(
        &api,
        &opts(5).resource_version(start),
        READ_LIMIT,
        objects(2),
    )
    .await?;
    ensure_eq!(
        watched.summary(),
        ["ADDED here", "ADDED marker"],
        "events in the namespace"
    );
    ensure_eq!(
        watched.events.last().and_then(rv_of),
        Some(rv(&marker)?),
        "the marker's resourceVersion"
    );
    Ok(())
}

/// `timeoutSeconds`: the server ends the watch (a clean end, no error event).
async fn watch_ends_when_its_timeout_passes(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let start = now(&api).await?;
    let began = tokio::time::Instant::now();
    let watched = watch(&api, &opts(1).resource_version(start), READ_LIMIT, |_| {
        false
    })
    .await?;
    ensure!(
        watched.ended,
        "a watch with timeoutSeconds=1 was still open after {READ_LIMIT:?}"
    );
    ensure!(
        watched.events.is_empty(),
        "a quiet watch delivered events: {:?}",
        watched.summary()
    );
    ensure!(
        began.elapsed() >= Duration::from_millis(500),
        "a watch with timeoutSeconds=1 ended after {:?}",
        began.elapsed()
    );
    Ok(())
}

/// A watch from a resourceVersion older than the server's history (1, on a resource the
/// scenario created): one ERROR event, 410 Expired, `too old resource version: 1 (N)`, then
/// the end of the stream.
async fn watch_too_old_resource_version_is_expired(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        api.create(&crd.widget("w", 1, None), &CreateOptions::default())
            .await?;
        let watched = watch(&api, &opts(5).resource_version("1"), READ_LIMIT, |_| false).await?;
        let [WatchEvent::Error(status)] = watched.events.as_slice() else {
            return Err(Failure::failed(format!(
                "a watch from resourceVersion 1: expected one ERROR event, got {:?}",
                watched.summary()
            )));
        };
        let message = status.message.as_deref().unwrap_or("");
        ensure!(
            status.code == Some(410)
                && status.reason.as_deref() == Some("Expired")
                && shape_matches("too old resource version: 1 (*)", message),
            "the ERROR event: expected 410 Expired \"too old resource version: 1 (*)\", got {} {:?} {message:?}",
            status.code.unwrap_or(0),
            status.reason
        );
        ensure!(watched.ended, "the watch did not end after its ERROR event");
        // The resourceVersion in the message is one the server still has: a watch from it works.
        let oldest = message
            .rsplit('(')
            .next()
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or("");
        let widget_rv = rv(&api.get("w", &GetOptions::default()).await?)?;
        ensure!(
            oldest.parse::<u64>().is_ok_and(|o| o <= widget_rv),
            "the oldest resourceVersion the server names ({oldest:?}) is not a revision before the widget's ({})",
            widget_rv
        );
        Ok(())
    })
    .await
}
