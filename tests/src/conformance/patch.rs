//! patch: JSON patch, merge patch, strategic merge patch (merge keys, directives, strategies).
//! Server-side apply, of area `patch` too, is in `apply.rs`.

use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, GetOptions, PatchOptions, PatchType};
use k8s_client::Api;
use k8s_client::helpers::JsonPatch;
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("patch":
        json_patch_add_replace_remove_test,
        json_patch_failed_test_is_invalid,
        json_patch_missing_paths,
        merge_patch_sets_and_deletes_keys,
        merge_patch_replaces_lists,
        strategic_merge_patch_merges_lists_by_key,
        strategic_merge_patch_delete_directive,
        strategic_merge_patch_replace_directive,
        strategic_merge_patch_set_element_order,
        strategic_merge_patch_primitive_lists,
        strategic_merge_patch_retain_keys,
        patch_with_stale_resource_version_conflicts,
        patch_of_missing_object_is_not_found,
    )
}

async fn seed_cm(ctx: &Ctx, name: &str, data: Value) -> Result<Value, Failure> {
    Ok(ctx
        .json::<ConfigMap>()
        .create(
            &config_map(name, data, json!({})),
            &CreateOptions::default(),
        )
        .await?)
}

async fn seed_deployment(ctx: &Ctx, name: &str) -> Result<Api<Value>, Failure> {
    let api = ctx.json::<Deployment>();
    api.create(&deployment(name, 1), &CreateOptions::default())
        .await?;
    Ok(api)
}

/// RFC 6902 operations apply in order.
async fn json_patch_add_replace_remove_test(ctx: Ctx) -> Outcome {
    seed_cm(&ctx, "jp", json!({"a": "1", "b": "2"})).await?;
    let patch = JsonPatch::new()
        .test("/data/a", "1")
        .replace("/data/a", "one")
        .add("/data/c", "3")
        .remove("/data/b")
        .copy("/data/c", "/data/d")
        .move_("/data/d", "/data/e");
    let got = ctx
        .api::<ConfigMap>()
        .patch("jp", PatchType::Json, &patch, &PatchOptions::default())
        .await?;
    let got = serde_json::to_value(got).unwrap_or_default();
    ensure_eq!(
        got["data"],
        json!({"a": "one", "c": "3", "e": "3"}),
        "data after the JSON patch"
    );
    Ok(())
}

/// A failing `test` operation: 422 Invalid with the generic message, and nothing changes.
async fn json_patch_failed_test_is_invalid(ctx: Ctx) -> Outcome {
    let created = seed_cm(&ctx, "jp", json!({"a": "1"})).await?;
    let patch = JsonPatch::new()
        .test("/data/a", "2")
        .replace("/data/a", "changed");
    let api = ctx.json::<ConfigMap>();
    expect_error(
        "JSON patch whose test fails",
        api.patch("jp", PatchType::Json, &patch, &PatchOptions::default())
            .await,
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    )?;
    let now = api.get("jp", &GetOptions::default()).await?;
    ensure_eq!(rv_text(&now)?, rv_text(&created)?, "resourceVersion");
    Ok(())
}

/// The apiserver's JSON patch is lenient about `replace` of a missing map key (it adds it) and
/// strict about `remove` of one (422).
async fn json_patch_missing_paths(ctx: Ctx) -> Outcome {
    seed_cm(&ctx, "jp", json!({"a": "1"})).await?;
    let api = ctx.json::<ConfigMap>();
    let got = api
        .patch(
            "jp",
            PatchType::Json,
            &JsonPatch::new().replace("/data/missing", "x"),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        got["data"],
        json!({"a": "1", "missing": "x"}),
        "data after replacing a missing key"
    );
    expect_error(
        "JSON patch removing a missing key",
        api.patch(
            "jp",
            PatchType::Json,
            &JsonPatch::new().remove("/data/nothere"),
            &PatchOptions::default(),
        )
        .await,
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
    )?;
    Ok(())
}

/// RFC 7386: keys set, `null` deletes.
async fn merge_patch_sets_and_deletes_keys(ctx: Ctx) -> Outcome {
    seed_cm(&ctx, "mp", json!({"a": "1", "b": "2"})).await?;
    let got = ctx
        .json::<ConfigMap>()
        .patch(
            "mp",
            PatchType::Merge,
            &json!({"data": {"a": null, "c": "3"}, "metadata": {"labels": {"l": "v"}}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(got["data"], json!({"b": "2", "c": "3"}), "data");
    ensure_eq!(got["metadata"]["labels"], json!({"l": "v"}), "labels");
    Ok(())
}

/// A merge patch replaces a list whole (no merge keys).
async fn merge_patch_replaces_lists(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "mp").await?;
    let got = api
        .patch(
            "mp",
            PatchType::Merge,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "d", "image": "nginx:2"}
            ]}}}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        containers(&got),
        [("d".to_string(), "nginx:2".to_string())],
        "containers after a merge patch"
    );
    Ok(())
}

/// Containers merge by `name`: a patched element changes in place, a new one is prepended, the
/// rest stay.
async fn strategic_merge_patch_merges_lists_by_key(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "smp").await?;
    let got = api
        .patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "d", "image": "nginx:2"},
                {"name": "e", "image": "e"}
            ]}}}}),
            &PatchOptions::default(),
        )
        .await?;
    let want: Vec<(String, String)> = [("c", "busybox"), ("d", "nginx:2"), ("e", "e")]
        .iter()
        .map(|(n, i)| (n.to_string(), i.to_string()))
        .collect();
    ensure_eq!(
        containers(&got),
        want,
        "containers after the strategic merge patch"
    );
    Ok(())
}

/// `$patch: delete` removes the element with that merge key.
async fn strategic_merge_patch_delete_directive(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "smp").await?;
    let got = api
        .patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "c", "$patch": "delete"}
            ]}}}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        containers(&got),
        [("d".to_string(), "nginx".to_string())],
        "containers after $patch: delete"
    );
    Ok(())
}

/// `$patch: replace` in a list replaces it whole; on a map, replaces the map.
async fn strategic_merge_patch_replace_directive(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "smp").await?;
    let got = api
        .patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "z", "image": "z"},
                {"$patch": "replace"}
            ]}}}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        containers(&got),
        [("z".to_string(), "z".to_string())],
        "containers after $patch: replace"
    );
    let cms = ctx.json::<ConfigMap>();
    seed_cm(&ctx, "m", json!({"a": "1", "b": "2"})).await?;
    let got = cms
        .patch(
            "m",
            PatchType::StrategicMerge,
            &json!({"data": {"$patch": "replace", "c": "3"}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        got["data"],
        json!({"c": "3"}),
        "data after $patch: replace on a map"
    );
    Ok(())
}

/// `$setElementOrder` reorders a merged list.
async fn strategic_merge_patch_set_element_order(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "smp").await?;
    let got = api
        .patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "d"}, {"name": "c"}],
                "containers": [{"name": "c", "image": "busybox:2"}]
            }}}}),
            &PatchOptions::default(),
        )
        .await?;
    let want: Vec<(String, String)> = [("d", "nginx"), ("c", "busybox:2")]
        .iter()
        .map(|(n, i)| (n.to_string(), i.to_string()))
        .collect();
    ensure_eq!(containers(&got), want, "containers after $setElementOrder");
    Ok(())
}

/// A primitive list with the merge strategy (finalizers) is merged, and
/// `$deleteFromPrimitiveList` removes values from it.
async fn strategic_merge_patch_primitive_lists(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let mut body = config_map("fin", json!({}), json!({}));
    body["metadata"]["finalizers"] = json!(["example.com/a"]);
    api.create(&body, &CreateOptions::default()).await?;
    let smp = |patch: Value| {
        let api = api.clone();
        async move {
            api.patch(
                "fin",
                PatchType::StrategicMerge,
                &patch,
                &PatchOptions::default(),
            )
            .await
        }
    };
    let got = smp(json!({"metadata": {"finalizers": ["example.com/b"]}})).await?;
    // The patch's values come first, then the ones it did not name.
    ensure_eq!(
        got["metadata"]["finalizers"],
        json!(["example.com/b", "example.com/a"]),
        "finalizers after merging [b] into [a]"
    );
    let got = smp(json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/b"]}}))
        .await?;
    ensure_eq!(
        got["metadata"]["finalizers"],
        json!(["example.com/a"]),
        "finalizers after $deleteFromPrimitiveList"
    );
    smp(json!({"metadata": {"finalizers": null}})).await?;
    Ok(())
}

/// `$retainKeys` drops the keys of a struct the patch does not name (a Deployment's strategy:
/// switching to Recreate must drop rollingUpdate, or validation refuses it).
async fn strategic_merge_patch_retain_keys(ctx: Ctx) -> Outcome {
    let api = seed_deployment(&ctx, "smp").await?;
    let before = api.get("smp", &GetOptions::default()).await?;
    ensure!(
        before["spec"]["strategy"]["rollingUpdate"].is_object(),
        "a new Deployment's strategy has no rollingUpdate: {}",
        before["spec"]["strategy"]
    );
    let err = expect_error(
        "switching to Recreate without $retainKeys",
        api.patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"strategy": {"type": "Recreate"}}}),
            &PatchOptions::default(),
        )
        .await,
        422,
        "Invalid",
        r#"Deployment.apps "smp" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"#,
    )?;
    expect_details(
        "Invalid",
        &err,
        Some("smp"),
        Some("apps"),
        Some("Deployment"),
    )?;
    let got = api
        .patch(
            "smp",
            PatchType::StrategicMerge,
            &json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        got["spec"]["strategy"],
        json!({"type": "Recreate"}),
        "strategy after $retainKeys"
    );
    Ok(())
}

/// A resourceVersion in a patch is a precondition: stale means 409.
async fn patch_with_stale_resource_version_conflicts(ctx: Ctx) -> Outcome {
    let created = seed_cm(&ctx, "p", json!({"a": "1"})).await?;
    let api = ctx.json::<ConfigMap>();
    let stale = rv_text(&created)?;
    let ok = api
        .patch(
            "p",
            PatchType::Merge,
            &json!({"metadata": {"resourceVersion": stale}, "data": {"a": "2"}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        ok["data"]["a"],
        json!("2"),
        "data.a after a patch at the current version"
    );
    expect_error(
        "merge patch at a stale resourceVersion",
        api.patch(
            "p",
            PatchType::Merge,
            &json!({"metadata": {"resourceVersion": stale}, "data": {"a": "3"}}),
            &PatchOptions::default(),
        )
        .await,
        409,
        "Conflict",
        r#"Operation cannot be fulfilled on configmaps "p": the object has been modified; please apply your changes to the latest version and try again"#,
    )?;
    Ok(())
}

/// A patch (other than apply) of a missing object is 404.
async fn patch_of_missing_object_is_not_found(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    for patch_type in [PatchType::Merge, PatchType::StrategicMerge] {
        expect_error(
            &format!("{patch_type:?} patch of a missing ConfigMap"),
            api.patch(
                "ghost",
                patch_type,
                &json!({"data": {"a": "1"}}),
                &PatchOptions::default(),
            )
            .await,
            404,
            "NotFound",
            r#"configmaps "ghost" not found"#,
        )?;
    }
    expect_error(
        "JSON patch of a missing ConfigMap",
        api.patch(
            "ghost",
            PatchType::Json,
            &JsonPatch::new().add("/data", json!({})),
            &PatchOptions::default(),
        )
        .await,
        404,
        "NotFound",
        r#"configmaps "ghost" not found"#,
    )?;
    Ok(())
}
