//! A seeded corpus of objects and strategic merge patches.
//!
//! Originals are Pods, Deployments, Services, Nodes and ConfigMaps with the lists that matter
//! (containers, env, ports, volumes, volumeMounts, tolerations, finalizers, ownerReferences,
//! Service ports, Node conditions/addresses/podCIDRs). Patches are built by walking an
//! original with its schema from `k8s_api::patch_meta`: changed and deleted (`null`) fields,
//! merge-key list edits (update, add, `$patch: delete`, `$patch: replace`), primitive list
//! edits with `$deleteFromPrimitiveList`, `$setElementOrder` lists (right, partial, empty,
//! wrong), `$retainKeys`, `$patch` on objects, values of another type — and invalid
//! directives now and then (unknown `$patch` values, `$patch: merge` in lists, elements
//! without their merge key, malformed directive keys).

use k8s_api::patch_meta::{FieldMeta, PatchSchema, Shape};
use k8s_apimachinery::strategicpatch::PatchStrategy;
use serde_json::{Map, Value, json};

/// SplitMix64: small, seeded, reproducible everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with `percent`% probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// Up to `max` distinct items of `pool`, in random order.
    fn some<T: Clone>(&mut self, pool: &[T], max: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..pool.len()).collect();
        self.shuffle(&mut idx);
        let n = self.below(max.min(pool.len()) + 1);
        idx[..n].iter().map(|i| pool[*i].clone()).collect()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Originals.

const FINALIZERS: &[&str] = &["a.io/x", "b.io/y", "c", "d", "e"];
const NAMES: &[&str] = &["web", "log", "side", "proxy"];
const ENV: &[&str] = &["E1", "E2", "E3", "E4", "E5"];
const PORTS: &[u64] = &[80, 443, 8080, 9090];
const MOUNTS: &[&str] = &["/a", "/b", "/c", "/d"];
const VOLUMES: &[&str] = &["v1", "v2", "v3", "v4"];
const UIDS: &[&str] = &["u1", "u2", "u3"];
const LABELS: &[&str] = &["app", "tier", "team", "env"];
const WORDS: &[&str] = &["x", "y", "z", "one", "two"];

fn labels(rng: &mut Rng) -> Value {
    let mut m = Map::new();
    for k in rng.some(LABELS, 3) {
        m.insert(k.into(), json!(rng.pick(WORDS)));
    }
    Value::Object(m)
}

fn metadata(rng: &mut Rng) -> Value {
    let mut m = json!({"name": "obj", "namespace": "ns", "labels": labels(rng)});
    if rng.chance(70) {
        m["finalizers"] = json!(rng.some(FINALIZERS, 3));
    }
    if rng.chance(40) {
        let refs: Vec<Value> = rng
            .some(UIDS, 2)
            .into_iter()
            .map(|u| json!({"apiVersion": "v1", "kind": "Thing", "name": u, "uid": u}))
            .collect();
        m["ownerReferences"] = json!(refs);
    }
    if rng.chance(40) {
        m["annotations"] = labels(rng);
    }
    m
}

fn container(rng: &mut Rng, name: &str) -> Value {
    let mut c = json!({"name": name, "image": format!("{name}:{}", rng.below(3))});
    if rng.chance(50) {
        c["args"] = json!(rng.some(WORDS, 3));
    }
    if rng.chance(70) {
        let env: Vec<Value> = rng
            .some(ENV, 3)
            .into_iter()
            .map(|e| json!({"name": e, "value": rng.pick(WORDS)}))
            .collect();
        c["env"] = json!(env);
    }
    if rng.chance(70) {
        let ports: Vec<Value> = rng
            .some(PORTS, 2)
            .into_iter()
            .map(|p| {
                let mut port = json!({"containerPort": p});
                if rng.chance(60) {
                    port["protocol"] = json!(rng.pick(&["TCP", "UDP"]));
                }
                port
            })
            .collect();
        c["ports"] = json!(ports);
    }
    if rng.chance(60) {
        let mounts: Vec<Value> = rng
            .some(MOUNTS, 2)
            .into_iter()
            .map(|m| json!({"mountPath": m, "name": rng.pick(VOLUMES)}))
            .collect();
        c["volumeMounts"] = json!(mounts);
    }
    if rng.chance(50) {
        c["resources"] =
            json!({"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "50m"}});
    }
    c
}

fn pod_spec(rng: &mut Rng) -> Value {
    let mut names = rng.some(NAMES, 3);
    if names.is_empty() {
        names.push("web");
    }
    let containers: Vec<Value> = names.iter().map(|n| container(rng, n)).collect();
    let mut spec = json!({"containers": containers, "restartPolicy": "Always"});
    if rng.chance(30) {
        spec["initContainers"] = json!([container(rng, "init")]);
    }
    if rng.chance(70) {
        let volumes: Vec<Value> = rng
            .some(VOLUMES, 3)
            .into_iter()
            .map(|v| match rng.below(3) {
                0 => json!({"name": v, "configMap": {"name": "cm"}}),
                1 => json!({"name": v, "secret": {"secretName": "s"}}),
                _ => json!({"name": v, "emptyDir": {}}),
            })
            .collect();
        spec["volumes"] = json!(volumes);
    }
    if rng.chance(50) {
        let tolerations: Vec<Value> = (0..rng.below(3))
            .map(|i| json!({"key": format!("k{i}"), "operator": "Exists", "effect": "NoSchedule"}))
            .collect();
        spec["tolerations"] = json!(tolerations);
    }
    if rng.chance(40) {
        spec["nodeSelector"] = labels(rng);
    }
    if rng.chance(30) {
        let secrets: Vec<Value> = rng
            .some(WORDS, 2)
            .into_iter()
            .map(|n| json!({"name": n}))
            .collect();
        spec["imagePullSecrets"] = json!(secrets);
    }
    spec
}

fn pod(rng: &mut Rng) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata(rng), "spec": pod_spec(rng)})
}

fn deployment(rng: &mut Rng) -> Value {
    let strategy = if rng.chance(50) {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}})
    } else {
        json!({"type": "Recreate"})
    };
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(rng),
        "spec": {
            "replicas": rng.below(5),
            "selector": {"matchLabels": labels(rng)},
            "strategy": strategy,
            "template": {"metadata": {"labels": labels(rng)}, "spec": pod_spec(rng)}
        }
    })
}

fn service(rng: &mut Rng) -> Value {
    let mut ports: Vec<Value> = rng
        .some(&[80u64, 443, 8080], 3)
        .into_iter()
        .map(
            |p| json!({"port": p, "protocol": "TCP", "targetPort": p + 1, "name": format!("p{p}")}),
        )
        .collect();
    if rng.chance(20) {
        // Same port, two protocols: two elements with one merge key value.
        ports.push(json!({"port": 53, "protocol": "TCP", "name": "dns-tcp"}));
        ports.push(json!({"port": 53, "protocol": "UDP", "name": "dns-udp"}));
    }
    json!({
        "apiVersion": "v1", "kind": "Service", "metadata": metadata(rng),
        "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1", "selector": labels(rng), "ports": ports}
    })
}

fn node(rng: &mut Rng) -> Value {
    let conditions: Vec<Value> = rng
        .some(&["Ready", "MemoryPressure", "DiskPressure"], 3)
        .into_iter()
        .map(|t| json!({"type": t, "status": rng.pick(&["True", "False"])}))
        .collect();
    let addresses: Vec<Value> = rng
        .some(&["InternalIP", "Hostname", "ExternalIP"], 2)
        .into_iter()
        .map(|t| json!({"type": t, "address": rng.pick(WORDS)}))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Node", "metadata": metadata(rng),
        "spec": {
            "podCIDR": "10.1.0.0/24",
            "podCIDRs": rng.some(&["10.1.0.0/24", "fd00::/64", "10.2.0.0/24"], 2),
            "taints": (0..rng.below(3)).map(|i| json!({"key": format!("t{i}"), "effect": "NoSchedule"})).collect::<Vec<_>>()
        },
        "status": {
            "conditions": conditions,
            "addresses": addresses,
            "capacity": {"cpu": "4", "memory": "8Gi"},
            "images": [{"names": ["img:1", "img@sha256:00"], "sizeBytes": 100}]
        }
    })
}

fn config_map(rng: &mut Rng) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(rng),
        "data": labels(rng),
        "binaryData": {"b": "AAEC"}
    })
}

/// A random original of one of the kinds: (apiVersion, kind, object).
pub fn original(rng: &mut Rng) -> (&'static str, &'static str, Value) {
    match rng.below(10) {
        0..=3 => ("v1", "Pod", pod(rng)),
        4..=5 => ("apps/v1", "Deployment", deployment(rng)),
        6..=7 => ("v1", "Service", service(rng)),
        8 => ("v1", "Node", node(rng)),
        _ => ("v1", "ConfigMap", config_map(rng)),
    }
}

// ---------------------------------------------------------------------------------------
// Patches.

/// A new scalar: mostly a word, sometimes a number, a boolean or a float.
fn scalar(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(rng.below(100)),
        1 => json!(true),
        2 => json!(1.5),
        _ => json!(rng.pick(WORDS)),
    }
}

/// A new value of a shape (for keys the original lacks).
fn new_value(rng: &mut Rng, schema: Option<PatchSchema>, depth: usize) -> Value {
    let shape = schema.map(|s| s.shape()).unwrap_or(Shape::Scalar);
    if depth > 3 {
        return scalar(rng);
    }
    match shape {
        Shape::Struct => {
            let schema = schema.expect("struct has a schema");
            let fields: Vec<FieldMeta> = schema.fields().collect();
            let mut m = Map::new();
            for _ in 0..rng.below(3) {
                if fields.is_empty() || rng.chance(40) {
                    m.insert(rng.pick(WORDS).into(), scalar(rng));
                } else {
                    let f = rng.pick(&fields);
                    m.insert(
                        f.json_name().into(),
                        new_value(rng, Some(f.schema()), depth + 1),
                    );
                }
            }
            Value::Object(m)
        }
        Shape::List => {
            let elem = schema.and_then(|s| s.element());
            Value::Array(
                (0..rng.below(3))
                    .map(|_| new_value(rng, elem, depth + 1))
                    .collect(),
            )
        }
        Shape::Map | Shape::Opaque => {
            let mut m = Map::new();
            for k in rng.some(WORDS, 2) {
                m.insert(k.into(), scalar(rng));
            }
            Value::Object(m)
        }
        Shape::Scalar => scalar(rng),
    }
}

/// A patch for an object, walking it with its schema.
pub fn patch_object(
    rng: &mut Rng,
    original: &Map<String, Value>,
    schema: Option<PatchSchema>,
    depth: usize,
) -> Map<String, Value> {
    let mut patch = Map::new();
    let touch = if depth == 0 { 60 } else { 35 };
    for (key, value) in original {
        if key == "apiVersion" || key == "kind" || !rng.chance(touch) {
            continue;
        }
        let field = schema.and_then(|s| s.field(key));
        patch_field(rng, &mut patch, key, value, field, depth);
    }
    // New fields.
    if rng.chance(15) {
        let fields: Vec<FieldMeta> = schema.map(|s| s.fields().collect()).unwrap_or_default();
        if !fields.is_empty() && rng.chance(70) {
            let f = rng.pick(&fields);
            if !original.contains_key(f.json_name()) {
                let v = new_value(rng, Some(f.schema()), depth + 1);
                patch.insert(f.json_name().into(), v);
            }
        } else {
            patch.insert(format!("new{}", rng.below(3)), scalar(rng));
        }
    }
    // Directives on this object, now and then.
    if depth > 0 && rng.chance(3) {
        let directive = rng.pick(&["replace", "delete", "bogus"]);
        patch.insert("$patch".into(), json!(directive));
    }
    if rng.chance(1) {
        // Malformed or misdirected directive keys.
        match rng.below(4) {
            0 => patch.insert("$setElementOrder/bogus".into(), json!(["x"])),
            1 => patch.insert("$deleteFromPrimitiveList".into(), json!(["x"])),
            2 => patch.insert("$setElementOrderX/y".into(), json!([])),
            _ => patch.insert(
                "$retainKeys".into(),
                json!(original.keys().collect::<Vec<_>>()),
            ),
        };
    }
    patch
}

fn patch_field(
    rng: &mut Rng,
    patch: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    field: Option<FieldMeta>,
    depth: usize,
) {
    if rng.chance(10) {
        patch.insert(key.into(), Value::Null);
        return;
    }
    if rng.chance(3) {
        // A value of another type.
        let other = match value {
            Value::Object(_) => json!("not an object"),
            Value::Array(_) => json!({"not": "a list"}),
            _ => json!(["not", "a", "scalar"]),
        };
        patch.insert(key.into(), other);
        return;
    }
    match value {
        Value::Object(m) => {
            let sub = field.map(|f| f.schema());
            let mut p = patch_object(rng, m, sub, depth + 1);
            if field.is_some_and(|f| f.retain_keys()) && rng.chance(40) {
                // $retainKeys lists what the patch sets, plus some of the original (or,
                // now and then, forgets one it sets).
                let mut keys: Vec<String> = p
                    .iter()
                    .filter(|(k, v)| !v.is_null() && !k.starts_with('$'))
                    .map(|(k, _)| k.clone())
                    .collect();
                if rng.chance(15) {
                    keys.pop();
                }
                for k in m.keys() {
                    if rng.chance(50) && !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
                rng.shuffle(&mut keys);
                p.insert("$retainKeys".into(), json!(keys));
            }
            patch.insert(key.into(), Value::Object(p));
        }
        Value::Array(list) => {
            let meta = field.map(|f| f.patch_meta()).unwrap_or_default();
            let elem = field.and_then(|f| f.element());
            // Sometimes ignore the schema, as a client that gets it wrong.
            let merge = meta.strategy == PatchStrategy::Merge && !rng.chance(5);
            match (merge, meta.merge_key) {
                (true, Some(mk)) => patch_map_list(rng, patch, key, list, mk, elem, depth),
                (true, None) => patch_primitive_list(rng, patch, key, list),
                _ => {
                    let mut l = list.clone();
                    rng.shuffle(&mut l);
                    l.truncate(rng.below(l.len() + 1));
                    if rng.chance(30) {
                        l.push(new_value(rng, elem, depth + 1));
                    }
                    patch.insert(key.into(), Value::Array(l));
                }
            }
        }
        _ => {
            patch.insert(key.into(), scalar(rng));
        }
    }
}

/// A merge key value that may or may not exist in the list.
fn key_value(rng: &mut Rng, list: &[Value], mk: &str) -> Value {
    let existing: Vec<Value> = list.iter().filter_map(|e| e.get(mk).cloned()).collect();
    if !existing.is_empty() && rng.chance(50) {
        return rng.pick(&existing);
    }
    match existing.first() {
        Some(Value::Number(_)) => json!(rng.pick(&[80u64, 443, 8080, 9090, 53, 7000])),
        _ => json!(rng.pick(&[
            "web", "log", "new", "E1", "E6", "v1", "v9", "/a", "/z", "u1", "u9", "Ready",
            "Hostname"
        ])),
    }
}

fn patch_map_list(
    rng: &mut Rng,
    patch: &mut Map<String, Value>,
    key: &str,
    list: &[Value],
    mk: &str,
    elem: Option<PatchSchema>,
    depth: usize,
) {
    let mut items: Vec<Value> = Vec::new();
    for e in list {
        let Value::Object(m) = e else { continue };
        let Some(kv) = m.get(mk) else { continue };
        if rng.chance(35) {
            let mut p = patch_object(rng, m, elem, depth + 1);
            p.remove("$patch");
            p.insert(mk.into(), kv.clone());
            items.push(Value::Object(p));
        } else if rng.chance(12) {
            items.push(json!({mk: kv, "$patch": "delete"}));
        }
    }
    for _ in 0..rng.below(3) {
        let kv = key_value(rng, list, mk);
        let mut e = match list.first() {
            Some(Value::Object(m)) if rng.chance(60) => m.clone(),
            _ => Map::new(),
        };
        e.insert(mk.into(), kv);
        items.push(Value::Object(e));
    }
    if rng.chance(5) {
        items.push(json!({"$patch": "replace"}));
    }
    if rng.chance(3) {
        items.push(json!({"image": "no-merge-key"}));
    }
    if rng.chance(2) {
        items.push(json!({"$patch": "merge"}));
    }
    if rng.chance(2) {
        items.push(json!({mk: key_value(rng, list, mk), "$patch": rng.pick(&["bogus", "Delete"])}));
    }
    if rng.chance(3) {
        items.push(json!({mk: key_value(rng, list, mk), "$patch": "delete"}));
    }
    rng.shuffle(&mut items);
    let mentioned: Vec<Value> = items
        .iter()
        .filter(|i| i.get("$patch").is_none())
        .filter_map(|i| i.get(mk).cloned())
        .collect();
    let in_original: Vec<Value> = list.iter().filter_map(|e| e.get(mk).cloned()).collect();
    if rng.chance(30) {
        let order = element_order(rng, &mentioned, &in_original)
            .into_iter()
            .map(|v| json!({mk: v}))
            .collect();
        patch.insert(format!("$setElementOrder/{key}"), order_value(rng, order));
        if items.is_empty() && rng.chance(50) {
            return;
        }
    }
    patch.insert(key.into(), Value::Array(items));
}

fn patch_primitive_list(rng: &mut Rng, patch: &mut Map<String, Value>, key: &str, list: &[Value]) {
    let pool: Vec<Value> = list
        .iter()
        .cloned()
        .chain(["c", "new", "10.9.0.0/24", "a.io/x"].map(Value::from))
        .collect();
    let mut added: Vec<Value> = (0..rng.below(3)).map(|_| rng.pick(&pool)).collect();
    if rng.chance(5) {
        added.push(json!(7));
    }
    let deleted: Vec<Value> = if rng.chance(35) {
        (0..rng.below(3) + 1).map(|_| rng.pick(&pool)).collect()
    } else {
        Vec::new()
    };
    let only_delete = !deleted.is_empty() && rng.chance(50);
    if !deleted.is_empty() {
        let k = if rng.chance(4) {
            "$deleteFromPrimitiveList".to_string()
        } else {
            format!("$deleteFromPrimitiveList/{key}")
        };
        let v = if rng.chance(3) {
            json!("x")
        } else {
            json!(deleted)
        };
        patch.insert(k, v);
    }
    if rng.chance(25) {
        let order = element_order(rng, &added, list);
        patch.insert(format!("$setElementOrder/{key}"), order_value(rng, order));
    }
    if !only_delete {
        patch.insert(key.into(), json!(added));
    }
}

/// A `$setElementOrder` list: the mentioned values and the original's, in a random order
/// that keeps the patch's order (usually), sometimes without some of the original's, now and
/// then empty or contradicting the patch.
fn element_order(rng: &mut Rng, mentioned: &[Value], original: &[Value]) -> Vec<Value> {
    if rng.chance(4) {
        return Vec::new();
    }
    let mut order: Vec<Value> = mentioned.to_vec();
    for v in original {
        if !order.contains(v) && !rng.chance(15) {
            let at = rng.below(order.len() + 1);
            order.insert(at, v.clone());
        }
    }
    if rng.chance(6) {
        rng.shuffle(&mut order);
    }
    order
}

fn order_value(rng: &mut Rng, order: Vec<Value>) -> Value {
    if rng.chance(2) {
        json!("not a list")
    } else {
        Value::Array(order)
    }
}

/// A patch for an original of a kind.
pub fn patch(rng: &mut Rng, original: &Value, schema: PatchSchema) -> Value {
    let Value::Object(m) = original else {
        return json!({});
    };
    let mut p = patch_object(rng, m, Some(schema), 0);
    if rng.chance(1) {
        p.insert(
            "$patch".into(),
            json!(rng.pick(&["replace", "delete", "nope"])),
        );
    }
    Value::Object(p)
}
