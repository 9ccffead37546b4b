//! k8s-api against the real apiserver.
//!
//! - Typed objects (Pod, Deployment, Service, ConfigMap, Secret, Job, CronJob, Ingress, Role,
//!   RoleBinding, Lease, Event, PVC, StatefulSet, HPA, PDB, NetworkPolicy, CRD, …) are built in
//!   Rust, serialized, and created with `fieldValidation=Strict` (a misnamed field is an
//!   error, not silently dropped). Every field we sent must come back from the server, and the
//!   server's JSON (create response and GET) must survive decode → encode without loss.
//! - Every object the server lists, for every kind we have, decodes and re-encodes without loss.
//! - Every kind's plural, scope, verbs and subresources equal the server's discovery.
//!
//! "Without loss" is semantic JSON equality (`serde_json::Value`), with two tolerances that
//! follow from Go's encoding: `null` in the server's JSON may come back absent or as an empty
//! collection (Go writes a nil slice/map/pointer as `null`; we decode it as `None`/empty), and
//! we may write an empty object/list the server omitted (a value struct that Go would write
//! too). The number of byte-identical round trips is printed (fields are in Go order, so most
//! are), but not asserted: OpenAPI does not promise Go's byte layout.

use std::collections::{BTreeMap, BTreeSet};

use k8s_apimachinery::{CompactString, LiteMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_api::apimachinery::{
    IntOrString, LabelSelector, ListObject, MicroTime, ObjectMeta, Quantity, Resource,
};
use k8s_api::{ByteString, apiextensions, apps, autoscaling, batch, coordination, core, events};
use k8s_api::{networking, policy, rbac};
use k8s_testenv::TestEnv;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

static CHECKED: AtomicUsize = AtomicUsize::new(0);
static IDENTICAL: AtomicUsize = AtomicUsize::new(0);

/// Differences that lose information between the server's JSON and ours.
fn lossy_diffs(path: &str, server: &Value, ours: Option<&Value>, out: &mut Vec<String>) {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match (server, ours) {
        (Value::Null, None) => {}
        (Value::Null, Some(o)) if empty(o) => {}
        (_, None) => out.push(format!("{path}: dropped (server had {server})")),
        (Value::Object(s), Some(Value::Object(o))) => {
            for (k, v) in s {
                lossy_diffs(&format!("{path}.{k}"), v, o.get(k), out);
            }
            for (k, v) in o {
                if !s.contains_key(k) && !empty(v) {
                    out.push(format!("{path}.{k}: added {v}"));
                }
            }
        }
        (Value::Array(s), Some(Value::Array(o))) => {
            if s.len() != o.len() {
                out.push(format!("{path}: {} items became {}", s.len(), o.len()));
                return;
            }
            for (i, (a, b)) in s.iter().zip(o).enumerate() {
                lossy_diffs(&format!("{path}[{i}]"), a, Some(b), out);
            }
        }
        (Value::Number(a), Some(Value::Number(b))) if a.as_f64() == b.as_f64() => {}
        (s, Some(o)) if s == o => {}
        (s, Some(o)) => out.push(format!("{path}: {s} became {o}")),
    }
}

/// Decodes the server's `body` as `T`, re-encodes it and asserts nothing was lost.
fn check_lossless<T: Serialize + DeserializeOwned>(what: &str, body: &[u8]) -> T {
    let server: Value = serde_json::from_slice(body).unwrap();
    let typed: T = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "{what}: decoding as {}: {e}\n{server}",
            std::any::type_name::<T>()
        )
    });
    let ours = serde_json::to_value(&typed).unwrap();
    let mut diffs = Vec::new();
    lossy_diffs("", &server, Some(&ours), &mut diffs);
    assert!(
        diffs.is_empty(),
        "{what}: round trip through {} lost data:\n{}",
        std::any::type_name::<T>(),
        diffs.join("\n")
    );
    CHECKED.fetch_add(1, Ordering::Relaxed);
    let bytes = serde_json::to_vec(&typed).unwrap();
    if bytes == body.trim_ascii_end() {
        IDENTICAL.fetch_add(1, Ordering::Relaxed);
    } else if std::env::var_os("K8S_RS_SHOW_BYTE_DIFF").is_some() {
        let body = body.trim_ascii_end();
        let at = bytes.iter().zip(body).take_while(|(a, b)| a == b).count();
        let from = at.saturating_sub(80);
        eprintln!(
            "{what}: first byte difference at {at}:\n ours:   {}\n server: {}",
            String::from_utf8_lossy(&bytes[from..(at + 80).min(bytes.len())]),
            String::from_utf8_lossy(&body[from..(at + 80).min(body.len())])
        );
    }
    typed
}

/// Every field of `sent` is in `got` with the same value (the server may add defaults).
fn assert_subset(what: &str, path: &str, sent: &Value, got: &Value) {
    match (sent, got) {
        (Value::Object(s), Value::Object(g)) => {
            for (k, v) in s {
                match g.get(k) {
                    Some(gv) => assert_subset(what, &format!("{path}.{k}"), v, gv),
                    None => panic!("{what}: the server dropped {path}.{k} = {v}"),
                }
            }
        }
        (Value::Array(s), Value::Array(g)) => {
            // Admission may append (a pod's default not-ready/unreachable tolerations).
            assert!(s.len() <= g.len(), "{what}: {path}: sent {s:?}, got {g:?}");
            for (i, (a, b)) in s.iter().zip(g).enumerate() {
                assert_subset(what, &format!("{path}[{i}]"), a, b);
            }
        }
        (Value::Number(s), Value::Number(g)) => {
            assert_eq!(s.as_f64(), g.as_f64(), "{what}: {path}")
        }
        (s, g) => assert_eq!(s, g, "{what}: {path}"),
    }
}

struct Api {
    http: reqwest::Client,
    server: String,
}

impl Api {
    fn new(env: &TestEnv) -> Self {
        Api {
            http: k8s_rs_tests::admin_http(env.plane()).unwrap(),
            server: env.plane().server.clone(),
        }
    }

    fn collection<T: Resource>(&self, ns: Option<&str>) -> String {
        let base = if T::GROUP.is_empty() {
            format!("{}/api/{}", self.server, T::VERSION)
        } else {
            format!("{}/apis/{}/{}", self.server, T::GROUP, T::VERSION)
        };
        match (T::NAMESPACED, ns) {
            (true, Some(ns)) => format!("{base}/namespaces/{ns}/{}", T::PLURAL),
            _ => format!("{base}/{}", T::PLURAL),
        }
    }

    async fn request(&self, req: reqwest::RequestBuilder) -> (u16, Vec<u8>) {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.bytes().await.unwrap().to_vec())
    }

    /// Creates `obj` (strict field validation), checks the response and a GET of it round trip
    /// without loss and that everything we sent is kept. Returns the object read back.
    async fn create<T>(&self, ns: Option<&str>, obj: &T) -> T
    where
        T: Resource + Serialize + DeserializeOwned,
    {
        let what = format!("{} {}", T::KIND, ns.unwrap_or(""));
        let sent = serde_json::to_value(obj).unwrap();
        let url = format!("{}?fieldValidation=Strict", self.collection::<T>(ns));
        let (status, body) = self.request(self.http.post(&url).json(&sent)).await;
        assert!(
            (200..300).contains(&status),
            "{what}: POST {url}: {status}: {}\nsent: {sent}",
            String::from_utf8_lossy(&body)
        );
        let created: T = check_lossless(&format!("{what} (create)"), &body);
        let name = sent["metadata"]["name"].as_str().unwrap();
        let (status, body) = self
            .request(
                self.http
                    .get(format!("{}/{name}", self.collection::<T>(ns))),
            )
            .await;
        assert_eq!(
            status,
            200,
            "{what}: GET: {}",
            String::from_utf8_lossy(&body)
        );
        let read: T = check_lossless(&format!("{what} (get)"), &body);
        let got: Value = serde_json::from_slice(&body).unwrap();
        let mut sent = sent;
        if let Some(o) = sent.as_object_mut() {
            // The server owns status (controllers inside the apiserver fill a CRD's at once).
            o.remove("status");
            if T::KIND == "Secret" {
                // The server folds stringData into data.
                o.remove("stringData");
            }
        }
        assert_subset(&what, "", &sent, &got);
        drop(created);
        read
    }

    async fn delete<T: Resource>(&self, ns: Option<&str>, name: &str) {
        let (status, body) = self
            .request(
                self.http
                    .delete(format!("{}/{name}", self.collection::<T>(ns))),
            )
            .await;
        assert!(
            status == 200 || status == 202 || status == 404,
            "delete {} {name}: {status}: {}",
            T::KIND,
            String::from_utf8_lossy(&body)
        );
    }
}

fn meta(name: &str, ns: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string().into()),
        namespace: ns.map(str::to_string).map(Into::into),
        labels: Some(LiteMap::from_iter([("app".into(), name.into())])),
        annotations: Some(LiteMap::from_iter([(
            "k8s-rs.test/note".into(),
            "round trip".into(),
        )])),
        ..Default::default()
    }
}

fn typed<T: Resource + Default>() -> (Option<String>, Option<String>) {
    (Some(T::API_VERSION.to_string()), Some(T::KIND.to_string()))
}

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap()
}

fn labels(app: &str) -> Option<LiteMap<CompactString, CompactString>> {
    Some(LiteMap::from_iter([("app".into(), app.into())]))
}

fn pod_spec(app: &str) -> core::v1::PodSpec {
    use core::v1::*;
    PodSpec {
        containers: vec![Container {
            name: "main".into(),
            image: Some("registry.k8s.io/pause:3.10".into()),
            command: Some(vec!["/pause".into()]),
            env: Some(vec![
                EnvVar {
                    name: "MODE".into(),
                    value: Some("test".into()),
                    ..Default::default()
                },
                EnvVar {
                    name: "POD_NAME".into(),
                    value_from: Some(Box::new(EnvVarSource {
                        field_ref: Some(Box::new(ObjectFieldSelector {
                            field_path: "metadata.name".into(),
                            ..Default::default()
                        })),
                        ..Default::default()
                    })),
                    ..Default::default()
                },
            ]),
            ports: Some(vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
            resources: ResourceRequirements {
                limits: Some(LiteMap::from_iter([
                    ("cpu".into(), q("500m")),
                    ("memory".into(), q("64Mi")),
                ])),
                requests: Some(LiteMap::from_iter([("cpu".into(), q("100m"))])),
                ..Default::default()
            },
            readiness_probe: Some(Box::new(Probe {
                http_get: Some(Box::new(HTTPGetAction {
                    path: Some("/healthz".into()),
                    port: IntOrString::from("http"),
                    ..Default::default()
                })),
                period_seconds: Some(5),
                ..Default::default()
            })),
            liveness_probe: Some(Box::new(Probe {
                tcp_socket: Some(Box::new(TCPSocketAction {
                    port: IntOrString::from(8080),
                    ..Default::default()
                })),
                ..Default::default()
            })),
            security_context: Some(Box::new(SecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(65532),
                allow_privilege_escalation: Some(false),
                capabilities: Some(Box::new(Capabilities {
                    drop: Some(vec!["ALL".into()]),
                    ..Default::default()
                })),
                ..Default::default()
            })),
            volume_mounts: Some(vec![VolumeMount {
                name: "scratch".into(),
                mount_path: "/scratch".into(),
                ..Default::default()
            }]),
            ..Default::default()
        }],
        volumes: Some(vec![Volume {
            name: "scratch".into(),
            empty_dir: Some(Box::new(EmptyDirVolumeSource {
                size_limit: Some(q("1Gi")),
                ..Default::default()
            })),
            ..Default::default()
        }]),
        node_selector: Some(LiteMap::from_iter([(
            "kubernetes.io/os".into(),
            "linux".into(),
        )])),
        tolerations: Some(vec![Toleration {
            key: Some("example.com/dedicated".into()),
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Default::default()
        }]),
        termination_grace_period_seconds: Some(5),
        hostname: Some(app.to_string().into()),
        ..Default::default()
    }
}

fn template(app: &str) -> core::v1::PodTemplateSpec {
    core::v1::PodTemplateSpec {
        metadata: ObjectMeta {
            labels: labels(app),
            ..Default::default()
        },
        spec: pod_spec(app),
    }
}

fn selector(app: &str) -> LabelSelector {
    LabelSelector {
        match_labels: labels(app),
        ..Default::default()
    }
}

#[tokio::test]
async fn typed_objects_round_trip_through_the_server() {
    let env = TestEnv::new("api-typed").await.unwrap();
    let api = Api::new(&env);
    let ns = Some(env.namespace());

    // core/v1
    let (api_version, kind) = typed::<core::v1::ConfigMap>();
    api.create(
        ns,
        &core::v1::ConfigMap {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("settings", ns),
            data: Some(LiteMap::from_iter([("a.conf".into(), "x = 1\n".into())])),
            binary_data: Some(LiteMap::from_iter([(
                "blob".into(),
                ByteString(vec![0, 1, 2, 255]),
            )])),
            ..Default::default()
        },
    )
    .await;

    let (api_version, kind) = typed::<core::v1::Secret>();
    let secret = api
        .create(
            ns,
            &core::v1::Secret {
                api_version: api_version.map(Into::into),
                kind: kind.map(Into::into),
                metadata: meta("creds", ns),
                type_: Some("Opaque".into()),
                data: Some(LiteMap::from_iter([(
                    "password".into(),
                    ByteString::from("s3cr3t"),
                )])),
                string_data: Some(LiteMap::from_iter([("user".into(), "admin".into())])),
                ..Default::default()
            },
        )
        .await;
    let data = secret.data.unwrap();
    assert_eq!(data.get("password").unwrap().as_bytes(), b"s3cr3t");
    assert_eq!(
        data.get("user").unwrap().as_bytes(),
        b"admin",
        "stringData is folded into data"
    );

    let (api_version, kind) = typed::<core::v1::Pod>();
    let pod = api
        .create(
            ns,
            &core::v1::Pod {
                api_version: api_version.map(Into::into),
                kind: kind.map(Into::into),
                metadata: meta("web", ns),
                spec: pod_spec("web"),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(pod.status.phase.as_deref(), Some("Pending"));
    assert_eq!(
        pod.spec.containers[0]
            .resources
            .limits
            .as_ref()
            .unwrap()
            .get("cpu")
            .unwrap(),
        &q("500m")
    );

    let (api_version, kind) = typed::<core::v1::Service>();
    let svc = api
        .create(
            ns,
            &core::v1::Service {
                api_version: api_version.map(Into::into),
                kind: kind.map(Into::into),
                metadata: meta("web", ns),
                spec: core::v1::ServiceSpec {
                    selector: labels("web"),
                    ports: Some(vec![core::v1::ServicePort {
                        name: Some("http".into()),
                        port: 80,
                        target_port: Some(IntOrString::from("http")),
                        protocol: Some("TCP".into()),
                        ..Default::default()
                    }]),
                    type_: Some("ClusterIP".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await;
    assert!(
        svc.spec.cluster_ip.is_some(),
        "the server allocates a cluster IP"
    );

    let (api_version, kind) = typed::<core::v1::ServiceAccount>();
    api.create(
        ns,
        &core::v1::ServiceAccount {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("robot", ns),
            automount_service_account_token: Some(false),
            ..Default::default()
        },
    )
    .await;

    let (api_version, kind) = typed::<core::v1::PersistentVolumeClaim>();
    api.create(
        ns,
        &core::v1::PersistentVolumeClaim {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("data", ns),
            spec: core::v1::PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                resources: core::v1::VolumeResourceRequirements {
                    requests: Some(LiteMap::from_iter([("storage".into(), q("1Gi"))])),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;

    let (api_version, kind) = typed::<core::v1::Event>();
    api.create(
        ns,
        &core::v1::Event {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("web.1", ns),
            involved_object: core::v1::ObjectReference {
                kind: Some("Pod".into()),
                name: Some("web".into()),
                namespace: ns.map(str::to_string).map(Into::into),
                ..Default::default()
            },
            reason: Some("Tested".into()),
            message: Some("round trip".into()),
            type_: Some("Normal".into()),
            count: Some(1),
            ..Default::default()
        },
    )
    .await;

    // apps/v1
    let (api_version, kind) = typed::<apps::v1::Deployment>();
    let deploy = api
        .create(
            ns,
            &apps::v1::Deployment {
                api_version: api_version.map(Into::into),
                kind: kind.map(Into::into),
                metadata: meta("web", ns),
                spec: apps::v1::DeploymentSpec {
                    replicas: Some(2),
                    selector: selector("web"),
                    template: template("web"),
                    strategy: apps::v1::DeploymentStrategy {
                        type_: Some("RollingUpdate".into()),
                        rolling_update: Some(Box::new(apps::v1::RollingUpdateDeployment {
                            max_surge: Some(IntOrString::from("25%")),
                            max_unavailable: Some(IntOrString::from(0)),
                        })),
                    },
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await;
    assert_eq!(deploy.spec.replicas, Some(2));

    let (api_version, kind) = typed::<apps::v1::StatefulSet>();
    api.create(
        ns,
        &apps::v1::StatefulSet {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("db", ns),
            spec: apps::v1::StatefulSetSpec {
                service_name: Some("db".into()),
                selector: selector("db"),
                template: template("db"),
                volume_claim_templates: Some(vec![core::v1::PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some("data".into()),
                        ..Default::default()
                    },
                    spec: core::v1::PersistentVolumeClaimSpec {
                        access_modes: Some(vec!["ReadWriteOnce".into()]),
                        resources: core::v1::VolumeResourceRequirements {
                            requests: Some(LiteMap::from_iter([("storage".into(), q("2Gi"))])),
                            ..Default::default()
                        },
                        ..Default::default()
                    },
                    ..Default::default()
                }]),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;

    // batch/v1
    let job_spec = |app: &str| batch::v1::JobSpec {
        backoff_limit: Some(1),
        completions: Some(1),
        template: core::v1::PodTemplateSpec {
            metadata: ObjectMeta::default(),
            spec: core::v1::PodSpec {
                restart_policy: Some("Never".into()),
                ..pod_spec(app)
            },
        },
        ..Default::default()
    };
    let (api_version, kind) = typed::<batch::v1::Job>();
    api.create(
        ns,
        &batch::v1::Job {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("once", ns),
            spec: job_spec("once"),
            ..Default::default()
        },
    )
    .await;
    let (api_version, kind) = typed::<batch::v1::CronJob>();
    api.create(
        ns,
        &batch::v1::CronJob {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("nightly", ns),
            spec: batch::v1::CronJobSpec {
                schedule: "0 3 * * *".into(),
                time_zone: Some("Etc/UTC".into()),
                concurrency_policy: Some("Forbid".into()),
                job_template: batch::v1::JobTemplateSpec {
                    metadata: ObjectMeta {
                        labels: labels("nightly"),
                        ..Default::default()
                    },
                    spec: job_spec("nightly"),
                },
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;

    // networking/v1
    let (api_version, kind) = typed::<networking::v1::Ingress>();
    api.create(
        ns,
        &networking::v1::Ingress {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("web", ns),
            spec: networking::v1::IngressSpec {
                ingress_class_name: Some("nginx".into()),
                rules: Some(vec![networking::v1::IngressRule {
                    host: Some("web.example.com".into()),
                    http: Some(Box::new(networking::v1::HTTPIngressRuleValue {
                        paths: vec![networking::v1::HTTPIngressPath {
                            path: Some("/".into()),
                            path_type: "Prefix".into(),
                            backend: networking::v1::IngressBackend {
                                service: Some(Box::new(networking::v1::IngressServiceBackend {
                                    name: "web".into(),
                                    port: networking::v1::ServiceBackendPort {
                                        number: Some(80),
                                        ..Default::default()
                                    },
                                })),
                                ..Default::default()
                            },
                        }],
                    })),
                }]),
                tls: Some(vec![networking::v1::IngressTLS {
                    hosts: Some(vec!["web.example.com".into()]),
                    secret_name: Some("creds".into()),
                }]),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let (api_version, kind) = typed::<networking::v1::NetworkPolicy>();
    api.create(
        ns,
        &networking::v1::NetworkPolicy {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("deny", ns),
            spec: networking::v1::NetworkPolicySpec {
                pod_selector: selector("web"),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![networking::v1::NetworkPolicyIngressRule {
                    ports: Some(vec![networking::v1::NetworkPolicyPort {
                        port: Some(IntOrString::from(8080)),
                        protocol: Some("TCP".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        },
    )
    .await;

    // rbac/v1
    let (api_version, kind) = typed::<rbac::v1::Role>();
    api.create(
        ns,
        &rbac::v1::Role {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("reader", ns),
            rules: Some(vec![rbac::v1::PolicyRule {
                api_groups: Some(vec![String::new().into()]),
                resources: Some(vec!["pods".into(), "configmaps".into()]),
                verbs: vec!["get".into(), "list".into(), "watch".into()],
                ..Default::default()
            }]),
        },
    )
    .await;
    let (api_version, kind) = typed::<rbac::v1::RoleBinding>();
    api.create(
        ns,
        &rbac::v1::RoleBinding {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("reader", ns),
            role_ref: rbac::v1::RoleRef {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "Role".into(),
                name: "reader".into(),
            },
            subjects: Some(vec![rbac::v1::Subject {
                kind: "ServiceAccount".into(),
                name: "robot".into(),
                namespace: ns.map(str::to_string).map(Into::into),
                ..Default::default()
            }]),
        },
    )
    .await;

    // coordination/v1, events/v1: MicroTime fields.
    let now = MicroTime::now();
    let (api_version, kind) = typed::<coordination::v1::Lease>();
    let lease = api
        .create(
            ns,
            &coordination::v1::Lease {
                api_version: api_version.map(Into::into),
                kind: kind.map(Into::into),
                metadata: meta("leader", ns),
                spec: coordination::v1::LeaseSpec {
                    holder_identity: Some("me".into()),
                    lease_duration_seconds: Some(15),
                    acquire_time: Some(now),
                    renew_time: Some(now),
                    lease_transitions: Some(0),
                    ..Default::default()
                },
            },
        )
        .await;
    // The wire keeps microseconds (MicroTime::now() may hold nanoseconds).
    assert_eq!(
        serde_json::to_value(lease.spec.renew_time).unwrap(),
        serde_json::to_value(Some(now)).unwrap(),
        "MicroTime keeps microseconds"
    );
    let (api_version, kind) = typed::<events::v1::Event>();
    api.create(
        ns,
        &events::v1::Event {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("web.2", ns),
            event_time: Some(now),
            reporting_controller: Some("k8s-rs.test/roundtrip".into()),
            reporting_instance: Some("roundtrip-1".into()),
            action: Some("Testing".into()),
            reason: Some("Tested".into()),
            type_: Some("Normal".into()),
            note: Some("typed events.k8s.io/v1 event".into()),
            regarding: core::v1::ObjectReference {
                kind: Some("Pod".into()),
                name: Some("web".into()),
                namespace: ns.map(str::to_string).map(Into::into),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;

    // autoscaling/v2, policy/v1
    let (api_version, kind) = typed::<autoscaling::v2::HorizontalPodAutoscaler>();
    api.create(
        ns,
        &autoscaling::v2::HorizontalPodAutoscaler {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("web", ns),
            spec: autoscaling::v2::HorizontalPodAutoscalerSpec {
                scale_target_ref: autoscaling::v2::CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: "Deployment".into(),
                    name: "web".into(),
                },
                min_replicas: Some(1),
                max_replicas: 5,
                metrics: Some(vec![autoscaling::v2::MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(Box::new(autoscaling::v2::ResourceMetricSource {
                        name: "cpu".into(),
                        target: autoscaling::v2::MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(80),
                            ..Default::default()
                        },
                    })),
                    ..Default::default()
                }]),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let (api_version, kind) = typed::<policy::v1::PodDisruptionBudget>();
    api.create(
        ns,
        &policy::v1::PodDisruptionBudget {
            api_version: api_version.map(Into::into),
            kind: kind.map(Into::into),
            metadata: meta("web", ns),
            spec: policy::v1::PodDisruptionBudgetSpec {
                min_available: Some(IntOrString::from("50%")),
                selector: Some(Box::new(selector("web"))),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;

    eprintln!(
        "typed round trips: {} checked, {} byte-identical to the server's JSON",
        CHECKED.load(Ordering::Relaxed),
        IDENTICAL.load(Ordering::Relaxed)
    );
}

/// A CRD with a schema that exercises JSONSchemaProps' "or" types, int-or-string,
/// preserve-unknown-fields and embedded resources; then an object of it.
#[tokio::test]
async fn custom_resource_definition_round_trips() {
    use apiextensions::v1::*;
    let env = TestEnv::new("api-crd").await.unwrap();
    let api = Api::new(&env);
    let group = format!("{}.k8s-rs.test", env.namespace());
    let name = format!("widgets.{group}");
    let prop = |t: &str| JSONSchemaProps {
        type_: Some(t.into()),
        ..Default::default()
    };
    let spec_schema = JSONSchemaProps {
        type_: Some("object".into()),
        required: Some(vec!["size".into()]),
        properties: Some(LiteMap::from_iter([
            (
                "size".into(),
                JSONSchemaProps {
                    minimum: Some(1.0),
                    maximum: Some(10.0),
                    default: Some(json!(3)),
                    ..prop("integer")
                },
            ),
            (
                "port".into(),
                JSONSchemaProps {
                    x_kubernetes_int_or_string: Some(true),
                    ..Default::default()
                },
            ),
            (
                "tags".into(),
                JSONSchemaProps {
                    items: Some(Box::new(JSONSchemaPropsOrArray::Schema(prop("string")))),
                    x_kubernetes_list_type: Some("set".into()),
                    ..prop("array")
                },
            ),
            (
                "labels".into(),
                JSONSchemaProps {
                    additional_properties: Some(Box::new(JSONSchemaPropsOrBool::Schema(prop(
                        "string",
                    )))),
                    ..prop("object")
                },
            ),
            (
                "extra".into(),
                JSONSchemaProps {
                    x_kubernetes_preserve_unknown_fields: Some(true),
                    ..prop("object")
                },
            ),
            (
                "template".into(),
                JSONSchemaProps {
                    x_kubernetes_embedded_resource: Some(true),
                    x_kubernetes_preserve_unknown_fields: Some(true),
                    ..prop("object")
                },
            ),
            (
                "mode".into(),
                JSONSchemaProps {
                    enum_: Some(vec![json!("fast"), json!("slow")]),
                    ..prop("string")
                },
            ),
        ])),
        x_kubernetes_validations: Some(vec![ValidationRule {
            rule: "self.size <= 10".into(),
            message: Some("too big".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let crd = CustomResourceDefinition {
        api_version: Some(CustomResourceDefinition::API_VERSION.into()),
        kind: Some(CustomResourceDefinition::KIND.into()),
        metadata: meta(&name, None),
        spec: CustomResourceDefinitionSpec {
            group: group.clone().into(),
            names: CustomResourceDefinitionNames {
                plural: "widgets".into(),
                singular: Some("widget".into()),
                kind: "Widget".into(),
                list_kind: Some("WidgetList".into()),
                short_names: Some(vec!["wdg".into()]),
                ..Default::default()
            },
            scope: "Namespaced".into(),
            versions: vec![CustomResourceDefinitionVersion {
                name: "v1".into(),
                served: true,
                storage: true,
                schema: Some(Box::new(CustomResourceValidation {
                    open_apiv3_schema: Some(Box::new(JSONSchemaProps {
                        type_: Some("object".into()),
                        properties: Some(LiteMap::from_iter([("spec".into(), spec_schema)])),
                        ..Default::default()
                    })),
                })),
                subresources: Some(Box::new(CustomResourceSubresources {
                    status: Some(Box::new(CustomResourceSubresourceStatus::default())),
                    ..Default::default()
                })),
                additional_printer_columns: Some(vec![CustomResourceColumnDefinition {
                    name: "Size".into(),
                    type_: "integer".into(),
                    json_path: ".spec.size".into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    api.create(None, &crd).await;

    // Wait for Established, decoding the status each time.
    let url = format!(
        "{}/{name}",
        api.collection::<CustomResourceDefinition>(None)
    );
    let mut established = false;
    for _ in 0..100 {
        let (status, body) = api.request(api.http.get(&url)).await;
        assert_eq!(status, 200);
        let got: CustomResourceDefinition = check_lossless("CRD status", &body);
        established = got
            .status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(established, "CRD {name} not established");

    // An object of the new kind, as JSON (the CRD codegen path generates types for it).
    let obj = json!({
        "apiVersion": format!("{group}/v1"),
        "kind": "Widget",
        "metadata": {"name": "w1"},
        "spec": {"size": 2, "port": "http", "tags": ["a"], "extra": {"any": {"thing": [1]}},
                 "template": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}}
    });
    let url = format!(
        "{}/apis/{group}/v1/namespaces/{}/widgets",
        api.server,
        env.namespace()
    );
    let mut created = None;
    for _ in 0..50 {
        let (status, body) = api.request(api.http.post(&url).json(&obj)).await;
        if status == 404 {
            // Discovery of the new group lags behind Established for a moment.
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        assert!(
            (200..300).contains(&status),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        created = Some(serde_json::from_slice::<Value>(&body).unwrap());
        break;
    }
    let created = created.expect("the custom resource was never served");
    assert_eq!(created["spec"]["size"], 2);

    api.delete::<CustomResourceDefinition>(None, &name).await;
}

/// Every object the server lists, for every kind of the registry that can be listed, decodes
/// into our types (as items of the list type) and encodes back without loss.
#[tokio::test]
async fn every_listed_object_round_trips() {
    let env = TestEnv::new("api-list").await.unwrap();
    let api = Api::new(&env);
    // Make sure there is something beyond the bootstrap objects.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "v"}});
    let (status, _) = api
        .request(
            api.http
                .post(format!(
                    "{}/api/v1/namespaces/{}/configmaps",
                    api.server,
                    env.namespace()
                ))
                .json(&cm),
        )
        .await;
    assert_eq!(status, 201);

    let mut kinds_listed = 0;
    let mut objects = 0;
    let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
    for kind in k8s_api::registry::kinds() {
        if !kind.verbs.contains(&"list") {
            continue;
        }
        let Some(list_round_trip) = kind.list_round_trip else {
            continue;
        };
        let base = if kind.group.is_empty() {
            format!("{}/api/{}", api.server, kind.version)
        } else {
            format!("{}/apis/{}/{}", api.server, kind.group, kind.version)
        };
        let (status, body) = api
            .request(api.http.get(format!("{base}/{}", kind.plural)))
            .await;
        if status == 404 {
            continue; // not enabled on this server
        }
        assert_eq!(
            status,
            200,
            "list {}: {}",
            kind.plural,
            String::from_utf8_lossy(&body)
        );
        let server: Value = serde_json::from_slice(&body).unwrap();
        let ours = list_round_trip(server.clone())
            .unwrap_or_else(|e| panic!("decoding the {} list: {e}", kind.plural));
        let mut diffs = Vec::new();
        lossy_diffs("", &server, Some(&ours), &mut diffs);
        assert!(
            diffs.is_empty(),
            "{} list lost data:\n{}",
            kind.plural,
            diffs.join("\n")
        );
        // Each item on its own as well (with apiVersion/kind as a GET returns them).
        for item in server["items"].as_array().into_iter().flatten() {
            let mut item = item.clone();
            item["apiVersion"] = json!(kind.api_version);
            item["kind"] = json!(kind.kind);
            let ours = (kind.round_trip)(item.clone()).unwrap();
            let mut diffs = Vec::new();
            lossy_diffs("", &item, Some(&ours), &mut diffs);
            assert!(
                diffs.is_empty(),
                "{} {}: lost data:\n{}",
                kind.kind,
                item["metadata"]["name"],
                diffs.join("\n")
            );
            objects += 1;
        }
        kinds_listed += 1;
        per_kind.insert(
            format!("{}/{}", kind.api_version, kind.kind),
            server["items"].as_array().map_or(0, Vec::len),
        );
    }
    eprintln!("listed {kinds_listed} kinds, {objects} objects round-tripped without loss");
    eprintln!("{per_kind:?}");
    assert!(kinds_listed >= 40, "only {kinds_listed} kinds listed");
    assert!(objects >= 100, "only {objects} objects");
}

/// Each kind's plural, scope, verbs and subresources, as generated from the spec, are what the
/// server's discovery says; and every resource the server serves in a group/version we
/// generate has a kind.
#[tokio::test]
async fn resources_match_discovery() {
    let env = TestEnv::new("api-discovery").await.unwrap();
    let api = Api::new(&env);
    let kinds = k8s_api::registry::kinds();
    let gvs: BTreeSet<(&str, &str)> = kinds.iter().map(|k| (k.group, k.version)).collect();
    let mut compared = 0;
    for (group, version) in gvs {
        let url = if group.is_empty() {
            format!("{}/api/{version}", api.server)
        } else {
            format!("{}/apis/{group}/{version}", api.server)
        };
        let (status, body) = api.request(api.http.get(&url)).await;
        if status == 404 {
            continue;
        }
        let list: k8s_api::apimachinery::APIResourceList = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{url}: {e}: {}", String::from_utf8_lossy(&body)));
        let mut subresources: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in &list.resources {
            if let Some((plural, sub)) = r.name.split_once('/') {
                subresources.entry(plural).or_default().insert(sub);
            }
        }
        for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
            let kind = kinds
                .iter()
                .find(|k| k.group == group && k.version == version && k.plural == r.name)
                .unwrap_or_else(|| {
                    panic!(
                        "{url}: the server serves {} ({}) but we have no kind for it",
                        r.name, r.kind
                    )
                });
            assert_eq!(kind.kind, r.kind, "{url} {}", r.name);
            assert_eq!(kind.namespaced, r.namespaced, "{url} {} scope", r.name);
            let ours: BTreeSet<&str> = kind.verbs.iter().copied().collect();
            let theirs: BTreeSet<&str> = r.verbs.iter().map(String::as_str).collect();
            assert_eq!(ours, theirs, "{url} {} verbs", r.name);
            let ours: BTreeSet<&str> = kind.subresources.iter().copied().collect();
            let theirs = subresources
                .get(r.name.as_str())
                .cloned()
                .unwrap_or_default();
            assert_eq!(ours, theirs, "{url} {} subresources", r.name);
            compared += 1;
        }
    }
    eprintln!("{compared} resources match discovery");
    assert!(compared >= 50, "{compared}");
}

/// The list types implement `ListObject` and decode the server's lists.
#[tokio::test]
async fn list_objects_decode() {
    let env = TestEnv::new("api-listobj").await.unwrap();
    let api = Api::new(&env);
    let (status, body) = api
        .request(api.http.get(format!("{}/api/v1/namespaces", api.server)))
        .await;
    assert_eq!(status, 200);
    let list: core::v1::NamespaceList = check_lossless("namespaces", &body);
    assert!(list.list_meta().resource_version.is_some());
    let names: Vec<_> = list
        .items()
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    assert!(names.iter().any(|n| n == "default"), "{names:?}");
    assert!(names.iter().any(|n| n == env.namespace()));
    assert_eq!(list.into_items().len(), names.len());
}

/// The fixture CRD and the types generated from it (`crd/mod.rs`).
mod crd;

/// The CRD code generation round trip: apply the fixture CRD, create a `Widget` from the
/// generated types, read it back and re-encode it without loss.
#[tokio::test]
async fn generated_crd_types_round_trip() {
    use apiextensions::v1::CustomResourceDefinition;
    let env = TestEnv::new("api-gencrd").await.unwrap();
    let api = Api::new(&env);
    let crd: CustomResourceDefinition =
        serde_yaml::from_str(include_str!("crd/widget.yaml")).unwrap();
    let name = crd.metadata.name.clone().unwrap();
    // Shared by every run on this plane: create it unless it exists.
    let (status, body) = api
        .request(
            api.http
                .post(api.collection::<CustomResourceDefinition>(None))
                .json(&crd),
        )
        .await;
    assert!(
        status == 201 || status == 409,
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    let collection = api.collection::<crd::widget::v1::Widget>(Some(env.namespace()));
    let mut ready = false;
    for _ in 0..100 {
        let (status, _) = api.request(api.http.get(&collection)).await;
        if status == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "{name} never served");

    let ns = Some(env.namespace());
    let w = crd::widget::v1::Widget {
        api_version: Some(crd::widget::v1::Widget::API_VERSION.into()),
        kind: Some(crd::widget::v1::Widget::KIND.into()),
        metadata: meta("w1", ns),
        spec: Some(Box::new(crd::widget::v1::WidgetSpec {
            size: 3,
            replicas: Some(2),
            mode: Some("fast".into()),
            ratio: Some(0.5),
            enabled: Some(true),
            secret: Some(ByteString::from("hush")),
            labels: labels("w1"),
            ports: Some(vec![crd::widget::v1::WidgetSpecPorts {
                name: "http".into(),
                port: Some(IntOrString::from(8080)),
                limits: Some(Box::new(crd::widget::v1::WidgetSpecPortsLimits {
                    cpu: Some(IntOrString::from("500m")),
                })),
            }]),
            payload: Some(json!({"any": ["thing", 1, {"deep": true}]})),
            template: Some(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            ),
            ..Default::default()
        })),
        status: None,
    };
    let back = api.create(ns, &w).await;
    assert_eq!(
        back.spec
            .as_ref()
            .unwrap()
            .secret
            .as_ref()
            .unwrap()
            .as_bytes(),
        b"hush"
    );
    assert_eq!(back.spec, w.spec);
    // The list type decodes the server's list.
    let (status, body) = api.request(api.http.get(&collection)).await;
    assert_eq!(status, 200);
    let list: crd::widget::v1::WidgetList = check_lossless("WidgetList", &body);
    assert_eq!(list.items().len(), 1);
}
