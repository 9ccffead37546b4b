//! Discovery against canned answers (a scripted transport, no socket): servers without
//! aggregated discovery (the legacy fallback, with a failing group version), aggregated answers
//! recognized by `kind` when the `Content-Type` says only `application/json`, and a mixed server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;
use crate::Config;
use crate::transport::{Body, HttpRequest, Transport};

/// path → (status, content type, body)
type Routes = HashMap<&'static str, (u16, &'static str, String)>;

/// The (path, accept) pairs of the requests, in order.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A client whose requests are answered from `routes` (404 elsewhere); records (path, accept)
/// pairs.
fn serve(routes: Routes) -> (HttpClient, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let routes = Arc::new(routes);
    let svc = tower::service_fn(move |req: HttpRequest| {
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let accept = req
            .headers()
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim()
            .to_string();
        log.lock().unwrap().push((path.clone(), accept));
        let (code, ctype, body) = routes.get(path.as_str()).cloned().unwrap_or((
            404,
            "application/json",
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "reason": "NotFound", "code": 404})
            .to_string(),
        ));
        async move {
            http::Response::builder()
                .status(code)
                .header(http::header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
        }
    });
    let mut config = Config::new("http://fake.invalid");
    config.qps = -1.0;
    (
        HttpClient::with_transport(config, Transport::new(svc)).unwrap(),
        seen,
    )
}

fn legacy_routes() -> Routes {
    let mut r = Routes::new();
    r.insert(
        "/api",
        (
            200,
            "application/json",
            json!({"kind": "APIVersions", "versions": ["v1"]}).to_string(),
        ),
    );
    r.insert(
        "/apis",
        (
            200,
            "application/json",
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
                {"name": "metrics.k8s.io", "versions": [{"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}],
                 "preferredVersion": {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}}
            ]})
            .to_string(),
        ),
    );
    r.insert(
        "/api/v1",
        (
            200,
            "application/json",
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "configmaps", "singularName": "configmap", "namespaced": true, "kind": "ConfigMap",
                 "verbs": ["get", "list"], "shortNames": ["cm"]},
                {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                 "verbs": ["get"], "shortNames": ["po"], "categories": ["all"]},
                {"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}
            ]})
            .to_string(),
        ),
    );
    r.insert(
        "/apis/apps/v1",
        (
            200,
            "application/json",
            json!({"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
                {"name": "deployments", "singularName": "deployment", "namespaced": true, "kind": "Deployment",
                 "verbs": ["get"], "shortNames": ["deploy"]},
                {"name": "deployments/scale", "singularName": "", "namespaced": true, "group": "autoscaling",
                 "version": "v1", "kind": "Scale", "verbs": ["get"]}
            ]})
            .to_string(),
        ),
    );
    // An aggregated API server that is down.
    r.insert(
        "/apis/metrics.k8s.io/v1beta1",
        (
            503,
            "application/json",
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "message": "service unavailable", "reason": "ServiceUnavailable", "code": 503})
            .to_string(),
        ),
    );
    r
}

fn aggregated(items: serde_json::Value) -> String {
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
           "metadata": {}, "items": items})
    .to_string()
}

const V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

#[tokio::test]
async fn a_server_without_aggregated_discovery_falls_back_to_legacy() {
    let (client, seen) = serve(legacy_routes());
    let d = DiscoveryClient::new(client.clone())
        .server_groups_and_resources()
        .await
        .unwrap();
    assert_eq!(d.source, DiscoverySource::Legacy);
    assert_eq!(
        d.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["", "apps", "metrics.k8s.io"]
    );
    // The failing group version is reported, the rest is there.
    assert_eq!(d.failed.len(), 1);
    assert_eq!(
        d.failed[0].group_version.to_string(),
        "metrics.k8s.io/v1beta1"
    );
    assert!(
        d.failed[0].reason.contains("service unavailable"),
        "{:?}",
        d.failed
    );
    let pods = d.resources().find(|r| r.plural == "pods").unwrap();
    assert_eq!(pods.subresources[0].name, "log");
    let deploy = d.resources().find(|r| r.plural == "deployments").unwrap();
    assert_eq!(deploy.subresources[0].group, "autoscaling");
    // It asked for aggregated discovery first.
    let seen = seen.lock().unwrap().clone();
    let api = seen.iter().find(|(p, _)| p == "/api").unwrap();
    assert!(api.1.starts_with(V2), "{api:?}");

    // The RESTMapper works the same on legacy discovery.
    let mapper = RestMapper::new(CachedDiscovery::new(DiscoveryClient::new(client)));
    assert_eq!(
        mapper.resource_for("deploy").await.unwrap().to_string(),
        "apps/v1, Resource=deployments"
    );
    assert_eq!(mapper.kind_for("po").await.unwrap().kind, "Pod");
}

#[tokio::test]
async fn aggregated_answers_are_recognized_by_content_type_or_kind() {
    let mut routes = Routes::new();
    // /api says so in its Content-Type; /apis only in the body.
    routes.insert(
        "/api",
        (
            200,
            V2,
            aggregated(json!([{"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [
                {"resource": "namespaces", "singularResource": "namespace", "scope": "Cluster",
                 "responseKind": {"group": "", "version": "", "kind": "Namespace"}, "verbs": ["get"],
                 "shortNames": ["ns"]}]}]}])),
        ),
    );
    routes.insert(
        "/apis",
        (
            200,
            "application/json",
            aggregated(json!([{"metadata": {"name": "apps"}, "versions": [
                {"version": "v1", "resources": [
                    {"resource": "deployments", "singularResource": "deployment", "scope": "Namespaced",
                     "responseKind": {"group": "", "version": "", "kind": "Deployment"}, "verbs": ["get"]}]},
                {"version": "v1beta9", "freshness": "Stale"}]}])),
        ),
    );
    let (client, seen) = serve(routes);
    let d = DiscoveryClient::new(client)
        .server_groups_and_resources()
        .await
        .unwrap();
    assert_eq!(d.source, DiscoverySource::Aggregated);
    assert_eq!(d.groups.len(), 2);
    assert_eq!(d.failed[0].group_version.to_string(), "apps/v1beta9");
    assert_eq!(
        d.resources()
            .find(|r| r.plural == "namespaces")
            .unwrap()
            .scope,
        k8s_apimachinery::Scope::Cluster
    );
    // Two requests in all.
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn mixed_and_legacy_only_clients() {
    let mut routes = legacy_routes();
    routes.remove("/apis/metrics.k8s.io/v1beta1");
    routes.insert(
        "/apis",
        (
            200,
            V2,
            aggregated(json!([{"metadata": {"name": "apps"}, "versions": [{"version": "v1"}]}])),
        ),
    );
    let (client, seen) = serve(routes);
    let d = DiscoveryClient::new(client.clone())
        .server_groups_and_resources()
        .await
        .unwrap();
    assert_eq!(d.source, DiscoverySource::Mixed);
    assert!(d.group("").unwrap().version("v1").is_some());
    assert!(
        d.group("apps")
            .unwrap()
            .version("v1")
            .unwrap()
            .resources
            .is_empty()
    );

    // A legacy-only client does not ask for aggregated discovery.
    seen.lock().unwrap().clear();
    let _ = DiscoveryClient::new(client).legacy().server_groups().await;
    for (path, accept) in seen.lock().unwrap().iter() {
        assert!(!accept.contains("apidiscovery"), "{path}: {accept}");
    }
}
