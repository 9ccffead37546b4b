//! patch, server-side apply: create-or-merge, managedFields entries, conflicts with another
//! manager (an `Apply` or an `Update` one), force, fields a manager drops.

use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::managedfields::extract;
use k8s_apimachinery::{CreateOptions, GetOptions, PatchOptions, PatchType, UpdateOptions};
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("patch":
        apply_creates_with_managed_fields,
        apply_merges_the_fields_of_two_managers,
        apply_conflicts_with_another_manager,
        apply_force_takes_ownership,
        apply_removes_fields_the_manager_dropped,
        apply_conflicts_with_an_update_manager,
        apply_requires_a_field_manager,
        apply_extract_modify_apply,
    )
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

/// Extract → modify → apply (client-go's `ExtractDeployment`): what a manager owns reads back
/// as exactly what it applied, list elements by key included and others' fields left out; the
/// modified extract applies without conflicts, and a field the manager drops goes while
/// another manager's stays.
async fn apply_extract_modify_apply(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    let mut mine = deployment("ex", 2);
    mine["spec"]["template"]["spec"]["containers"][0]["ports"] =
        json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}]);
    api.apply("ex", &mine, "alice", false).await?;
    let bob = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "ex", "labels": {"team": "blue"}}});
    let live = api.apply("ex", &bob, "bob", false).await?;
    let Some(extracted) =
        extract(&live, "alice", None).map_err(|e| Failure::failed(e.to_string()))?
    else {
        return Err(Failure::failed("no Apply entry of alice to extract"));
    };
    let mut want = mine.clone();
    want["metadata"]["namespace"] = json!(ctx.namespace);
    ensure_eq!(extracted, want, "alice's extract is what alice applied");
    ensure_eq!(
        extract(&live, "bob", None).map_err(|e| Failure::failed(e.to_string()))?,
        Some(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "ex", "namespace": ctx.namespace, "labels": {"team": "blue"}}})),
        "bob's extract"
    );
    let mut next = extracted.clone();
    next["spec"]["template"]["spec"]["containers"][1]["image"] = json!("nginx:2");
    if let Some(labels) = next["metadata"]["labels"].as_object_mut() {
        labels.remove("app");
    }
    let after = api.apply("ex", &next, "alice", false).await?;
    ensure_eq!(
        after["spec"]["template"]["spec"]["containers"][1]["image"],
        json!("nginx:2"),
        "the image alice changed"
    );
    ensure_eq!(
        after["metadata"]["labels"],
        json!({"team": "blue"}),
        "labels after alice dropped hers (bob's stays)"
    );
    Ok(())
}
