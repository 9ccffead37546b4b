//! CustomResourceDefinitions installed by the scenario (the Widget fixture, in a group of the
//! scenario's own): discovery, scope, versions, schema validation and pruning, the status and
//! scale subresources, and what custom resources refuse.

use http::Method;
use k8s_apimachinery::{
    CreateOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("crd":
        crd_is_served_with_its_subresources_in_discovery,
        crd_create_sets_generation_prunes_and_drops_status,
        crd_schema_validation,
        crd_status_subresource,
        crd_scale_subresource,
        crd_update_requires_resource_version,
        crd_rejects_strategic_merge_patch,
        crd_wrong_kind_is_invalid,
        crd_cluster_scoped,
        crd_served_versions_share_storage,
        crd_apply_and_merge_patch,
    )
}

/// Discovery of the group/version lists `widgets` (namespaced, kind Widget, every verb),
/// `widgets/status` and `widgets/scale` (autoscaling/v1 Scale) with get, patch and update.
async fn crd_is_served_with_its_subresources_in_discovery(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let list = ctx
            .raw(Method::GET, &format!("/apis/{}/v1", crd.group), None)
            .await?;
        ensure_eq!(list["kind"], json!("APIResourceList"), "kind");
        ensure_eq!(
            list["groupVersion"],
            json!(format!("{}/v1", crd.group)),
            "groupVersion"
        );
        let resources = list["resources"].as_array().cloned().unwrap_or_default();
        let find = |name: &str| resources.iter().find(|r| r["name"] == name).cloned();
        let sorted = |v: &Value| {
            let mut verbs: Vec<String> = v["verbs"]
                .as_array()
                .map(|vs| {
                    vs.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            verbs.sort();
            verbs
        };
        let Some(main) = find("widgets") else {
            return Err(super::Failure::failed(format!(
                "discovery has no widgets: {list}"
            )));
        };
        ensure_eq!(
            (&main["namespaced"], &main["kind"], &main["singularName"]),
            (&json!(true), &json!("Widget"), &json!("widget")),
            "widgets: namespaced, kind, singularName"
        );
        ensure_eq!(
            sorted(&main),
            [
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch"
            ],
            "the verbs of widgets"
        );
        let Some(status) = find("widgets/status") else {
            return Err(super::Failure::failed(format!(
                "discovery has no widgets/status: {list}"
            )));
        };
        ensure_eq!(
            sorted(&status),
            ["get", "patch", "update"],
            "the verbs of widgets/status"
        );
        ensure_eq!(
            status["kind"],
            json!("Widget"),
            "the kind of widgets/status"
        );
        let Some(scale) = find("widgets/scale") else {
            return Err(super::Failure::failed(format!(
                "discovery has no widgets/scale: {list}"
            )));
        };
        ensure_eq!(
            sorted(&scale),
            ["get", "patch", "update"],
            "the verbs of widgets/scale"
        );
        ensure_eq!(
            (&scale["group"], &scale["version"], &scale["kind"]),
            (&json!("autoscaling"), &json!("v1"), &json!("Scale")),
            "group, version and kind of widgets/scale"
        );
        ensure_eq!(
            resources.len(),
            3,
            "the number of resources in the group version"
        );
        Ok(())
    })
    .await
}

/// A created custom resource has generation 1; fields outside the schema are pruned; with a
/// status subresource, the status in a create body is dropped.
async fn crd_create_sets_generation_prunes_and_drops_status(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let mut body = crd.widget("w", 3, Some(2));
        body["spec"]["bogus"] = json!(1);
        body["status"] = json!({"phase": "made-up"});
        body["spec"]["payload"] = json!({"anything": {"goes": [1, 2]}});
        let created = api.create(&body, &CreateOptions::default()).await?;
        ensure_eq!(created["metadata"]["generation"], json!(1), "generation");
        ensure_eq!(
            created["spec"],
            json!({"size": 3, "replicas": 2, "payload": {"anything": {"goes": [1, 2]}}}),
            "spec (bogus pruned, the preserve-unknown-fields payload kept)"
        );
        ensure_eq!(created.get("status"), None::<&Value>, "status");
        ensure_eq!(
            (&created["apiVersion"], &created["kind"]),
            (&json!(format!("{}/v1", crd.group)), &json!("Widget")),
            "apiVersion and kind"
        );
        Ok(())
    })
    .await
}

/// The openAPIV3Schema is enforced: 422 naming the CR's kind and group, the field and the rule.
async fn crd_schema_validation(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let err = expect_error(
            "create of a widget of size 11",
            api.create(&crd.widget("big", 11, None), &CreateOptions::default())
                .await,
            422,
            "Invalid",
            &format!(
                r#"Widget.{} "big" is invalid: spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"#,
                crd.group
            ),
        )?;
        expect_details("Invalid", &err, Some("big"), Some(&crd.group), Some("Widget"))?;
        expect_causes(
            "Invalid",
            &err,
            &[(
                "FieldValueInvalid",
                "spec.size",
                "Invalid value: 11: spec.size in body should be less than or equal to 10",
            )],
        )?;
        let mut no_size = crd.widget("nosize", 1, None);
        no_size["spec"] = json!({"mode": "fast"});
        expect_error(
            "create of a widget without its required size",
            api.create(&no_size, &CreateOptions::default()).await,
            422,
            "Invalid",
            &format!(r#"Widget.{} "nosize" is invalid: spec.size: Required value"#, crd.group),
        )?;
        let mut bad_mode = crd.widget("badmode", 1, None);
        bad_mode["spec"]["mode"] = json!("sideways");
        expect_error(
            "create of a widget with a mode outside its enum",
            api.create(&bad_mode, &CreateOptions::default()).await,
            422,
            "Invalid",
            &format!(
                r#"Widget.{} "badmode" is invalid: spec.mode: Unsupported value: "sideways": supported values: "fast", "slow""#,
                crd.group
            ),
        )?;
        Ok(())
    })
    .await
}

/// With a status subresource: the main endpoint ignores status, `/status` ignores everything
/// else; only spec changes move the generation.
async fn crd_status_subresource(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let created = api
            .create(&crd.widget("w", 3, None), &CreateOptions::default())
            .await?;
        let mut body = created.clone();
        body["status"] = json!({"phase": "Ignored"});
        body["metadata"]["labels"] = json!({"l": "1"});
        let main = api.update("w", &body, &UpdateOptions::default()).await?;
        ensure_eq!(
            main.get("status"),
            None::<&Value>,
            "status after a PUT to the main endpoint"
        );
        ensure_eq!(
            main["metadata"]["generation"],
            json!(1),
            "generation after a label change"
        );
        let mut body = main.clone();
        body["status"] = json!({"phase": "Ready", "replicas": 1});
        body["spec"]["size"] = json!(9);
        let status = api
            .update_status("w", &body, &UpdateOptions::default())
            .await?;
        ensure_eq!(
            status["status"],
            json!({"phase": "Ready", "replicas": 1}),
            "status"
        );
        ensure_eq!(
            status["spec"]["size"],
            json!(3),
            "spec.size after a PUT to /status"
        );
        ensure_eq!(
            status["metadata"]["generation"],
            json!(1),
            "generation after a status change"
        );
        let spec = api
            .patch(
                "w",
                PatchType::Merge,
                &json!({"spec": {"size": 4}}),
                &PatchOptions::default(),
            )
            .await?;
        ensure_eq!(
            spec["metadata"]["generation"],
            json!(2),
            "generation after a spec change"
        );
        ensure_eq!(
            spec["status"]["phase"],
            json!("Ready"),
            "status after a spec change"
        );
        let annotated = api
            .patch(
                "w",
                PatchType::Merge,
                &json!({"metadata": {"annotations": {"a": "1"}}}),
                &PatchOptions::default(),
            )
            .await?;
        ensure_eq!(
            annotated["metadata"]["generation"],
            json!(2),
            "generation after an annotation change"
        );
        Ok(())
    })
    .await
}

/// The scale subresource maps `.spec.replicas` and `.status.replicas` (0 when unset) of the
/// CRD's definition; writing it sets spec.replicas.
async fn crd_scale_subresource(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let created = api
            .create(&crd.widget("w", 3, Some(2)), &CreateOptions::default())
            .await?;
        let scale: Value = api.get_subresource("scale", "w").await?;
        ensure_eq!(
            (&scale["kind"], &scale["apiVersion"]),
            (&json!("Scale"), &json!("autoscaling/v1")),
            "kind and apiVersion"
        );
        ensure_eq!(scale["metadata"]["uid"], created["metadata"]["uid"], "uid");
        ensure_eq!(scale["spec"], json!({"replicas": 2}), "spec");
        ensure_eq!(scale["status"], json!({"replicas": 0}), "status");
        let mut body = scale.clone();
        body["spec"]["replicas"] = json!(5);
        let written: Value = api
            .update_subresource("scale", "w", &body, &UpdateOptions::default())
            .await?;
        ensure_eq!(
            written["spec"]["replicas"],
            json!(5),
            "spec.replicas of the answer"
        );
        let after = api.get("w", &GetOptions::default()).await?;
        ensure_eq!(
            after["spec"]["replicas"],
            json!(5),
            "the widget's spec.replicas"
        );
        ensure_eq!(
            after["metadata"]["generation"],
            json!(2),
            "the widget's generation"
        );
        api.patch_status(
            "w",
            PatchType::Merge,
            &json!({"status": {"replicas": 4}}),
            &PatchOptions::default(),
        )
        .await?;
        let scale: Value = api.get_subresource("scale", "w").await?;
        ensure_eq!(
            scale["status"]["replicas"],
            json!(4),
            "status.replicas from .status.replicas"
        );
        Ok(())
    })
    .await
}

/// Custom resources allow no unconditional update: a PUT without resourceVersion is 422.
async fn crd_update_requires_resource_version(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        api.create(&crd.widget("w", 3, None), &CreateOptions::default())
            .await?;
        let err = expect_error(
            "PUT of a widget without resourceVersion",
            api.update("w", &crd.widget("w", 4, None), &UpdateOptions::default())
                .await,
            422,
            "Invalid",
            &format!(
                r#"widgets.{} "w" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update"#,
                crd.group
            ),
        )?;
        expect_details("Invalid", &err, Some("w"), Some(&crd.group), Some("widgets"))
    })
    .await
}

/// Strategic merge patch needs Go struct tags, which custom resources lack: 415 listing the
/// patch types they accept.
async fn crd_rejects_strategic_merge_patch(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        api.create(&crd.widget("w", 3, None), &CreateOptions::default())
            .await?;
        expect_error(
            "strategic merge patch of a widget",
            api.patch(
                "w",
                PatchType::StrategicMerge,
                &json!({"spec": {"size": 4}}),
                &PatchOptions::default(),
            )
            .await,
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )?;
        Ok(())
    })
    .await
}

/// Another kind of the CR's group in the body: 422 on `kind`. Another version: 400.
async fn crd_wrong_kind_is_invalid(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let mut gadget = crd.widget("g", 3, None);
        gadget["kind"] = json!("Gadget");
        let err = expect_error(
            "create of a Gadget at widgets",
            api.create(&gadget, &CreateOptions::default()).await,
            422,
            "Invalid",
            &format!(r#"Gadget.{} "g" is invalid: kind: Invalid value: "Gadget": must be Widget"#, crd.group),
        )?;
        expect_causes(
            "Invalid",
            &err,
            &[("FieldValueInvalid", "kind", r#"Invalid value: "Gadget": must be Widget"#)],
        )?;
        let mut v2 = crd.widget("v", 3, None);
        v2["apiVersion"] = json!(format!("{}/v2", crd.group));
        expect_error(
            "create of a v2 object at v1",
            api.create(&v2, &CreateOptions::default()).await,
            400,
            "BadRequest",
            &format!(
                "the API version in the data ({0}/v2) does not match the expected API version ({0}/v1)",
                crd.group
            ),
        )?;
        Ok(())
    })
    .await
}

/// A cluster-scoped CRD: objects live outside namespaces; a namespaced URL is 404.
async fn crd_cluster_scoped(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Cluster, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, None);
        let name = format!("{}-w", ctx.namespace);
        let created = api
            .create(&crd.widget(&name, 3, None), &CreateOptions::default())
            .await?;
        ensure_eq!(
            created["metadata"].get("namespace"),
            None::<&Value>,
            "metadata.namespace"
        );
        let got = api.get(&name, &GetOptions::default()).await?;
        ensure_eq!(
            got["metadata"]["uid"],
            created["metadata"]["uid"],
            "uid of the get"
        );
        let namespaced = format!(
            "/apis/{}/v1/namespaces/{}/widgets/{name}",
            crd.group, ctx.namespace
        );
        expect_error(
            "GET of a cluster-scoped widget under a namespace",
            ctx.raw(Method::GET, &namespaced, None).await,
            404,
            "NotFound",
            "the server could not find the requested resource",
        )?;
        let discovery = ctx
            .raw(Method::GET, &format!("/apis/{}/v1", crd.group), None)
            .await?;
        let main = discovery["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["name"] == "widgets").cloned())
            .unwrap_or_default();
        ensure_eq!(main["namespaced"], json!(false), "discovery's namespaced");
        Ok(())
    })
    .await
}

/// Two served versions without conversion: an object written in v1 reads in v2 with the other
/// apiVersion and the same uid, and lists in both.
async fn crd_served_versions_share_storage(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::TwoVersions, |ctx, crd| async move {
        let v1 = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let v2 = ctx.json_in(&crd.version("v2"), Some(&ctx.namespace));
        let created = v1
            .create(&crd.widget("w", 3, None), &CreateOptions::default())
            .await?;
        let got = v2.get("w", &GetOptions::default()).await?;
        ensure_eq!(
            got["apiVersion"],
            json!(format!("{}/v2", crd.group)),
            "apiVersion read in v2"
        );
        ensure_eq!(got["metadata"]["uid"], created["metadata"]["uid"], "uid");
        ensure_eq!(got["spec"], created["spec"], "spec");
        let listed = v2.list(&ListOptions::default()).await?;
        ensure_eq!(listed.items.len(), 1, "items listed in v2");
        let mut body = got.clone();
        body["spec"]["size"] = json!(5);
        v2.update("w", &body, &UpdateOptions::default()).await?;
        let back = v1.get("w", &GetOptions::default()).await?;
        ensure_eq!(
            back["spec"]["size"],
            json!(5),
            "spec.size read in v1 after a v2 update"
        );
        ensure_eq!(
            back["apiVersion"],
            json!(format!("{}/v1", crd.group)),
            "apiVersion read in v1"
        );
        Ok(())
    })
    .await
}

/// Server-side apply and merge patch work on custom resources: create-or-merge, managedFields
/// of the CR's API version.
async fn crd_apply_and_merge_patch(ctx: Ctx) -> Outcome {
    with_widgets(ctx, Widgets::Namespaced, |ctx, crd| async move {
        let api = ctx.json_in(&crd.v1, Some(&ctx.namespace));
        let applied = api
            .apply("w", &crd.widget("w", 3, None), "alice", false)
            .await?;
        ensure_eq!(
            managers(&applied),
            vec![("alice".to_string(), "Apply".to_string())],
            "managedFields"
        );
        let entry = applied["metadata"]["managedFields"][0].clone();
        ensure_eq!(
            entry["apiVersion"],
            json!(format!("{}/v1", crd.group)),
            "the entry's apiVersion"
        );
        ensure_eq!(
            entry["fieldsV1"],
            json!({"f:spec": {"f:size": {}}}),
            "alice's fields"
        );
        let patched = api
            .patch(
                "w",
                PatchType::Merge,
                &json!({"spec": {"mode": "fast"}}),
                &PatchOptions::default().field_manager("bob"),
            )
            .await?;
        ensure_eq!(
            patched["spec"],
            json!({"size": 3, "mode": "fast"}),
            "spec after the merge patch"
        );
        let mut slow = crd.widget("w", 3, None);
        slow["spec"]["mode"] = json!("slow");
        let err = expect_error(
            "alice applies another mode",
            api.apply("w", &slow, "alice", false).await,
            409,
            "Conflict",
            r#"Apply failed with 1 conflict: conflict with "bob" using *: .spec.mode"#,
        )?;
        expect_causes(
            "the conflict",
            &err,
            &[(
                "FieldManagerConflict",
                ".spec.mode",
                r#"conflict with "bob" using *"#,
            )],
        )?;
        Ok(())
    })
    .await
}
