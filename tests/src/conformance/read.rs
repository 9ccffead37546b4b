//! get and list: discovery of built-in resources, gets, selectors, the metadata client, lists
//! across namespaces. Paging and the resourceVersion semantics of lists, of area `read` too,
//! are in `paging.rs`.

use k8s_api::core::v1::{ConfigMap, Pod};
use k8s_apimachinery::{ApiResource, CreateOptions, GetOptions, ListOptions};
use k8s_client::Api;
use serde_json::{Value, json};

use super::support::*;
use super::{Ctx, Failure, Scenario, register};

pub(super) fn scenarios() -> Vec<Scenario> {
    register!("read":
        discovery_describes_built_in_resources,
        get_returns_what_create_returned,
        get_missing_is_not_found,
        list_is_sorted_by_name_and_versioned,
        list_with_label_selectors,
        list_with_field_selectors,
        list_metadata_only,
        list_across_namespaces,
    )
}

/// The list as JSON (kind, apiVersion, metadata, items).
pub(super) async fn list(api: &Api<Value>, opts: &ListOptions) -> Result<Value, Failure> {
    let list = api.list(opts).await?;
    serde_json::to_value(list).map_err(|e| Failure::failed(format!("re-encoding a list: {e}")))
}

/// Creates ConfigMaps `name -> labels`, in the order given.
pub(super) async fn create_all(
    ctx: &Ctx,
    objects: &[(&str, Value)],
) -> Result<Vec<Value>, Failure> {
    let api = ctx.json::<ConfigMap>();
    let mut created = Vec::new();
    for (name, labels) in objects {
        created.push(
            api.create(
                &config_map(name, json!({}), labels.clone()),
                &CreateOptions::default(),
            )
            .await?,
        );
    }
    Ok(created)
}

/// Legacy discovery (`/api/v1`, `/apis/apps/v1`): scope, kind, verbs, short names and
/// subresources of built-in resources, as the generated registry knows them.
async fn discovery_describes_built_in_resources(ctx: Ctx) -> Outcome {
    let all = [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ];
    let no_collection_delete = [
        "create", "delete", "get", "list", "patch", "update", "watch",
    ];
    let sub = ["get", "patch", "update"];
    type Row<'a> = (
        &'a str,
        bool,
        &'a str,
        &'a [&'a str],
        Option<&'a str>,
        Option<&'a str>,
    );
    let core: Vec<Row> = vec![
        ("configmaps", true, "ConfigMap", &all, Some("cm"), None),
        (
            "namespaces",
            false,
            "Namespace",
            &no_collection_delete,
            Some("ns"),
            None,
        ),
        ("namespaces/status", false, "Namespace", &sub, None, None),
        ("pods", true, "Pod", &all, Some("po"), None),
        ("pods/status", true, "Pod", &sub, None, None),
        (
            "pods/eviction",
            true,
            "Eviction",
            &["create"],
            None,
            Some("policy/v1"),
        ),
    ];
    let apps: Vec<Row> = vec![
        (
            "deployments",
            true,
            "Deployment",
            &all,
            Some("deploy"),
            None,
        ),
        ("deployments/status", true, "Deployment", &sub, None, None),
        (
            "deployments/scale",
            true,
            "Scale",
            &sub,
            None,
            Some("autoscaling/v1"),
        ),
    ];
    for (path, group_version, rows) in [("/api/v1", "v1", core), ("/apis/apps/v1", "apps/v1", apps)]
    {
        let list = ctx.raw(http::Method::GET, path, None).await?;
        ensure_eq!(list["kind"], json!("APIResourceList"), "{path}: kind");
        ensure_eq!(
            list["groupVersion"],
            json!(group_version),
            "{path}: groupVersion"
        );
        for (name, namespaced, kind, verbs, short, other) in rows {
            let Some(r) = list["resources"]
                .as_array()
                .and_then(|rs| rs.iter().find(|r| r["name"] == name))
            else {
                return Err(Failure::failed(format!("{path} does not list {name}")));
            };
            let mut got_verbs: Vec<&str> = r["verbs"]
                .as_array()
                .map(|vs| vs.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            got_verbs.sort_unstable();
            ensure_eq!(
                (&r["namespaced"], &r["kind"], got_verbs.as_slice()),
                (&json!(namespaced), &json!(kind), verbs),
                "{path} {name}: namespaced, kind, verbs"
            );
            if let Some(short) = short {
                let has = r["shortNames"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|n| n == short));
                ensure!(
                    has,
                    "{path} {name}: short name {short} missing: {}",
                    r["shortNames"]
                );
            }
            let gv = other.map(|gv| gv.split_once('/').unwrap_or(("", gv)));
            ensure_eq!(
                (r["group"].as_str(), r["version"].as_str()),
                (gv.map(|g| g.0), gv.map(|g| g.1)),
                "{path} {name}: group and version of another group's kind"
            );
        }
    }
    Ok(())
}

/// A get returns the object as the create returned it.
async fn get_returns_what_create_returned(ctx: Ctx) -> Outcome {
    let cms = ctx.clientset().core_v1().config_maps(&ctx.namespace);
    let cm: ConfigMap = typed(config_map("one", json!({"k": "v"}), json!({"app": "x"})))?;
    let created = cms.create(&cm, &CreateOptions::default()).await?;
    let got = cms.get("one", &GetOptions::default()).await?;
    ensure_eq!(got, created, "the get of what was created");
    Ok(())
}

/// 404 NotFound, `configmaps "nope" not found`, with the name and kind in the details.
async fn get_missing_is_not_found(ctx: Ctx) -> Outcome {
    let err = expect_error(
        "get of a missing ConfigMap",
        ctx.api::<ConfigMap>()
            .get("nope", &GetOptions::default())
            .await,
        404,
        "NotFound",
        r#"configmaps "nope" not found"#,
    )?;
    expect_details("NotFound", &err, Some("nope"), None, Some("configmaps"))?;
    let err = expect_error(
        "get of a missing Deployment",
        ctx.api::<k8s_api::apps::v1::Deployment>()
            .get("nope", &GetOptions::default())
            .await,
        404,
        "NotFound",
        r#"deployments.apps "nope" not found"#,
    )?;
    expect_details(
        "NotFound",
        &err,
        Some("nope"),
        Some("apps"),
        Some("deployments"),
    )
}

/// Items come sorted by name whatever the order of creation; the list has its kind, apiVersion
/// and a resourceVersion no older than any item's.
async fn list_is_sorted_by_name_and_versioned(ctx: Ctx) -> Outcome {
    let created = create_all(
        &ctx,
        &[("c", json!({})), ("a", json!({})), ("b", json!({}))],
    )
    .await?;
    let got = list(&ctx.json::<ConfigMap>(), &ListOptions::default()).await?;
    ensure_eq!(names(&got), ["a", "b", "c"], "item names");
    ensure_eq!(got["kind"], json!("ConfigMapList"), "kind");
    ensure_eq!(got["apiVersion"], json!("v1"), "apiVersion");
    let list_rv = rv(&got)?;
    for obj in &created {
        ensure!(
            list_rv >= rv(obj)?,
            "the list's resourceVersion {list_rv} is older than item {}'s {}",
            obj["metadata"]["name"],
            rv(obj)?
        );
    }
    Ok(())
}

/// Equality, inequality, set-based and existence label selectors.
async fn list_with_label_selectors(ctx: Ctx) -> Outcome {
    create_all(
        &ctx,
        &[
            ("a", json!({"app": "web", "tier": "front"})),
            ("b", json!({"app": "web", "tier": "back"})),
            ("c", json!({"app": "db"})),
            ("d", json!({})),
        ],
    )
    .await?;
    let api = ctx.json::<ConfigMap>();
    for (selector, want) in [
        ("app=web", vec!["a", "b"]),
        ("app==web", vec!["a", "b"]),
        ("app!=web", vec!["c", "d"]),
        ("app in (web,db)", vec!["a", "b", "c"]),
        ("app notin (web)", vec!["c", "d"]),
        ("tier", vec!["a", "b"]),
        ("!tier", vec!["c", "d"]),
        ("app=web,tier=back", vec!["b"]),
        ("app=nothing", vec![]),
    ] {
        let got = list(&api, &ListOptions::default().labels(selector)).await?;
        ensure_eq!(names(&got), want, "labelSelector {selector:?}");
    }
    Ok(())
}

/// `metadata.name`/`metadata.namespace` on ConfigMaps; `spec.nodeName` and `status.phase` on
/// Pods.
async fn list_with_field_selectors(ctx: Ctx) -> Outcome {
    create_all(
        &ctx,
        &[("a", json!({})), ("b", json!({})), ("c", json!({}))],
    )
    .await?;
    let api = ctx.json::<ConfigMap>();
    let ns_selector = format!("metadata.namespace={}", ctx.namespace);
    for (selector, want) in [
        ("metadata.name=a", vec!["a"]),
        ("metadata.name==a", vec!["a"]),
        ("metadata.name!=a", vec!["b", "c"]),
        ("metadata.name!=a,metadata.name!=b", vec!["c"]),
        (ns_selector.as_str(), vec!["a", "b", "c"]),
    ] {
        let got = list(&api, &ListOptions::default().fields(selector)).await?;
        ensure_eq!(
            names(&got),
            want,
            "fieldSelector {selector:?} on configmaps"
        );
    }
    let pods = ctx.json::<Pod>();
    pods.create(&pod("bound", Some("node-1")), &CreateOptions::default())
        .await?;
    pods.create(&pod("pending", None), &CreateOptions::default())
        .await?;
    for (selector, want) in [
        ("spec.nodeName=node-1", vec!["bound"]),
        ("spec.nodeName=", vec!["pending"]),
        ("status.phase=Pending", vec!["bound", "pending"]),
        ("status.phase=Running", vec![]),
    ] {
        let got = list(&pods, &ListOptions::default().fields(selector)).await?;
        ensure_eq!(names(&got), want, "fieldSelector {selector:?} on pods");
    }
    Ok(())
}

/// The metadata client: `PartialObjectMetadataList` of `PartialObjectMetadata` items, without
/// the objects' data.
async fn list_metadata_only(ctx: Ctx) -> Outcome {
    let api = ctx.json::<ConfigMap>();
    api.create(
        &config_map("m", json!({"secret-ish": "value"}), json!({"app": "m"})),
        &CreateOptions::default(),
    )
    .await?;
    let meta = api.metadata();
    let got = meta.list(&ListOptions::default()).await?;
    let got = serde_json::to_value(got).unwrap_or_default();
    ensure_eq!(got["kind"], json!("PartialObjectMetadataList"), "kind");
    ensure_eq!(got["apiVersion"], json!("meta.k8s.io/v1"), "apiVersion");
    ensure_eq!(names(&got), ["m"], "item names");
    let one = meta.get("m", &GetOptions::default()).await?;
    let one = serde_json::to_value(one).unwrap_or_default();
    ensure_eq!(one["kind"], json!("PartialObjectMetadata"), "kind of a get");
    ensure_eq!(one["metadata"]["labels"], json!({"app": "m"}), "labels");
    ensure!(
        one.get("data").is_none(),
        "the metadata client got the data: {}",
        brief(&one)
    );
    Ok(())
}

/// A list across namespaces sees the objects of every namespace (filtered here by a label
/// unique to the scenario), each with its namespace.
async fn list_across_namespaces(ctx: Ctx) -> Outcome {
    let other = ctx.extra_namespace().await?;
    let resource = ApiResource::erase::<ConfigMap>();
    let label = json!({"scenario": ctx.namespace});
    for ns in [&ctx.namespace, &other] {
        ctx.json_in(&resource, Some(ns))
            .create(
                &config_map("x", json!({}), label.clone()),
                &CreateOptions::default(),
            )
            .await?;
    }
    let all = ctx.json_in(&resource, None);
    let got = list(
        &all,
        &ListOptions::default().labels(format!("scenario={}", ctx.namespace)),
    )
    .await?;
    let mut seen: Vec<String> = got["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    format!(
                        "{}/{}",
                        i["metadata"]["namespace"].as_str().unwrap_or("?"),
                        i["metadata"]["name"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    seen.sort();
    let mut want = vec![format!("{}/x", ctx.namespace), format!("{other}/x")];
    want.sort();
    ensure_eq!(seen, want, "objects listed across namespaces");
    Ok(())
}
