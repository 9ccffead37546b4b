//! The deterministic input generator: Pods of ≈2 KB and ≈10 KB (with status and managedFields),
//! PodLists and a ≈1 MB ConfigMap, from a fixed seed. Every side reads the files written here
//! (`gen`), and the replay server renders its pods with the same functions.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

/// The namespace of every generated object.
pub const NAMESPACE: &str = "bench";

/// splitmix64: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(n);
        s
    }

    /// A lowercase word of 4–9 letters.
    pub fn word(&mut self) -> String {
        let len = 4 + self.below(6) as usize;
        (0..len)
            .map(|_| (b'a' + self.below(26) as u8) as char)
            .collect()
    }

    fn uid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Pod sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodSize {
    /// ≈2 KB of JSON.
    Small,
    /// ≈10 KB of JSON.
    Large,
}

impl PodSize {
    /// `2` or `10`.
    pub fn parse(kb: &str) -> Result<Self> {
        match kb {
            "2" | "2k" => Ok(PodSize::Small),
            "10" | "10k" => Ok(PodSize::Large),
            _ => anyhow::bail!("pod size must be 2 or 10 (KB), not {kb:?}"),
        }
    }
}

fn time(rng: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

/// The name of pod `i`.
pub fn pod_name(i: usize) -> String {
    format!("pod-{i:06}")
}

/// Pod `i` of the given size, with the given resourceVersion.
pub fn pod(i: usize, size: PodSize, resource_version: &str) -> Value {
    let mut rng = Rng::new(0x5EED_0000 ^ (i as u64).wrapping_mul(0x1000_0001));
    let digest = if size == PodSize::Small { 12 } else { 64 };
    let (containers, envs) = match size {
        PodSize::Small => (1, 0),
        PodSize::Large => (3, 12),
    };
    let app = rng.word();
    let hash = rng.hex(10);
    let created = time(&mut rng);
    let node = format!("node-{:03}", rng.below(500));
    let mut specs = Vec::new();
    let mut statuses = Vec::new();
    let mut spec_fields = serde_json::Map::new();
    let mut status_fields = serde_json::Map::new();
    for c in 0..containers {
        let name = if c == 0 { app.clone() } else { rng.word() };
        let env: Vec<Value> = (0..envs)
            .map(|_| {
                let name = rng.word().to_uppercase();
                let len = 12 + rng.below(20) as usize;
                json!({"name": name, "value": rng.hex(len)})
            })
            .collect();
        let image = format!(
            "registry.example/{}/{}:v1.{}.{}",
            app,
            name,
            rng.below(30),
            rng.below(10)
        );
        specs.push(json!({
            "name": name,
            "image": image,
            "args": ["--port=8080", format!("--log-level={}", rng.below(5))],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": env,
            "resources": {
                "limits": {"cpu": format!("{}m", 100 + rng.below(900)), "memory": format!("{}Mi", 64 + rng.below(960))},
                "requests": {"cpu": format!("{}m", 50 + rng.below(100)), "memory": format!("{}Mi", 32 + rng.below(64))}
            },
            "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent"
        }));
        statuses.push(json!({
            "name": name,
            "state": {"running": {"startedAt": time(&mut rng)}},
            "lastState": {},
            "ready": true,
            "restartCount": rng.below(3),
            "image": image,
            "imageID": format!("registry.example/{}@sha256:{}", name, rng.hex(digest)),
            "containerID": format!("containerd://{}", rng.hex(digest)),
            "started": true
        }));
        let mut env_fields = serde_json::Map::new();
        for e in specs[c]["env"].as_array().into_iter().flatten() {
            env_fields.insert(
                format!("k:{{\"name\":\"{}\"}}", e["name"].as_str().unwrap_or("")),
                json!({".": {}, "f:name": {}, "f:value": {}}),
            );
        }
        spec_fields.insert(
            format!("k:{{\"name\":\"{name}\"}}"),
            json!({".": {}, "f:args": {}, "f:env": Value::Object(env_fields), "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                   "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
                   "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}}}),
        );
        status_fields.insert(
            format!("k:{{\"name\":\"{name}\"}}"),
            json!({".": {}, "f:ready": {}, "f:restartCount": {}, "f:state": {}}),
        );
    }
    // The small pod keeps a summary of the spec's managed fields and no tolerations.
    let spec_fields = if size == PodSize::Small {
        json!({})
    } else {
        Value::Object(spec_fields)
    };
    let tolerations = if size == PodSize::Small {
        json!([])
    } else {
        json!([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}])
    };
    if size == PodSize::Small {
        for c in &mut specs {
            if let Some(c) = c.as_object_mut() {
                c.remove("volumeMounts");
                c.remove("args");
                c.remove("env");
            }
        }
    }
    let volumes = if size == PodSize::Small {
        json!([])
    } else {
        json!([{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}], "defaultMode": 420}}])
    };
    let ip = format!(
        "10.{}.{}.{}",
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    );
    let all = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    let conditions: Vec<Value> = all[if size == PodSize::Small { 3 } else { 0 }..]
        .iter()
        .map(|t| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": time(&mut rng)}))
        .collect();
    json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": pod_name(i),
            "generateName": format!("{app}-{hash}-"),
            "namespace": NAMESPACE,
            "uid": rng.uid(),
            "resourceVersion": resource_version,
            "creationTimestamp": created,
            "labels": {"app": app, "pod-template-hash": hash, "tier": rng.word()},
            "annotations": {"kubernetes.io/psp": "restricted", "example.com/revision": format!("{}", rng.below(100))},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{hash}"), "uid": rng.uid(), "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": created, "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {}},
                              "f:spec": {"f:containers": spec_fields}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": time(&mut rng), "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": Value::Object(status_fields), "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}}
            ]
        },
        "spec": {
            "volumes": volumes,
            "containers": specs,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": node,
            "schedulerName": "default-scheduler",
            "tolerations": tolerations,
            "priority": 0,
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority"
        },
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": format!("192.168.{}.{}", rng.below(256), 1 + rng.below(254)),
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": created,
            "containerStatuses": statuses,
            "qosClass": "Burstable"
        }
    })
}

/// A PodList of `n` pods (resourceVersions 1000 + i; list resourceVersion 1000 + n).
pub fn pod_list(n: usize, size: PodSize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| pod(i, size, &(1000 + i).to_string()))
        .collect();
    json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": (1000 + n).to_string()}, "items": items})
}

/// A ConfigMap of ≈1 MB: 64 keys of 16 KB each.
pub fn config_map_1m() -> Value {
    let mut rng = Rng::new(0xC0F1_6000);
    let data: serde_json::Map<String, Value> = (0..64)
        .map(|k| {
            (
                format!("file-{k:02}.txt"),
                Value::String(rng.hex(16 * 1024)),
            )
        })
        .collect();
    json!({"kind": "ConfigMap", "apiVersion": "v1",
           "metadata": {"name": "big-config", "namespace": NAMESPACE, "uid": rng.uid(), "resourceVersion": "42", "creationTimestamp": "2026-01-02T03:04:05Z"},
           "data": data})
}

/// Writes every input file into `dir`.
pub fn write_inputs(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    let small = pod(0, PodSize::Small, "1000");
    let large = pod(0, PodSize::Large, "1000");
    write("pod-2k.json", serde_json::to_vec(&small)?)?;
    write("pod-10k.json", serde_json::to_vec(&large)?)?;
    write("pod-10k.yaml", serde_yaml::to_string(&large)?.into_bytes())?;
    let list_1k = pod_list(1000, PodSize::Small);
    write("podlist-1k.json", serde_json::to_vec(&list_1k)?)?;
    write(
        "podlist-1k.yaml",
        serde_yaml::to_string(&list_1k)?.into_bytes(),
    )?;
    write(
        "podlist-10k.json",
        serde_json::to_vec(&pod_list(10_000, PodSize::Small))?,
    )?;
    write("configmap-1m.json", serde_json::to_vec(&config_map_1m())?)?;
    Ok(())
}
