//! create: server-set fields, `generateName`, `AlreadyExists`, the namespace lifecycle, dry-run.

use http::Method;
use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::{ConfigMap, Namespace};
use k8s_apimachinery::{CreateOptions, DeleteOptions, GetOptions, ListOptions};
use k8s_client::Api;
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("create":
        create_fills_server_fields,
        create_replaces_client_set_identity,
        create_gives_each_object_its_own_uid_and_a_later_resource_version,
        create_with_generate_name,
        create_name_wins_over_generate_name,
        create_existing_name_is_already_exists,
        create_in_missing_namespace_is_not_found,
        create_in_terminating_namespace_is_forbidden,
        create_dry_run_persists_nothing,
        create_with_resource_version_is_refused,
        create_namespace_mismatch_is_bad_request,
        create_namespace_defaults,
    )
}

/// uid, creationTimestamp, resourceVersion; generation 1 for kinds with a spec (none for a
/// ConfigMap); a managedFields entry for the field manager.
async fn create_fills_server_fields(ctx: Ctx) -> Outcome {
    let cms = ctx.clientset().core_v1().config_maps(&ctx.namespace);
    let cm: ConfigMap = typed(config_map("settings", json!({"a": "1"}), json!({})))?;
    let opts = CreateOptions::default().field_manager("conformance");
    let created = serde_json::to_value(cms.create(&cm, &opts).await?).unwrap_or_default();
    ensure!(
        created["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty()),
        "uid: expected a non-empty string, got {}",
        created["metadata"]["uid"]
    );
    seconds(&created, "/metadata/creationTimestamp")?;
    rv(&created)?;
    ensure_eq!(
        created["metadata"]["namespace"],
        json!(ctx.namespace),
        "metadata.namespace"
    );
    ensure_eq!(
        created["metadata"]["generation"],
        Value::Null,
        "a ConfigMap's metadata.generation"
    );
    ensure_eq!(
        managers(&created),
        vec![("conformance".to_string(), "Update".to_string())],
        "managedFields (manager, operation)"
    );
    ensure_eq!(
        fields_of(&created, "conformance"),
        json!({"f:data": {".": {}, "f:a": {}}}),
        "the fields the create's manager owns"
    );
    let d = ctx
        .json::<Deployment>()
        .create(&deployment("web", 1), &CreateOptions::default())
        .await?;
    ensure_eq!(
        d["metadata"]["generation"],
        json!(1),
        "a Deployment's metadata.generation"
    );
    Ok(())
}

/// A uid or creationTimestamp in the body is replaced by the server's; a generation sent on a
/// ConfigMap (a kind without a spec) is kept as it came.
async fn create_replaces_client_set_identity(ctx: Ctx) -> Outcome {
    let mut body = config_map("mine", json!({}), json!({}));
    body["metadata"]["uid"] = json!("11111111-2222-3333-4444-555555555555");
    body["metadata"]["creationTimestamp"] = json!("2001-01-01T00:00:00Z");
    body["metadata"]["generation"] = json!(7);
    let created = ctx
        .json::<ConfigMap>()
        .create(&body, &CreateOptions::default())
        .await?;
    let uid = text(&created, "/metadata/uid")?;
    ensure!(
        uid != "11111111-2222-3333-4444-555555555555" && !uid.is_empty(),
        "uid: expected the server's own, got {uid:?}"
    );
    ensure!(
        seconds(&created, "/metadata/creationTimestamp")? > 1_600_000_000,
        "creationTimestamp: expected the server's clock, got {}",
        created["metadata"]["creationTimestamp"]
    );
    ensure_eq!(
        created["metadata"]["generation"],
        json!(7),
        "a ConfigMap's client-set generation"
    );
    Ok(())
}

/// Two objects: different uids, the later one with the larger resourceVersion.
async fn create_gives_each_object_its_own_uid_and_a_later_resource_version(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let a = api
        .create(
            &config_map("a", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    let b = api
        .create(
            &config_map("b", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await?;
    ensure!(
        text(&a, "/metadata/uid")? != text(&b, "/metadata/uid")?,
        "two objects got the same uid {}",
        a["metadata"]["uid"]
    );
    ensure!(
        rv(&b)? > rv(&a)?,
        "resourceVersion of the second create ({}) is not larger than the first's ({})",
        rv(&b)?,
        rv(&a)?
    );
    Ok(())
}

/// `generateName`: the server appends 5 random characters; two creates get two names.
async fn create_with_generate_name(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let body = json!({"metadata": {"generateName": "gen-"}});
    let first = api.create(&body, &CreateOptions::default()).await?;
    let second = api.create(&body, &CreateOptions::default()).await?;
    for obj in [&first, &second] {
        let name = text(obj, "/metadata/name")?;
        let suffix = name.strip_prefix("gen-").unwrap_or_default();
        ensure!(
            name.len() == "gen-".len() + 5
                && suffix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "generated name: expected gen- and 5 lowercase letters or digits, got {name:?}"
        );
        ensure_eq!(
            obj["metadata"]["generateName"],
            json!("gen-"),
            "metadata.generateName"
        );
    }
    ensure!(
        first["metadata"]["name"] != second["metadata"]["name"],
        "two creates with generateName got the same name {}",
        first["metadata"]["name"]
    );
    let got = api
        .get(text(&first, "/metadata/name")?, &GetOptions::default())
        .await?;
    ensure_eq!(
        got["metadata"]["uid"],
        first["metadata"]["uid"],
        "the get's uid"
    );
    Ok(())
}

/// With both `name` and `generateName`, the name is used.
async fn create_name_wins_over_generate_name(ctx: Ctx) -> Outcome {
    let body = json!({"metadata": {"name": "exact", "generateName": "gen-"}});
    let created = ctx
        .json::<ConfigMap>()
        .create(&body, &CreateOptions::default())
        .await?;
    ensure_eq!(created["metadata"]["name"], json!("exact"), "metadata.name");
    Ok(())
}

/// 409 AlreadyExists, `configmaps "dup" already exists`; for a grouped resource the group is
/// in the message and the details.
async fn create_existing_name_is_already_exists(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let body = config_map("dup", json!({}), json!({}));
    api.create(&body, &CreateOptions::default()).await?;
    let err = expect_error(
        "second create of configmaps/dup",
        api.create(&body, &CreateOptions::default()).await,
        409,
        "AlreadyExists",
        r#"configmaps "dup" already exists"#,
    )?;
    expect_details("AlreadyExists", &err, Some("dup"), None, Some("configmaps"))?;
    let deployments = ctx.json::<Deployment>();
    deployments
        .create(&deployment("dup", 1), &CreateOptions::default())
        .await?;
    let err = expect_error(
        "second create of deployments/dup",
        deployments
            .create(&deployment("dup", 1), &CreateOptions::default())
            .await,
        409,
        "AlreadyExists",
        r#"deployments.apps "dup" already exists"#,
    )?;
    expect_details(
        "AlreadyExists",
        &err,
        Some("dup"),
        Some("apps"),
        Some("deployments"),
    )
}

/// NamespaceLifecycle: creating in a namespace that does not exist is 404 for the namespace.
async fn create_in_missing_namespace_is_not_found(ctx: Ctx) -> Outcome {
    let missing = format!("{}-missing", ctx.namespace);
    let api = Api::<Value>::namespaced_with(
        ctx.client.clone(),
        &missing,
        &k8s_apimachinery::ApiResource::erase::<ConfigMap>(),
    );
    let err = expect_error(
        "create in a namespace that does not exist",
        api.create(
            &config_map("x", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await,
        404,
        "NotFound",
        &format!(r#"namespaces "{missing}" not found"#),
    )?;
    expect_details("NotFound", &err, Some(&missing), None, Some("namespaces"))
}

/// NamespaceLifecycle: a deleted namespace stays Terminating (no namespace controller) and
/// refuses new objects with 403 Forbidden; updates to what is in it still work.
async fn create_in_terminating_namespace_is_forbidden(ctx: Ctx) -> Outcome {
    let ns = ctx.extra_namespace().await?;
    let resource = k8s_apimachinery::ApiResource::erase::<ConfigMap>();
    let api = Api::<Value>::namespaced_with(ctx.client.clone(), &ns, &resource);
    api.create(
        &config_map("before", json!({}), json!({})),
        &CreateOptions::default(),
    )
    .await?;
    let namespaces = ctx.json_in(&k8s_apimachinery::ApiResource::erase::<Namespace>(), None);
    namespaces.delete(&ns, &DeleteOptions::default()).await?;
    let got = namespaces.get(&ns, &GetOptions::default()).await?;
    ensure_eq!(
        got["status"]["phase"],
        json!("Terminating"),
        "the deleted namespace's status.phase"
    );
    seconds(&got, "/metadata/deletionTimestamp")?;
    let err = expect_error(
        "create in a terminating namespace",
        api.create(
            &config_map("after", json!({}), json!({})),
            &CreateOptions::default(),
        )
        .await,
        403,
        "Forbidden",
        &format!(
            r#"configmaps "after" is forbidden: unable to create new content in namespace {ns} because it is being terminated"#
        ),
    )?;
    expect_details("Forbidden", &err, Some("after"), None, Some("configmaps"))?;
    let mut before = api.get("before", &GetOptions::default()).await?;
    before["data"] = json!({"still": "writable"});
    api.update("before", &before, &Default::default()).await?;
    Ok(())
}

/// `dryRun=All`: the answer is what would be stored (a generated name and a uid, no
/// resourceVersion) and nothing is stored.
async fn create_dry_run_persists_nothing(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    let body = json!({"metadata": {"generateName": "dry-"}, "data": {"a": "1"}});
    let answer = api
        .create(&body, &CreateOptions::default().dry_run())
        .await?;
    let name = text(&answer, "/metadata/name")?.to_string();
    ensure!(
        name.starts_with("dry-") && name.len() == 9,
        "dry-run name: expected dry- and 5 characters, got {name:?}"
    );
    ensure!(
        answer["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty()),
        "dry-run uid: expected one, got {}",
        answer["metadata"]["uid"]
    );
    ensure_eq!(
        answer["metadata"]["resourceVersion"],
        Value::Null,
        "a dry-run create's resourceVersion"
    );
    expect_error(
        "get after a dry-run create",
        api.get(&name, &GetOptions::default()).await,
        404,
        "NotFound",
        &format!(r#"configmaps "{name}" not found"#),
    )?;
    let list = api.list(&ListOptions::default()).await?;
    ensure!(
        list.items.is_empty(),
        "list after a dry-run create: expected nothing, got {:?}",
        list.items
    );
    Ok(())
}

/// A resourceVersion in a create body is refused with a 500 that has no reason (as the real
/// server does).
async fn create_with_resource_version_is_refused(ctx: Ctx) -> Outcome {
    let mut body = config_map("versioned", json!({}), json!({}));
    body["metadata"]["resourceVersion"] = json!("5");
    expect_error(
        "create with a resourceVersion",
        ctx.json::<ConfigMap>()
            .create(&body, &CreateOptions::default())
            .await,
        500,
        "",
        "resourceVersion should not be set on objects to be created",
    )?;
    Ok(())
}

/// A body naming another namespace than the URL is 400.
async fn create_namespace_mismatch_is_bad_request(ctx: Ctx) -> Outcome {
    let mut body = config_map("elsewhere", json!({}), json!({}));
    body["metadata"]["namespace"] = json!(format!("{}-other", ctx.namespace));
    let answer = ctx
        .raw(
            Method::POST,
            &ctx.path::<ConfigMap>(),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    expect_error(
        "create with another namespace in the body",
        answer,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    )?;
    Ok(())
}

/// A new namespace is Active, has the `kubernetes` finalizer in its spec and the
/// `kubernetes.io/metadata.name` label, and no namespace of its own.
async fn create_namespace_defaults(ctx: Ctx) -> Outcome {
    let ns = ctx.extra_namespace().await?;
    let got = ctx
        .json_in(&k8s_apimachinery::ApiResource::erase::<Namespace>(), None)
        .get(&ns, &GetOptions::default())
        .await?;
    ensure_eq!(got["status"]["phase"], json!("Active"), "status.phase");
    ensure_eq!(
        got["spec"]["finalizers"],
        json!(["kubernetes"]),
        "spec.finalizers"
    );
    ensure_eq!(
        got["metadata"]["labels"]["kubernetes.io/metadata.name"],
        json!(ns),
        "the kubernetes.io/metadata.name label"
    );
    ensure_eq!(
        got["metadata"]["namespace"],
        Value::Null,
        "a cluster-scoped object's metadata.namespace"
    );
    Ok(())
}
