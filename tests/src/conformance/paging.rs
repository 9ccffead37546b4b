//! read, lists over time: `limit`/`continue` paging, the resourceVersion semantics of lists
//! (`""`, `"0"`, `NotOlderThan`, `Exact`), and `410 Expired` for history the server no longer
//! has.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, DeleteOptions, ListOptions, ResourceVersionMatch};
use serde_json::{Value, json};

use super::read::{create_all, list};
use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("read":
        list_pages_with_limit_and_continue,
        list_continue_reads_a_snapshot,
        list_resource_version_unset_is_the_latest,
        list_resource_version_zero_is_any,
        list_resource_version_not_older_than,
        list_resource_version_exact,
        list_from_compacted_history_is_expired,
    )
}

/// `limit` pages in name order; `remainingItemCount` counts what is left; the last page has no
/// continue token; every page is at the first page's resourceVersion.
async fn list_pages_with_limit_and_continue(ctx: Ctx) -> Outcome {
    create_all(
        &ctx,
        &[
            ("e", json!({})),
            ("a", json!({})),
            ("c", json!({})),
            ("b", json!({})),
            ("d", json!({})),
        ],
    )
    .await?;
    let api = ctx.json::<ConfigMap>();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut opts = ListOptions::default().limit(2);
        if let Some(t) = &token {
            opts = opts.continue_token(t.clone());
        }
        let page = list(&api, &opts).await?;
        token = page["metadata"]["continue"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        pages.push(page);
        if token.is_none() || pages.len() > 5 {
            break;
        }
    }
    let got: Vec<Vec<String>> = pages.iter().map(names).collect();
    ensure_eq!(got, [vec!["a", "b"], vec!["c", "d"], vec!["e"]], "pages");
    let remaining: Vec<Value> = pages
        .iter()
        .map(|p| p["metadata"]["remainingItemCount"].clone())
        .collect();
    ensure_eq!(
        remaining,
        [json!(3), json!(1), Value::Null],
        "remainingItemCount of each page"
    );
    let rvs: Vec<Value> = pages
        .iter()
        .map(|p| p["metadata"]["resourceVersion"].clone())
        .collect();
    ensure!(
        rvs.iter().all(|r| *r == rvs[0]),
        "pages of one list at different resourceVersions: {rvs:?}"
    );
    Ok(())
}

/// The pages after the first show the list's snapshot: a later create and a later delete are
/// not seen.
async fn list_continue_reads_a_snapshot(ctx: Ctx) -> Outcome {
    create_all(
        &ctx,
        &[("a", json!({})), ("b", json!({})), ("c", json!({}))],
    )
    .await?;
    let api = ctx.json::<ConfigMap>();
    let first = list(&api, &ListOptions::default().limit(1)).await?;
    ensure_eq!(names(&first), ["a"], "first page");
    let token = text(&first, "/metadata/continue")?.to_string();
    api.delete("c", &DeleteOptions::default()).await?;
    api.create(
        &config_map("d", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let rest = list(&api, &ListOptions::default().continue_token(token)).await?;
    ensure_eq!(
        names(&rest),
        ["b", "c"],
        "the rest of a list after deleting c and creating d"
    );
    ensure_eq!(
        rest["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"],
        "the rest's resourceVersion"
    );
    let now = list(&api, &ListOptions::default()).await?;
    ensure_eq!(names(&now), ["a", "b", "d"], "a new list");
    Ok(())
}

/// `resourceVersion` unset: a consistent read, so a write is seen by the next list.
async fn list_resource_version_unset_is_the_latest(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    for name in ["a", "b", "c"] {
        let created = api
            .create(
                &config_map(name, json!({}), json!({})),
                &CreateOptions::default(),
            )
            .await?;
        let got = list(&api, &ListOptions::default()).await?;
        ensure!(
            names(&got).iter().any(|n| n == name) && rv(&got)? >= rv(&created)?,
            "a list right after creating {name} (resourceVersion {}) does not show it: {}",
            rv(&created)?,
            brief(&got)
        );
    }
    Ok(())
}

/// `resourceVersion=0`: any data the server has (possibly stale), without error; on a quiet
/// namespace it converges on what was written.
async fn list_resource_version_zero_is_any(ctx: Ctx) -> Outcome {
    create_all(&ctx, &[("a", json!({}))]).await?;
    let got = list(
        &ctx.json::<ConfigMap>(),
        &ListOptions::default().resource_version("0"),
    )
    .await?;
    ensure_eq!(got["kind"], json!("ConfigMapList"), "kind");
    rv(&got)?;
    // May be stale, but never from the future and never another namespace's.
    let listed = names(&got);
    ensure!(
        listed.is_empty() || listed == ["a"],
        "resourceVersion=0 list: expected [] or [a], got {listed:?}"
    );
    Ok(())
}

/// `resourceVersionMatch=NotOlderThan`: at least as new as the given resourceVersion.
async fn list_resource_version_not_older_than(ctx: Ctx) -> Outcome {
    let created = create_all(&ctx, &[("a", json!({})), ("b", json!({}))]).await?;
    let at = rv_text(&created[1])?;
    let got = list(
        &ctx.json::<ConfigMap>(),
        &ListOptions::default()
            .resource_version(at.clone())
            .resource_version_match(ResourceVersionMatch::NotOlderThan),
    )
    .await?;
    ensure_eq!(names(&got), ["a", "b"], "NotOlderThan {at}");
    ensure!(
        rv(&got)? >= rv(&created[1])?,
        "NotOlderThan {at} answered at an older resourceVersion {}",
        rv(&got)?
    );
    Ok(())
}

/// `resourceVersionMatch=Exact`: the state at exactly that resourceVersion.
async fn list_resource_version_exact(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    create_all(&ctx, &[("a", json!({}))]).await?;
    let before = list(&api, &ListOptions::default()).await?;
    let at = rv_text(&before)?;
    create_all(&ctx, &[("b", json!({}))]).await?;
    api.delete("a", &DeleteOptions::default()).await?;
    let got = list(
        &api,
        &ListOptions::default()
            .resource_version(at.clone())
            .resource_version_match(ResourceVersionMatch::Exact),
    )
    .await?;
    ensure_eq!(
        names(&got),
        ["a"],
        "Exact {at} after creating b and deleting a"
    );
    ensure_eq!(rv_text(&got)?, at, "the resourceVersion of an Exact list");
    let now = list(&api, &ListOptions::default()).await?;
    ensure_eq!(names(&now), ["b"], "a list of the latest state");
    Ok(())
}

/// A continue token, or an Exact list, at a resourceVersion the server no longer has (1, on a
/// resource created by the scenario): 410 Expired. For the token, the answer carries a fresh
/// token that continues at the latest state.
async fn list_from_compacted_history_is_expired(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        for name in ["a", "b", "c"] {
            api.create(&crd.widget(name, 1, None), &CreateOptions::default())
                .await?;
        }
        let first = list(&api, &ListOptions::default().limit(1)).await?;
        let token = text(&first, "/metadata/continue")?;
        let decoded = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .filter(|t| t["rv"].is_u64());
        let Some(mut decoded) = decoded else {
            return Err(Failure::failed(format!(
                "the continue token {token:?} is not the apiserver's base64 JSON with an rv"
            )));
        };
        decoded["rv"] = json!(1);
        let old = URL_SAFE_NO_PAD.encode(decoded.to_string());
        let err = expect_error(
            "continue with a token at resourceVersion 1",
            api.list(&ListOptions::default().limit(1).continue_token(old))
                .await,
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. \
             You can start a new list without the continue parameter, or use the continue token \
             in this response to retrieve the remainder of the results. Continuing with the \
             provided token results in an inconsistent list - objects that were created, \
             modified, or deleted between the time the first chunk was returned and now may show \
             up in the list.",
        )?;
        let Some(fresh) = err.status.metadata.continue_token.clone() else {
            return Err(Failure::failed(
                "the 410 for an expired continue token carries no new continue token",
            ));
        };
        let rest = list(&api, &ListOptions::default().continue_token(fresh)).await?;
        ensure_eq!(
            names(&rest),
            ["b", "c"],
            "the list continued with the new token"
        );
        expect_error(
            "an Exact list at resourceVersion 1",
            api.list(
                &ListOptions::default()
                    .resource_version("1")
                    .resource_version_match(ResourceVersionMatch::Exact),
            )
            .await,
            410,
            "Expired",
            "The resourceVersion for the provided list is too old.",
        )?;
        Ok(())
    })
    .await
}
