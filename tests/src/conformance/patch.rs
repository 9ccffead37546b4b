//! patch: JSON patch, merge patch, strategic merge patch (merge keys, directives), server-side
//! apply (create-or-merge, managedFields, conflicts, force).

use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, GetOptions, PatchOptions, PatchType, UpdateOptions};
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
        apply_creates_with_managed_fields,
        apply_merges_the_fields_of_two_managers,
        apply_conflicts_with_another_manager,
        apply_force_takes_ownership,
        apply_removes_fields_the_manager_dropped,
        apply_conflicts_with_an_update_manager,
        apply_requires_a_field_manager,
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

fn applied(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Apply of a missing object creates it, with one managedFields entry: the manager, `Apply`,
/// and exactly the fields it sent.
async fn apply_creates_with_managed_fields(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let got = api
        .apply("ssa", &applied("ssa", json!({"a": "1"})), "alice", false)
        .await?;
    ensure_eq!(got["data"], json!({"a": "1"}), "data");
    ensure!(
        got["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty()),
        "an object created by apply has no uid: {}",
        brief(&got)
    );
    ensure_eq!(
        managers(&got),
        pairs(&[("alice", "Apply")]),
        "managedFields"
    );
    ensure_eq!(
        fields_of(&got, "alice"),
        json!({"f:data": {"f:a": {}}}),
        "alice's fields"
    );
    let again = api
        .apply("ssa", &applied("ssa", json!({"a": "1"})), "alice", false)
        .await?;
    ensure_eq!(
        rv_text(&again)?,
        rv_text(&got)?,
        "resourceVersion after applying the same configuration again"
    );
    Ok(())
}

/// Two managers apply different keys: both kept, each owning its own.
async fn apply_merges_the_fields_of_two_managers(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.apply("ssa", &applied("ssa", json!({"a": "1"})), "alice", false)
        .await?;
    let got = api
        .apply("ssa", &applied("ssa", json!({"b": "2"})), "bob", false)
        .await?;
    ensure_eq!(got["data"], json!({"a": "1", "b": "2"}), "data");
    ensure_eq!(
        managers(&got),
        pairs(&[("alice", "Apply"), ("bob", "Apply")]),
        "managedFields"
    );
    ensure_eq!(
        fields_of(&got, "bob"),
        json!({"f:data": {"f:b": {}}}),
        "bob's fields"
    );
    Ok(())
}

/// Applying another value to a field another manager owns: 409 naming the manager and field.
async fn apply_conflicts_with_another_manager(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.apply("ssa", &applied("ssa", json!({"a": "1"})), "alice", false)
        .await?;
    api.apply("ssa", &applied("ssa", json!({"b": "2"})), "bob", false)
        .await?;
    let err = expect_error(
        "bob applies alice's field",
        api.apply(
            "ssa",
            &applied("ssa", json!({"a": "9", "b": "2"})),
            "bob",
            false,
        )
        .await,
        409,
        "Conflict",
        r#"Apply failed with 1 conflict: conflict with "alice": .data.a"#,
    )?;
    expect_causes(
        "the conflict",
        &err,
        &[(
            "FieldManagerConflict",
            ".data.a",
            r#"conflict with "alice""#,
        )],
    )?;
    expect_details("Conflict", &err, None, None, None)?;
    let err = expect_error(
        "carol applies both",
        api.apply(
            "ssa",
            &applied("ssa", json!({"a": "9", "b": "9"})),
            "carol",
            false,
        )
        .await,
        409,
        "Conflict",
        "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .data.a\nconflicts with \"bob\":\n- .data.b",
    )?;
    expect_causes(
        "the conflicts",
        &err,
        &[
            (
                "FieldManagerConflict",
                ".data.a",
                r#"conflict with "alice""#,
            ),
            ("FieldManagerConflict", ".data.b", r#"conflict with "bob""#),
        ],
    )?;
    let now = api.get("ssa", &GetOptions::default()).await?;
    ensure_eq!(
        now["data"],
        json!({"a": "1", "b": "2"}),
        "data after the conflicts"
    );
    Ok(())
}

/// `force=true` takes the field over; a manager left with nothing loses its entry.
async fn apply_force_takes_ownership(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.apply("ssa", &applied("ssa", json!({"a": "1"})), "alice", false)
        .await?;
    api.apply("ssa", &applied("ssa", json!({"b": "2"})), "bob", false)
        .await?;
    let got = api
        .apply(
            "ssa",
            &applied("ssa", json!({"a": "9", "b": "2"})),
            "bob",
            true,
        )
        .await?;
    ensure_eq!(got["data"], json!({"a": "9", "b": "2"}), "data");
    ensure_eq!(managers(&got), pairs(&[("bob", "Apply")]), "managedFields");
    ensure_eq!(
        fields_of(&got, "bob"),
        json!({"f:data": {"f:a": {}, "f:b": {}}}),
        "bob's fields"
    );
    Ok(())
}

/// A field a manager applied before and leaves out now is removed (when no one else owns it).
async fn apply_removes_fields_the_manager_dropped(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.apply(
        "ssa",
        &applied("ssa", json!({"a": "1", "b": "2"})),
        "alice",
        false,
    )
    .await?;
    api.apply("ssa", &applied("ssa", json!({"c": "3"})), "bob", false)
        .await?;
    let got = api
        .apply("ssa", &applied("ssa", json!({"b": "2"})), "alice", false)
        .await?;
    ensure_eq!(got["data"], json!({"b": "2", "c": "3"}), "data");
    ensure_eq!(
        fields_of(&got, "alice"),
        json!({"f:data": {"f:b": {}}}),
        "alice's fields"
    );
    Ok(())
}

/// An update (PUT) records its manager as `Update`; applying a different value to a field it
/// set conflicts with it, naming its API version.
async fn apply_conflicts_with_an_update_manager(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("mixed", json!({"x": "1"}), json!({})),
            &CreateOptions::default().field_manager("editor"),
        )
        .await?;
    let mut body = created.clone();
    body["data"]["y"] = json!("2");
    let updated = api
        .update(
            "mixed",
            &body,
            &UpdateOptions::default().field_manager("editor"),
        )
        .await?;
    ensure_eq!(
        managers(&updated),
        pairs(&[("editor", "Update")]),
        "managedFields"
    );
    ensure_eq!(
        fields_of(&updated, "editor"),
        json!({"f:data": {".": {}, "f:x": {}, "f:y": {}}}),
        "editor's fields"
    );
    let err = expect_error(
        "alice applies the editor's field",
        api.apply(
            "mixed",
            &applied("mixed", json!({"x": "other"})),
            "alice",
            false,
        )
        .await,
        409,
        "Conflict",
        r#"Apply failed with 1 conflict: conflict with "editor" using v1: .data.x"#,
    )?;
    expect_causes(
        "the conflict",
        &err,
        &[(
            "FieldManagerConflict",
            ".data.x",
            r#"conflict with "editor" using v1"#,
        )],
    )?;
    let same = api
        .apply(
            "mixed",
            &applied("mixed", json!({"x": "1"})),
            "alice",
            false,
        )
        .await?;
    ensure_eq!(
        managers(&same),
        pairs(&[("alice", "Apply"), ("editor", "Update")]),
        "managedFields after applying the same value (shared ownership)"
    );
    Ok(())
}

/// Apply without `fieldManager`: 422 for the PatchOptions.
async fn apply_requires_a_field_manager(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "apply without fieldManager",
        ctx.json::<ConfigMap>()
            .patch(
                "ssa",
                PatchType::Apply,
                &applied("ssa", json!({"a": "1"})),
                &PatchOptions::default(),
            )
            .await,
        422,
        "Invalid",
        r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#,
    )?;
    expect_details(
        "Invalid",
        &err,
        None,
        Some("meta.k8s.io"),
        Some("PatchOptions"),
    )?;
    expect_causes(
        "the missing field manager",
        &err,
        &[(
            "FieldValueRequired",
            "fieldManager",
            "Required value: is required for apply patch",
        )],
    )
}
