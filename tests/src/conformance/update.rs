//! update: optimistic concurrency, generation, the status and scale subresources.

use http::Method;
use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, GetOptions, PatchOptions, PatchType, UpdateOptions};
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("update":
        update_with_current_resource_version,
        update_with_stale_resource_version_conflicts,
        update_without_resource_version_is_unconditional,
        update_that_changes_nothing_keeps_the_resource_version,
        update_of_missing_object_is_not_found,
        update_with_another_name_is_bad_request,
        update_with_another_uid_conflicts,
        generation_moves_with_the_spec_only,
        main_endpoint_ignores_status,
        status_endpoint_ignores_spec_and_metadata,
        scale_subresource_reads_and_writes_replicas,
        scale_subresource_conflicts_on_stale_resource_version,
        subresources_only_where_the_kind_has_them,
    )
}

/// Creates the ConfigMap `name` with data `k=v`.
async fn seed(ctx: &Ctx, name: &str) -> Result<Value, super::Failure> {
    Ok(ctx
        .json::<ConfigMap>()
        .create(
            &config_map(name, json!({"k": "v"}), json!({})),
            &CreateOptions::default(),
        )
        .await?)
}

/// A PUT with the current resourceVersion: new data and resourceVersion; same uid and
/// creationTimestamp.
async fn update_with_current_resource_version(ctx: Ctx) -> Outcome {
    let cms = ctx.clientset().core_v1().config_maps(&ctx.namespace);
    seed(&ctx, "u").await?;
    let mut cm = cms.get("u", &GetOptions::default()).await?;
    cm.data
        .get_or_insert_default()
        .insert("k".into(), "changed".into());
    let updated = cms.update("u", &cm, &UpdateOptions::default()).await?;
    ensure_eq!(
        updated
            .data
            .as_ref()
            .and_then(|d| d.get("k"))
            .map(|v| v.as_str()),
        Some("changed"),
        "data.k after the update"
    );
    ensure_eq!(updated.metadata.uid, cm.metadata.uid, "uid");
    ensure_eq!(
        updated.metadata.creation_timestamp,
        cm.metadata.creation_timestamp,
        "creationTimestamp"
    );
    let (old, new) = (
        cm.metadata.resource_version.unwrap_or_default(),
        updated.metadata.resource_version.unwrap_or_default(),
    );
    ensure!(
        new.parse::<u64>().unwrap_or(0) > old.parse::<u64>().unwrap_or(u64::MAX),
        "resourceVersion after an update: expected larger than {old}, got {new}"
    );
    Ok(())
}

/// A PUT with a stale resourceVersion: 409 Conflict with the real server's message.
async fn update_with_stale_resource_version_conflicts(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let stale = seed(&ctx, "c").await?;
    let mut first = stale.clone();
    first["data"]["k"] = json!("first");
    api.update("c", &first, &UpdateOptions::default()).await?;
    let mut second = stale;
    second["data"]["k"] = json!("second");
    let err = expect_error(
        "update with a stale resourceVersion",
        api.update("c", &second, &UpdateOptions::default()).await,
        409,
        "Conflict",
        r#"Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again"#,
    )?;
    expect_details("Conflict", &err, Some("c"), None, Some("configmaps"))?;
    let now = api.get("c", &GetOptions::default()).await?;
    ensure_eq!(
        now["data"]["k"],
        json!("first"),
        "data.k after the conflict"
    );
    Ok(())
}

/// ConfigMaps allow an unconditional update: a PUT without resourceVersion overwrites.
async fn update_without_resource_version_is_unconditional(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    seed(&ctx, "free").await?;
    let body = config_map("free", json!({"k": "overwritten"}), json!({}));
    let updated = api.update("free", &body, &UpdateOptions::default()).await?;
    ensure_eq!(updated["data"]["k"], json!("overwritten"), "data.k");
    Ok(())
}

/// A PUT that changes nothing writes nothing: the resourceVersion stays.
async fn update_that_changes_nothing_keeps_the_resource_version(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = seed(&ctx, "same").await?;
    let again = api
        .update("same", &created, &UpdateOptions::default())
        .await?;
    ensure_eq!(
        rv_text(&again)?,
        rv_text(&created)?,
        "resourceVersion after a no-op update"
    );
    ensure_eq!(
        again["metadata"]["managedFields"],
        created["metadata"]["managedFields"],
        "managedFields after a no-op update"
    );
    Ok(())
}

/// ConfigMaps are not created by PUT: 404.
async fn update_of_missing_object_is_not_found(ctx: Ctx) -> Outcome {
    let body = config_map("ghost", json!({}), json!({}));
    expect_error(
        "update of a missing ConfigMap",
        ctx.json::<ConfigMap>()
            .update("ghost", &body, &UpdateOptions::default())
            .await,
        404,
        "NotFound",
        r#"configmaps "ghost" not found"#,
    )?;
    Ok(())
}

/// A body whose name differs from the URL's: 400.
async fn update_with_another_name_is_bad_request(ctx: Ctx) -> Outcome {
    seed(&ctx, "a").await?;
    let body = config_map("b", json!({}), json!({}));
    expect_error(
        "update of a with a body named b",
        ctx.json::<ConfigMap>()
            .update("a", &body, &UpdateOptions::default())
            .await,
        400,
        "BadRequest",
        "the name of the object (b) does not match the name on the URL (a)",
    )?;
    Ok(())
}

/// A body with another uid: 409 Conflict naming both uids.
async fn update_with_another_uid_conflicts(ctx: Ctx) -> Outcome {
    let created = seed(&ctx, "ided").await?;
    let uid = text(&created, "/metadata/uid")?.to_string();
    let mut body = created.clone();
    body["metadata"]["uid"] = json!("00000000-0000-0000-0000-000000000000");
    expect_error(
        "update with another uid",
        ctx.json::<ConfigMap>()
            .update("ided", &body, &UpdateOptions::default())
            .await,
        409,
        "Conflict",
        &format!(
            r#"Operation cannot be fulfilled on configmaps "ided": *Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: {uid}"#
        ),
    )?;
    Ok(())
}

/// metadata.generation: 1 at create, +1 for each spec change, unchanged by label and status
/// changes. A Deployment's annotations count as its spec (the real server bumps the generation
/// for them, as rollbacks once lived there).
async fn generation_moves_with_the_spec_only(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    let d = api
        .create(&deployment("gen", 1), &CreateOptions::default())
        .await?;
    ensure_eq!(
        d["metadata"]["generation"],
        json!(1),
        "generation at create"
    );
    let merge = |patch: Value| {
        let api = api.clone();
        async move {
            api.patch("gen", PatchType::Merge, &patch, &PatchOptions::default())
                .await
        }
    };
    let steps = [
        (
            json!({"metadata": {"labels": {"l": "1"}}}),
            1,
            "a label change",
        ),
        (
            json!({"metadata": {"annotations": {"a": "1"}}}),
            2,
            "an annotation change",
        ),
        (json!({"spec": {"replicas": 2}}), 3, "a spec change"),
        (
            json!({"spec": {"replicas": 2}}),
            3,
            "a spec patch that changes nothing",
        ),
        (json!({"spec": {"paused": true}}), 4, "another spec change"),
    ];
    for (patch, want, what) in steps {
        let got = merge(patch).await?;
        ensure_eq!(
            got["metadata"]["generation"],
            json!(want),
            "generation after {what}"
        );
    }
    let status = api
        .patch_status(
            "gen",
            PatchType::Merge,
            &json!({"status": {"replicas": 5}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        status["metadata"]["generation"],
        json!(4),
        "generation after a status change"
    );
    Ok(())
}

/// For a kind with a status subresource, the main endpoint ignores status changes.
async fn main_endpoint_ignores_status(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    let created = api
        .create(&deployment("st", 1), &CreateOptions::default())
        .await?;
    let mut body = created.clone();
    body["status"] = json!({"replicas": 7, "observedGeneration": 9});
    let updated = api.update("st", &body, &UpdateOptions::default()).await?;
    ensure_eq!(
        updated["status"],
        created["status"],
        "status after a PUT to the main endpoint"
    );
    ensure_eq!(
        rv_text(&updated)?,
        rv_text(&created)?,
        "resourceVersion after a PUT that only changed status"
    );
    let patched = api
        .patch(
            "st",
            PatchType::Merge,
            &json!({"status": {"replicas": 7}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        patched["status"],
        created["status"],
        "status after a PATCH of the main endpoint"
    );
    Ok(())
}

/// `/status` changes the status only: spec and labels in the body are ignored.
async fn status_endpoint_ignores_spec_and_metadata(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    let created = api
        .create(&deployment("st", 1), &CreateOptions::default())
        .await?;
    let mut body = created.clone();
    body["status"] = json!({"replicas": 7});
    body["spec"]["replicas"] = json!(9);
    body["metadata"]["labels"]["extra"] = json!("1");
    let updated = api
        .update_status("st", &body, &UpdateOptions::default())
        .await?;
    ensure_eq!(updated["status"]["replicas"], json!(7), "status.replicas");
    ensure_eq!(updated["spec"]["replicas"], json!(1), "spec.replicas");
    ensure_eq!(
        updated["metadata"]["labels"],
        created["metadata"]["labels"],
        "labels"
    );
    ensure_eq!(updated["metadata"]["generation"], json!(1), "generation");
    let stored = api.get("st", &GetOptions::default()).await?;
    ensure_eq!(
        stored["status"]["replicas"],
        json!(7),
        "stored status.replicas"
    );
    Ok(())
}

/// `/scale` of a Deployment: an autoscaling/v1 Scale with the Deployment's identity, replicas
/// and selector; writing it changes spec.replicas (and so the generation).
async fn scale_subresource_reads_and_writes_replicas(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    let d = api
        .create(&deployment("sc", 2), &CreateOptions::default())
        .await?;
    let scale: Value = api.get_subresource("scale", "sc").await?;
    ensure_eq!(scale["kind"], json!("Scale"), "kind");
    ensure_eq!(scale["apiVersion"], json!("autoscaling/v1"), "apiVersion");
    ensure_eq!(
        scale["metadata"]["uid"],
        d["metadata"]["uid"],
        "the Scale's uid"
    );
    ensure_eq!(
        scale["metadata"]["resourceVersion"],
        d["metadata"]["resourceVersion"],
        "the Scale's resourceVersion"
    );
    ensure_eq!(scale["spec"]["replicas"], json!(2), "spec.replicas");
    ensure_eq!(
        scale["status"]["selector"],
        json!("app=sc"),
        "status.selector"
    );
    let mut body = scale.clone();
    body["spec"]["replicas"] = json!(4);
    let written: Value = api
        .update_subresource("scale", "sc", &body, &UpdateOptions::default())
        .await?;
    ensure_eq!(
        written["spec"]["replicas"],
        json!(4),
        "spec.replicas of the PUT's answer"
    );
    let after = api.get("sc", &GetOptions::default()).await?;
    ensure_eq!(
        after["spec"]["replicas"],
        json!(4),
        "the Deployment's spec.replicas"
    );
    ensure_eq!(
        after["metadata"]["generation"],
        json!(2),
        "the Deployment's generation"
    );
    let patched: Value = api
        .patch_subresource_as(
            "scale",
            "sc",
            PatchType::Merge,
            &json!({"spec": {"replicas": 3}}),
            &PatchOptions::default(),
        )
        .await?;
    ensure_eq!(
        patched["spec"]["replicas"],
        json!(3),
        "spec.replicas after a merge patch"
    );
    Ok(())
}

/// A Scale with a stale resourceVersion: 409 naming the Deployment.
async fn scale_subresource_conflicts_on_stale_resource_version(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Deployment>();
    api.create(&deployment("sc", 1), &CreateOptions::default())
        .await?;
    let scale: Value = api.get_subresource("scale", "sc").await?;
    api.patch(
        "sc",
        PatchType::Merge,
        &json!({"metadata": {"labels": {"bump": "1"}}}),
        &PatchOptions::default(),
    )
    .await?;
    let mut body = scale;
    body["spec"]["replicas"] = json!(5);
    expect_error(
        "PUT /scale with a stale resourceVersion",
        api.update_subresource::<_, Value>("scale", "sc", &body, &UpdateOptions::default())
            .await,
        409,
        "Conflict",
        r#"Operation cannot be fulfilled on deployments.apps "sc": the object has been modified; please apply your changes to the latest version and try again"#,
    )?;
    Ok(())
}

/// A ConfigMap has neither `/status` nor `/scale`: 404 with the generic message.
async fn subresources_only_where_the_kind_has_them(ctx: Ctx) -> Outcome {
    seed(&ctx, "plain").await?;
    for sub in ["status", "scale"] {
        let path = format!("{}/plain/{sub}", ctx.path::<ConfigMap>());
        let err = expect_error(
            &format!("GET configmaps/plain/{sub}"),
            ctx.raw(Method::GET, &path, None).await,
            404,
            "NotFound",
            "the server could not find the requested resource",
        )?;
        expect_details("NotFound", &err, None, None, None)?;
    }
    Ok(())
}
