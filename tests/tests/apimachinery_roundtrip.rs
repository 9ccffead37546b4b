//! k8s-apimachinery against a real kube-apiserver: objects, discovery documents, errors and
//! watch events fetched from the server decode into our types and re-serialize to the very bytes
//! the server wrote (the server writes struct fields in Go order, and so do we), or, where the
//! output is not canonical (kubectl's), to the same JSON value.

use std::collections::BTreeMap;
use std::process::Command;

use k8s_apimachinery::selector::Selector;
use k8s_apimachinery::{
    APIGroupList, APIResourceList, APIVersions, ApiError, List, ListObject, ListOptions,
    ObjectMeta, ResourceVersionMatch, Status, VersionInfo, WatchEvent,
};
use k8s_testenv::TestEnv;
use serde::{Deserialize, Serialize};

/// A ConfigMap in Go field order (TypeMeta, ObjectMeta, immutable, data, binaryData).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigMap {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    immutable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<BTreeMap<String, String>>,
}

/// A Namespace in Go field order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Namespace {
    kind: Option<String>,
    api_version: Option<String>,
    metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    spec: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<serde_json::Value>,
}

fn query(pairs: &[(&'static str, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn get_bytes(env: &TestEnv, path: &str) -> (u16, Vec<u8>) {
    let http = k8s_rs_tests::admin_http(env.plane()).unwrap();
    let resp = http
        .get(format!("{}{path}", env.plane().server))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let code = resp.status().as_u16();
    (code, resp.bytes().await.unwrap().to_vec())
}

/// Decodes `bytes` as `T`, re-serializes, and asserts the bytes are identical (modulo the
/// trailing newline the server adds). Go's encoder escapes `<`, `>` and `&` as `\u003c`...,
/// which serde_json does not; the objects here avoid those characters.
fn assert_byte_round_trip<T: Serialize + for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> T {
    let text = std::str::from_utf8(bytes).unwrap().trim_end();
    let value: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
    let again = serde_json::to_string(&value).unwrap();
    assert_eq!(again, text, "{what}: re-serialized bytes differ");
    value
}

async fn create_configmap(env: &TestEnv, name: &str, labels: &[(&str, &str)]) -> Vec<u8> {
    let http = k8s_rs_tests::admin_http(env.plane()).unwrap();
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"example.com/note": "hello, world", "z": "last"},
        },
        "data": {"b": "2", "a": "1", "multi": "line\nbreak \"quoted\" tab\t ü ✓"},
    });
    let resp = http
        .post(format!(
            "{}/api/v1/namespaces/{}/configmaps",
            env.plane().server,
            env.namespace()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    resp.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn configmap_and_namespace_round_trip_byte_for_byte() {
    let env = TestEnv::new("apimachinery").await.unwrap();
    let created = create_configmap(&env, "cm1", &[("app", "web"), ("tier", "front")]).await;
    let cm: ConfigMap = assert_byte_round_trip("created ConfigMap", &created);
    assert_eq!(
        cm.metadata.labels().get("app").map(|v| v.as_str()),
        Some("web")
    );
    assert!(cm.metadata.creation_timestamp.is_some());
    assert!(cm.metadata.managed_fields.is_some());

    let (code, got) = get_bytes(
        &env,
        &format!("/api/v1/namespaces/{}/configmaps/cm1", env.namespace()),
    )
    .await;
    assert_eq!(code, 200);
    let got: ConfigMap = assert_byte_round_trip("fetched ConfigMap", &got);
    assert_eq!(got.metadata.uid, cm.metadata.uid);

    let (code, ns) = get_bytes(&env, &format!("/api/v1/namespaces/{}", env.namespace())).await;
    assert_eq!(code, 200);
    let ns: Namespace = assert_byte_round_trip("Namespace", &ns);
    assert_eq!(ns.metadata.name.as_deref(), Some(env.namespace()));

    // The list, as the server writes it, through the generic List<T>.
    let (code, list) = get_bytes(
        &env,
        &format!("/api/v1/namespaces/{}/configmaps", env.namespace()),
    )
    .await;
    assert_eq!(code, 200);
    let list: List<ConfigMap> = assert_byte_round_trip("ConfigMapList", &list);
    assert!(list.list_meta().resource_version.is_some());
    assert!(
        list.items()
            .iter()
            .any(|c| c.metadata.name.as_deref() == Some("cm1"))
    );
}

#[tokio::test]
async fn errors_decode_as_status_and_classify() {
    let env = TestEnv::new("apimachinery").await.unwrap();
    let (code, body) = get_bytes(
        &env,
        &format!("/api/v1/namespaces/{}/configmaps/nope", env.namespace()),
    )
    .await;
    assert_eq!(code, 404);
    let status: Status = assert_byte_round_trip("404 Status", &body);
    assert_eq!(status.reason.as_deref(), Some("NotFound"));
    let err = ApiError::from_response(code, &body);
    assert!(err.is_not_found());
    assert!(!err.is_conflict());
    assert_eq!(err.details().and_then(|d| d.name.as_deref()), Some("nope"));

    // 409 AlreadyExists on a second create.
    create_configmap(&env, "dup", &[]).await;
    let http = k8s_rs_tests::admin_http(env.plane()).unwrap();
    let resp = http
        .post(format!(
            "{}/api/v1/namespaces/{}/configmaps",
            env.plane().server,
            env.namespace()
        ))
        .json(&serde_json::json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}))
        .send()
        .await
        .unwrap();
    let code = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    assert_eq!(code, 409);
    let _: Status = assert_byte_round_trip("409 Status", &body);
    let err = ApiError::from_response(code, &body);
    assert!(err.is_already_exists(), "{err}");

    // 422 Invalid with causes.
    let resp = http
        .post(format!(
            "{}/api/v1/namespaces/{}/configmaps",
            env.plane().server,
            env.namespace()
        ))
        .json(&serde_json::json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}))
        .send()
        .await
        .unwrap();
    let code = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    assert_eq!(code, 422);
    let status: Status = assert_byte_round_trip("422 Status", &body);
    assert!(
        status
            .details
            .and_then(|d| d.causes)
            .is_some_and(|c| !c.is_empty())
    );
    assert!(ApiError::from_response(code, &body).is_invalid());
}

#[tokio::test]
async fn discovery_documents_round_trip_byte_for_byte() {
    let env = TestEnv::new("apimachinery").await.unwrap();
    let (code, body) = get_bytes(&env, "/api").await;
    assert_eq!(code, 200);
    let versions: APIVersions = assert_byte_round_trip("/api APIVersions", &body);
    assert_eq!(versions.versions, ["v1"]);

    let (code, body) = get_bytes(&env, "/api/v1").await;
    assert_eq!(code, 200);
    let core: APIResourceList = assert_byte_round_trip("/api/v1 APIResourceList", &body);
    let cms = core
        .resources
        .iter()
        .find(|r| r.name == "configmaps")
        .unwrap();
    assert!(cms.namespaced);
    assert!(cms.verbs.iter().any(|v| v == "watch"));

    let (code, body) = get_bytes(&env, "/apis").await;
    assert_eq!(code, 200);
    let groups: APIGroupList = assert_byte_round_trip("/apis APIGroupList", &body);
    assert!(groups.groups.iter().any(|g| g.name == "apps"));

    let (code, body) = get_bytes(&env, "/apis/apps/v1").await;
    assert_eq!(code, 200);
    let apps: APIResourceList = assert_byte_round_trip("/apis/apps/v1", &body);
    assert_eq!(apps.group_version, "apps/v1");

    let (code, body) = get_bytes(&env, "/version").await;
    assert_eq!(code, 200);
    let info: VersionInfo = serde_json::from_slice(&body).unwrap();
    assert_eq!(info.git_version, "v1.37.2");
    let text = std::str::from_utf8(&body).unwrap();
    let reparsed: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&info).unwrap(), reparsed);
}

#[tokio::test]
async fn watch_events_and_selectors_agree_with_the_server() {
    let env = TestEnv::new("apimachinery").await.unwrap();
    create_configmap(&env, "web", &[("app", "web"), ("gen", "3")]).await;
    create_configmap(&env, "api", &[("app", "api"), ("gen", "7")]).await;
    create_configmap(&env, "bare", &[]).await;

    // The server's label selection equals our own matching, for each selector.
    let (_, body) = get_bytes(
        &env,
        &format!("/api/v1/namespaces/{}/configmaps", env.namespace()),
    )
    .await;
    let all: List<ConfigMap> = serde_json::from_slice(&body).unwrap();
    for sel in [
        "app",
        "!app",
        "app in (web,db)",
        "app notin (web)",
        "gen>4",
        "app=api,gen<8",
        "",
    ] {
        let parsed: Selector = sel.parse().unwrap();
        let opts = ListOptions::default().labels(parsed.to_string());
        let (code, body) = get_bytes(
            &env,
            &format!(
                "/api/v1/namespaces/{}/configmaps?{}",
                env.namespace(),
                query(&opts.to_query())
            ),
        )
        .await;
        assert_eq!(code, 200, "{sel}: {}", String::from_utf8_lossy(&body));
        let served: List<ConfigMap> = serde_json::from_slice(&body).unwrap();
        let mut served: Vec<_> = served
            .items
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        let mut ours: Vec<_> = all
            .items
            .iter()
            .filter(|c| parsed.matches(c.metadata.labels()))
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        served.sort();
        ours.sort();
        assert_eq!(served, ours, "selector {sel:?}");
    }

    // A watch with initial events: ADDED lines round-trip byte for byte, then a bookmark.
    let mut opts = ListOptions::default()
        .fields("metadata.name=web")
        .send_initial_events(true)
        .resource_version_match(ResourceVersionMatch::NotOlderThan)
        .bookmarks(true)
        .timeout(2);
    opts.watch = true;
    let (code, body) = get_bytes(
        &env,
        &format!(
            "/api/v1/namespaces/{}/configmaps?{}",
            env.namespace(),
            query(&opts.to_query())
        ),
    )
    .await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let mut added = 0;
    let mut saw_end = false;
    for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let ev: WatchEvent<ConfigMap> = serde_json::from_slice(line).unwrap();
        match &ev {
            WatchEvent::Added(cm) => {
                added += 1;
                assert_eq!(cm.metadata.name.as_deref(), Some("web"));
                assert_eq!(
                    serde_json::to_string(&ev).unwrap().as_bytes(),
                    line,
                    "watch line re-serialized"
                );
            }
            WatchEvent::Bookmark(b) => saw_end |= b.is_initial_events_end(),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(added, 1);
    assert!(saw_end, "no initial-events-end bookmark");
}

#[tokio::test]
async fn kubectl_output_decodes_to_the_same_json() {
    let env = TestEnv::new("apimachinery").await.unwrap();
    create_configmap(&env, "k1", &[("app", "k")]).await;
    let out = Command::new(&env.plane().binaries.kubectl)
        .args([
            "get",
            "configmaps",
            "-n",
            env.namespace(),
            "-l",
            "app=k",
            "-o",
            "json",
        ])
        .env("KUBECONFIG", env.kubeconfig())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: List<ConfigMap> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.items.len(), 1);
    // kubectl re-orders keys, so compare values rather than bytes.
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(serde_json::to_value(&list).unwrap(), theirs);
}
