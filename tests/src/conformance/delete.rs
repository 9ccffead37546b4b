//! delete: finalizers and deletionTimestamp, grace periods, preconditions, deletecollection,
//! propagation policies (recorded as finalizers: no garbage collector runs).

use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::{ConfigMap, Pod};
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType,
    PropagationPolicy,
};
use k8s_client::{Api, DeleteResult};
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("delete":
        delete_answers_a_status_for_configmaps,
        delete_of_missing_object_is_not_found,
        finalizers_keep_the_object_until_the_last_goes,
        unscheduled_pod_is_deleted_at_once,
        bound_pod_waits_for_its_grace_period,
        grace_period_is_ignored_by_kinds_without_graceful_deletion,
        delete_precondition_uid,
        delete_precondition_resource_version,
        delete_collection_with_selectors,
        delete_dry_run_keeps_the_object,
        propagation_foreground_records_a_finalizer,
        propagation_orphan_records_a_finalizer,
        propagation_background_deletes_at_once,
        propagation_policy_unknown_is_invalid,
    )
}

/// What a delete answered, as JSON: `(is_status, body)`.
fn answer<K: serde::Serialize>(result: DeleteResult<K>) -> (bool, Value) {
    match result {
        DeleteResult::Object(o) => (false, serde_json::to_value(o).unwrap_or_default()),
        DeleteResult::Status(s) => (true, serde_json::to_value(*s).unwrap_or_default()),
    }
}

async fn expect_gone(api: &Api<Value>, what: &str, name: &str) -> Outcome {
    let plural = what;
    expect_error(
        &format!("get {plural}/{name} after its deletion"),
        api.get(name, &GetOptions::default()).await,
        404,
        "NotFound",
        &format!(r#"{plural} "{name}" not found"#),
    )?;
    Ok(())
}

/// A ConfigMap is gone at once; the answer is a `Status` Success naming it with its uid.
async fn delete_answers_a_status_for_configmaps(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("gone", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let (is_status, body) = answer(api.delete("gone", &DeleteOptions::default()).await?);
    ensure!(
        is_status,
        "delete answered an object, expected a Status: {}",
        brief(&body)
    );
    ensure_eq!(body["status"], json!("Success"), "status");
    ensure_eq!(
        body["details"],
        json!({"name": "gone", "kind": "configmaps", "uid": created["metadata"]["uid"]}),
        "details"
    );
    expect_gone(&api, "configmaps", "gone").await
}

/// 404 NotFound for a missing object.
async fn delete_of_missing_object_is_not_found(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "delete of a missing ConfigMap",
        ctx.json::<ConfigMap>()
            .delete("ghost", &DeleteOptions::default())
            .await,
        404,
        "NotFound",
        r#"configmaps "ghost" not found"#,
    )?;
    expect_details("NotFound", &err, Some("ghost"), None, Some("configmaps"))
}

/// With a finalizer, delete sets deletionTimestamp (grace 0) and answers the object; the object
/// can still change but gets no new finalizer; a second delete changes nothing; removing the
/// last finalizer removes the object.
async fn finalizers_keep_the_object_until_the_last_goes(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let mut body = config_map("fin", json!({}), json!({}));
    body["metadata"]["finalizers"] = json!(["example.com/a", "example.com/b"]);
    api.create(&body, &CreateOptions::default()).await?;
    let (is_status, deleted) = answer(api.delete("fin", &DeleteOptions::default()).await?);
    ensure!(
        !is_status,
        "delete of an object with finalizers answered a Status: {}",
        brief(&deleted)
    );
    let stamp = seconds(&deleted, "/metadata/deletionTimestamp")?;
    ensure_eq!(
        deleted["metadata"]["deletionGracePeriodSeconds"],
        json!(0),
        "deletionGracePeriodSeconds"
    );
    let got = api.get("fin", &GetOptions::default()).await?;
    ensure_eq!(
        got["metadata"]["deletionTimestamp"],
        deleted["metadata"]["deletionTimestamp"],
        "deletionTimestamp of the get"
    );
    let merge = |patch: Value| {
        let api = api.clone();
        async move {
            api.patch("fin", PatchType::Merge, &patch, &PatchOptions::default())
                .await
        }
    };
    merge(json!({"data": {"still": "writable"}})).await?;
    let err = expect_error(
        "adding a finalizer to an object being deleted",
        merge(json!({"metadata": {"finalizers": ["example.com/a", "example.com/b", "example.com/c"]}})).await,
        422,
        "Invalid",
        r#"ConfigMap "fin" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/c"}"#,
    )?;
    expect_details("Invalid", &err, Some("fin"), None, Some("ConfigMap"))?;
    let (_, again) = answer(api.delete("fin", &DeleteOptions::default()).await?);
    ensure_eq!(
        seconds(&again, "/metadata/deletionTimestamp")?,
        stamp,
        "deletionTimestamp after a second delete"
    );
    let one_left = merge(json!({"metadata": {"finalizers": ["example.com/b"]}})).await?;
    ensure_eq!(
        one_left["metadata"]["finalizers"],
        json!(["example.com/b"]),
        "finalizers"
    );
    api.get("fin", &GetOptions::default()).await?;
    merge(json!({"metadata": {"finalizers": null}})).await?;
    expect_gone(&api, "configmaps", "fin").await
}

/// A Pod no node has taken is deleted at once (grace 0), whatever its grace period.
async fn unscheduled_pod_is_deleted_at_once(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Pod>();
    api.create(&pod("p", None), &CreateOptions::default())
        .await?;
    let (is_status, body) = answer(api.delete("p", &DeleteOptions::default()).await?);
    ensure!(
        !is_status,
        "a Pod's delete answered a Status: {}",
        brief(&body)
    );
    ensure_eq!(
        body["metadata"]["deletionGracePeriodSeconds"],
        json!(0),
        "deletionGracePeriodSeconds"
    );
    expect_gone(&api, "pods", "p").await
}

/// A Pod bound to a node (no kubelet here) gets deletionTimestamp = now + its
/// terminationGracePeriodSeconds (default 30) and stays; a shorter gracePeriodSeconds shortens
/// it, a longer one does not lengthen it, 0 removes the Pod.
async fn bound_pod_waits_for_its_grace_period(ctx: Ctx) -> Outcome {
    let api = ctx.json::<Pod>();
    let created = api
        .create(&pod("p", Some("node-1")), &CreateOptions::default())
        .await?;
    ensure_eq!(
        created["spec"]["terminationGracePeriodSeconds"],
        json!(30),
        "the default terminationGracePeriodSeconds"
    );
    let born = seconds(&created, "/metadata/creationTimestamp")?;
    let (_, first) = answer(api.delete("p", &DeleteOptions::default()).await?);
    ensure_eq!(
        first["metadata"]["deletionGracePeriodSeconds"],
        json!(30),
        "deletionGracePeriodSeconds"
    );
    let at = seconds(&first, "/metadata/deletionTimestamp")?;
    ensure!(
        (born + 29..=born + 40).contains(&at),
        "deletionTimestamp {} is not creation ({}) + 30 s",
        first["metadata"]["deletionTimestamp"],
        created["metadata"]["creationTimestamp"]
    );
    let still = api.get("p", &GetOptions::default()).await?;
    ensure_eq!(
        still["metadata"]["deletionTimestamp"],
        first["metadata"]["deletionTimestamp"],
        "deletionTimestamp of the get"
    );
    let (_, shorter) = answer(
        api.delete("p", &DeleteOptions::default().grace_period(5))
            .await?,
    );
    ensure_eq!(
        shorter["metadata"]["deletionGracePeriodSeconds"],
        json!(5),
        "deletionGracePeriodSeconds after gracePeriodSeconds=5"
    );
    let at5 = seconds(&shorter, "/metadata/deletionTimestamp")?;
    ensure!(
        at5 < at,
        "gracePeriodSeconds=5 did not bring deletionTimestamp forward ({at5} vs {at})"
    );
    let (_, longer) = answer(
        api.delete("p", &DeleteOptions::default().grace_period(60))
            .await?,
    );
    ensure_eq!(
        longer["metadata"]["deletionGracePeriodSeconds"],
        json!(5),
        "deletionGracePeriodSeconds after gracePeriodSeconds=60"
    );
    ensure_eq!(
        seconds(&longer, "/metadata/deletionTimestamp")?,
        at5,
        "deletionTimestamp after gracePeriodSeconds=60"
    );
    api.delete("p", &DeleteOptions::default().grace_period(0))
        .await?;
    expect_gone(&api, "pods", "p").await
}

/// ConfigMaps have no graceful deletion: a grace period changes nothing, they go at once.
async fn grace_period_is_ignored_by_kinds_without_graceful_deletion(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.create(
        &config_map("g", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let (is_status, body) = answer(
        api.delete("g", &DeleteOptions::default().grace_period(30))
            .await?,
    );
    ensure!(is_status, "expected a Status, got {}", brief(&body));
    expect_gone(&api, "configmaps", "g").await
}

/// A uid precondition that does not match: 409 naming both uids; one that matches deletes.
async fn delete_precondition_uid(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("pre", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let uid = text(&created, "/metadata/uid")?.to_string();
    let wrong = "00000000-0000-0000-0000-000000000000";
    let err = expect_error(
        "delete with another uid as precondition",
        api.delete("pre", &DeleteOptions::default().precondition_uid(wrong))
            .await,
        409,
        "Conflict",
        &format!(
            r#"Operation cannot be fulfilled on ConfigMap "pre": the UID in the precondition ({wrong}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"#
        ),
    )?;
    expect_details("Conflict", &err, Some("pre"), None, Some("ConfigMap"))?;
    api.delete("pre", &DeleteOptions::default().precondition_uid(uid))
        .await?;
    expect_gone(&api, "configmaps", "pre").await
}

/// A resourceVersion precondition that does not match: 409 naming both; one that matches
/// deletes.
async fn delete_precondition_resource_version(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("pre", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let stale = rv_text(&created)?;
    let updated = api
        .patch(
            "pre",
            PatchType::Merge,
            &json!({"data": {"a": "1"}}),
            &PatchOptions::default(),
        )
        .await?;
    let current = rv_text(&updated)?;
    let err = expect_error(
        "delete with a stale resourceVersion as precondition",
        api.delete(
            "pre",
            &DeleteOptions::default().precondition_resource_version(stale.clone()),
        )
        .await,
        409,
        "Conflict",
        &format!(
            r#"Operation cannot be fulfilled on ConfigMap "pre": the ResourceVersion in the precondition ({stale}) does not match the ResourceVersion in record ({current}). The object might have been modified"#
        ),
    )?;
    expect_details("Conflict", &err, Some("pre"), None, Some("ConfigMap"))?;
    api.delete(
        "pre",
        &DeleteOptions::default().precondition_resource_version(current),
    )
    .await?;
    expect_gone(&api, "configmaps", "pre").await
}

/// deletecollection deletes what the selectors match and answers the list of what it deleted.
async fn delete_collection_with_selectors(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db"), ("d", "web")] {
        api.create(
            &config_map(name, json!({}), json!({"tier": tier})),
            &CreateOptions::default(),
        )
        .await?;
    }
    let (is_status, deleted) = answer(
        api.delete_collection(
            &DeleteOptions::default(),
            &ListOptions::default()
                .labels("tier=web")
                .fields("metadata.name!=d"),
        )
        .await?,
    );
    ensure!(
        !is_status,
        "deletecollection answered a Status: {}",
        brief(&deleted)
    );
    ensure_eq!(
        deleted["kind"],
        json!("ConfigMapList"),
        "kind of the answer"
    );
    let mut gone = names(&deleted);
    gone.sort();
    ensure_eq!(gone, ["a", "b"], "the deleted objects");
    let left = serde_json::to_value(api.list(&ListOptions::default()).await?).unwrap_or_default();
    ensure_eq!(names(&left), ["c", "d"], "what is left");
    Ok(())
}

/// `dryRun=All` delete: the answer says what would happen; the object stays.
async fn delete_dry_run_keeps_the_object(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let created = api
        .create(
            &config_map("dry", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let (is_status, body) = answer(
        api.delete("dry", &DeleteOptions::default().dry_run())
            .await?,
    );
    ensure!(
        is_status,
        "a dry-run delete of a ConfigMap answered an object: {}",
        brief(&body)
    );
    ensure_eq!(body["status"], json!("Success"), "status");
    let still = api.get("dry", &GetOptions::default()).await?;
    ensure_eq!(
        rv_text(&still)?,
        rv_text(&created)?,
        "resourceVersion after a dry-run delete"
    );
    Ok(())
}

async fn propagation(
    ctx: &Ctx,
    policy: PropagationPolicy,
) -> Result<(Api<Value>, bool, Value), Failure> {
    let api = ctx.json::<Deployment>();
    api.create(&deployment("owner", 1), &CreateOptions::default())
        .await?;
    let options = DeleteOptions {
        propagation_policy: Some(policy),
        ..DeleteOptions::default()
    };
    let (is_status, body) = answer(api.delete("owner", &options).await?);
    Ok((api, is_status, body))
}

async fn expect_kept_with(
    api: &Api<Value>,
    is_status: bool,
    body: &Value,
    finalizer: &str,
) -> Outcome {
    ensure!(
        !is_status,
        "expected the Deployment back, got a Status: {}",
        brief(body)
    );
    ensure_eq!(
        body["metadata"]["finalizers"],
        json!([finalizer]),
        "finalizers"
    );
    seconds(body, "/metadata/deletionTimestamp")?;
    let still = api.get("owner", &GetOptions::default()).await?;
    ensure_eq!(
        still["metadata"]["finalizers"],
        json!([finalizer]),
        "finalizers of the get"
    );
    // Clean up: the garbage collector would remove the finalizer; nothing does here.
    api.patch(
        "owner",
        PatchType::Merge,
        &json!({"metadata": {"finalizers": null}}),
        &PatchOptions::default(),
    )
    .await?;
    expect_gone(api, "deployments.apps", "owner").await
}

/// Foreground: the owner stays with deletionTimestamp and the `foregroundDeletion` finalizer
/// (the garbage collector, absent here, would remove it after the dependents).
async fn propagation_foreground_records_a_finalizer(ctx: Ctx) -> Outcome {
    let (api, is_status, body) = propagation(&ctx, PropagationPolicy::Foreground).await?;
    expect_kept_with(&api, is_status, &body, "foregroundDeletion").await
}

/// Orphan: the owner stays with the `orphan` finalizer.
async fn propagation_orphan_records_a_finalizer(ctx: Ctx) -> Outcome {
    let (api, is_status, body) = propagation(&ctx, PropagationPolicy::Orphan).await?;
    expect_kept_with(&api, is_status, &body, "orphan").await
}

/// Background (the default for Deployments): the owner goes at once; the answer is a Status.
async fn propagation_background_deletes_at_once(ctx: Ctx) -> Outcome {
    let (api, is_status, body) = propagation(&ctx, PropagationPolicy::Background).await?;
    ensure!(is_status, "expected a Status, got {}", brief(&body));
    ensure_eq!(
        body["details"]["kind"],
        json!("deployments"),
        "details.kind"
    );
    ensure_eq!(body["details"]["group"], json!("apps"), "details.group");
    expect_gone(&api, "deployments.apps", "owner").await
}

/// An unknown propagationPolicy: 422 for the DeleteOptions.
async fn propagation_policy_unknown_is_invalid(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.create(
        &config_map("x", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let path = format!("{}/x", ctx.path::<ConfigMap>());
    let err = expect_error(
        "delete with propagationPolicy Sideways",
        ctx.raw(
            http::Method::DELETE,
            &path,
            Some((
                "application/json",
                br#"{"propagationPolicy":"Sideways"}"#.to_vec(),
            )),
        )
        .await,
        422,
        "Invalid",
        r#"DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil""#,
    )?;
    expect_details(
        "Invalid",
        &err,
        None,
        Some("meta.k8s.io"),
        Some("DeleteOptions"),
    )?;
    api.get("x", &GetOptions::default()).await?;
    Ok(())
}
