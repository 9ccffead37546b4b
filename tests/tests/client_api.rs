//! `Api<K>` against the real apiserver through the dynamic client (`Api<DynamicObject>`): every
//! verb, the typed errors, watches, server-side apply, patches, paging and the metadata client.

use futures::{StreamExt, TryStreamExt};
use k8s_apimachinery::{
    ApiResource, CreateOptions, DeleteOptions, DynamicObject, GetOptions, ListOptions, LiteMap,
    PatchOptions, PatchType, Scope, UpdateOptions, WatchEvent,
};
use k8s_client::{Api, Config, DeleteResult, HttpClient, SecretString};
use k8s_testenv::{PlaneInfo, TestEnv};
use serde_json::json;

fn admin(plane: &PlaneInfo) -> HttpClient {
    plane.client().unwrap()
}

fn resource(group: &str, version: &str, kind: &str, plural: &str, scope: Scope) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: if group.is_empty() {
            version.into()
        } else {
            format!("{group}/{version}")
        },
        kind: kind.into(),
        plural: plural.into(),
        scope,
    }
}

fn configmaps() -> ApiResource {
    resource("", "v1", "ConfigMap", "configmaps", Scope::Namespaced)
}

fn cm(name: &str, data: serde_json::Value) -> DynamicObject {
    let mut o = DynamicObject::new(name, &configmaps());
    o.data.insert("data".into(), data);
    o
}

#[tokio::test]
async fn crud_and_typed_errors() {
    let env = TestEnv::new("api-crud").await.unwrap();
    let api: Api<DynamicObject> =
        Api::namespaced_with(admin(env.plane()), env.namespace(), &configmaps());

    let mut obj = cm("settings", json!({"a": "1"}));
    obj.metadata.labels = Some(LiteMap::from_iter([("app".into(), "web".into())]));
    let created = api.create(&obj, &CreateOptions::default()).await.unwrap();
    assert_eq!(created.metadata.namespace.as_deref(), Some(env.namespace()));
    let rv1 = created.metadata.resource_version.clone().unwrap();

    let err = api
        .create(&obj, &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");

    let got = api.get("settings", &GetOptions::default()).await.unwrap();
    assert_eq!(got.data["data"]["a"], "1");
    let err = api
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // Update with the current RV works; a second update with the now stale RV conflicts.
    let mut changed = got.clone();
    changed.data.insert("data".into(), json!({"a": "2"}));
    let updated = api
        .update("settings", &changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert_ne!(
        updated.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );
    let err = api
        .update("settings", &changed, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // Invalid: the causes name the field.
    let err = api
        .create(&cm("Not_A_DNS_Name", json!({})), &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
    let causes = err
        .api_error()
        .unwrap()
        .details()
        .unwrap()
        .causes
        .clone()
        .unwrap_or_default();
    assert!(
        causes
            .iter()
            .any(|c| c.field.as_deref() == Some("metadata.name")),
        "{causes:?}"
    );

    // Label selectors and the metadata client.
    api.create(&cm("other", json!({})), &CreateOptions::default())
        .await
        .unwrap();
    let web = api
        .list(&ListOptions::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(web.items.len(), 1);
    assert_eq!(web.items[0].metadata.name.as_deref(), Some("settings"));
    let meta = api.metadata().list(&ListOptions::default()).await.unwrap();
    assert_eq!(meta.items.len(), 2);
    assert_eq!(meta.items[0].kind.as_deref(), Some("PartialObjectMetadata"));
    let one = api
        .metadata()
        .get("settings", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        one.metadata.labels().get("app").map(|v| v.as_str()),
        Some("web")
    );

    match api
        .delete("settings", &DeleteOptions::background())
        .await
        .unwrap()
    {
        DeleteResult::Object(o) => assert_eq!(o.metadata.name.as_deref(), Some("settings")),
        DeleteResult::Status(s) => assert_eq!(s.status.as_deref(), Some("Success")),
    }
    let err = api
        .get("settings", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    api.delete_collection(&DeleteOptions::default(), &ListOptions::default())
        .await
        .unwrap();
    assert!(
        api.list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn forbidden_for_a_user_without_rbac() {
    let env = TestEnv::new("api-forbidden").await.unwrap();
    let pki = &env.plane().pki;
    let mut config = Config::new(&env.plane().server);
    config.tls.ca_data = Some(std::fs::read(&pki.ca_cert).unwrap());
    config.auth.token = Some(SecretString::new(pki.user_token.clone()));
    let api: Api<DynamicObject> = Api::namespaced_with(
        HttpClient::new(config).unwrap(),
        env.namespace(),
        &configmaps(),
    );
    let err = api.list(&ListOptions::default()).await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
}

#[tokio::test]
async fn watch_sees_create_update_delete_in_order() {
    let env = TestEnv::new("api-watch").await.unwrap();
    let api: Api<DynamicObject> =
        Api::namespaced_with(admin(env.plane()), env.namespace(), &configmaps());
    let rv = api
        .list(&ListOptions::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut events = api
        .watch(&ListOptions {
            resource_version: Some(rv),
            timeout_seconds: Some(30),
            allow_watch_bookmarks: true,
            ..ListOptions::default()
        })
        .await
        .unwrap()
        .boxed();
    let created = api
        .create(&cm("w", json!({"v": "1"})), &CreateOptions::default())
        .await
        .unwrap();
    api.patch(
        "w",
        PatchType::Merge,
        &json!({"data": {"v": "2"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    api.delete("w", &DeleteOptions::default()).await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < 3 {
        match events.next().await.unwrap().unwrap() {
            WatchEvent::Bookmark(_) => continue,
            WatchEvent::Added(o) => seen.push(("ADDED", o.data["data"]["v"].clone())),
            WatchEvent::Modified(o) => seen.push(("MODIFIED", o.data["data"]["v"].clone())),
            WatchEvent::Deleted(o) => seen.push(("DELETED", o.data["data"]["v"].clone())),
            WatchEvent::Error(s) => panic!("watch error: {s:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![
            ("ADDED", json!("1")),
            ("MODIFIED", json!("2")),
            ("DELETED", json!("2"))
        ]
    );
    assert!(created.metadata.uid.is_some());
}

#[tokio::test]
async fn watch_from_a_compacted_version_is_gone() {
    let mut plane = k8s_testenv::ControlPlane::start_private().await.unwrap();
    let info = plane.info();
    let ns = info.create_namespace("api-gone").await.unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(admin(&info), &ns, &configmaps());
    let first = api
        .create(&cm("old", json!({})), &CreateOptions::default())
        .await
        .unwrap();
    let old_rv = first.metadata.resource_version.unwrap();
    for i in 0..3 {
        api.create(
            &cm(&format!("new-{i}"), json!({})),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    }
    plane.compact_etcd().await.unwrap();
    // A restarted apiserver's watch cache starts after the compaction.
    plane.stop_apiserver();
    plane.start_apiserver().await.unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(admin(&info), &ns, &configmaps());
    let outcome = api
        .watch(&ListOptions {
            resource_version: Some(old_rv.into()),
            timeout_seconds: Some(10),
            ..ListOptions::default()
        })
        .await;
    let gone = match outcome {
        Err(e) => e.is_gone(),
        Ok(stream) => {
            let events: Vec<_> = stream.take(1).collect().await;
            match &events[..] {
                [Ok(WatchEvent::Error(status))] => status.code == Some(410),
                other => panic!("want a 410 ERROR event, got {other:?}"),
            }
        }
    };
    assert!(gone);
}

#[tokio::test]
async fn server_side_apply_conflicts_and_force() {
    let env = TestEnv::new("api-ssa").await.unwrap();
    let api: Api<DynamicObject> =
        Api::namespaced_with(admin(env.plane()), env.namespace(), &configmaps());
    let body = |v: &str| json!({"metadata": {"name": "applied"}, "data": {"key": v}});
    api.apply("applied", &body("alice"), "alice", false)
        .await
        .unwrap();
    let err = api
        .apply("applied", &body("bob"), "bob", false)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let forced = api
        .apply("applied", &body("bob"), "bob", true)
        .await
        .unwrap();
    assert_eq!(forced.data["data"]["key"], "bob");
    let managers: Vec<_> = forced
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert!(managers.iter().any(|m| m == "bob"), "{managers:?}");
}

#[tokio::test]
async fn patches_merge_json_and_strategic() {
    let env = TestEnv::new("api-patch").await.unwrap();
    let client = admin(env.plane());
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), env.namespace(), &configmaps());
    api.create(
        &cm("p", json!({"a": "1", "b": "2"})),
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    let merged = api
        .patch(
            "p",
            PatchType::Merge,
            &json!({"data": {"a": null, "c": "3"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(merged.data["data"], json!({"b": "2", "c": "3"}));
    let jsonp = api
        .patch(
            "p",
            PatchType::Json,
            &json!([{"op": "replace", "path": "/data/b", "value": "x"}, {"op": "remove", "path": "/data/c"}]),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(jsonp.data["data"], json!({"b": "x"}));

    // Strategic merge on a Deployment's containers merges by name.
    let deploys: Api<DynamicObject> = Api::namespaced_with(
        client,
        env.namespace(),
        &resource("apps", "v1", "Deployment", "deployments", Scope::Namespaced),
    );
    let mut d = DynamicObject::new(
        "web",
        &resource("apps", "v1", "Deployment", "deployments", Scope::Namespaced),
    );
    d.data.insert(
        "spec".into(),
        json!({
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "app", "image": "app:1"}, {"name": "sidecar", "image": "side:1"}
            ]}}
        }),
    );
    deploys.create(&d, &CreateOptions::default()).await.unwrap();
    let patched = deploys
        .patch(
            "web",
            PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    let containers = patched.data["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        containers.len(),
        2,
        "merged by name, the sidecar kept: {containers:?}"
    );
    assert_eq!(containers[0]["image"], "app:2");
    assert_eq!(containers[1]["image"], "side:1");
    // A merge patch replaces the list instead.
    let replaced = deploys
        .patch(
            "web",
            PatchType::Merge,
            &json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:3"}]}}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        replaced.data["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The scale subresource.
    let scale: serde_json::Value = deploys.get_subresource("scale", "web").await.unwrap();
    assert_eq!(scale["kind"], "Scale");
    let scaled: serde_json::Value = deploys
        .patch_subresource_as(
            "scale",
            "web",
            PatchType::Merge,
            &json!({"spec": {"replicas": 4}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(scaled["spec"]["replicas"], 4);
}

#[tokio::test]
async fn paging_returns_every_object_exactly_once() {
    let env = TestEnv::new("api-paging").await.unwrap();
    let api: Api<DynamicObject> =
        Api::namespaced_with(admin(env.plane()), env.namespace(), &configmaps());
    futures::stream::iter(0..1200)
        .map(|i| {
            let api = api.clone();
            async move {
                api.create(
                    &cm(&format!("cm-{i:04}"), json!({})),
                    &CreateOptions::default(),
                )
                .await
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let pages: Vec<_> = api
        .list_pages(&ListOptions {
            limit: Some(500),
            ..ListOptions::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    let mut names: Vec<_> = pages
        .into_iter()
        .flat_map(|p| p.items)
        .map(|o| o.metadata.name.unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 1200);
    assert_eq!(
        api.list_all(&ListOptions::default()).await.unwrap().len(),
        1200
    );
}

#[tokio::test]
async fn cluster_scoped_and_custom_resources() {
    let env = TestEnv::new("api-crd").await.unwrap();
    let client = admin(env.plane());
    // Cluster-scoped: the namespace given is ignored.
    let namespaces: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &resource("", "v1", "Namespace", "namespaces", Scope::Cluster),
    );
    let ns = namespaces
        .get(env.namespace(), &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(ns.kind, "Namespace");

    // A CRD, then an object of it through the dynamic client.
    let suffix = env.namespace().rsplit('-').next().unwrap().to_string();
    let group = format!("t{suffix}.example.com");
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &resource(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            Scope::Cluster,
        ),
    );
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("foos.{group}")},
        "spec": {"group": group, "scope": "Namespaced",
            "names": {"plural": "foos", "singular": "foo", "kind": "Foo"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}}}]}
    }))
    .unwrap();
    crds.create(&crd, &CreateOptions::default()).await.unwrap();
    let foos: Api<DynamicObject> = Api::namespaced_with(
        client,
        env.namespace(),
        &resource(&group, "v1", "Foo", "foos", Scope::Namespaced),
    );
    // The new resource is served once the CRD is established.
    let mut foo = DynamicObject::new(
        "example",
        &resource(&group, "v1", "Foo", "foos", Scope::Namespaced),
    );
    foo.data.insert("spec".into(), json!({"replicas": 3}));
    let mut last = None;
    for _ in 0..100 {
        match foos.create(&foo, &CreateOptions::default()).await {
            Ok(created) => {
                assert_eq!(created.data["spec"]["replicas"], 3);
                let got = foos.get("example", &GetOptions::default()).await.unwrap();
                assert_eq!(got.kind, "Foo");
                return;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("CRD never served: {last:?}");
}
