//! Benchmarks of the hot paths: Quantity parsing, label-selector matching, ObjectMeta decoding.
//!
//! Run with `cargo bench -p k8s-apimachinery`.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_apimachinery::selector::Selector;
use k8s_apimachinery::{ObjectMeta, Quantity};

fn quantity(c: &mut Criterion) {
    let mut g = c.benchmark_group("quantity_parse");
    for input in [
        "100m",
        "1Gi",
        "1.5Gi",
        "250000000n",
        "12345678901234567",
        "1e3",
    ] {
        g.bench_function(input, |b| b.iter(|| black_box(input).parse::<Quantity>()));
    }
    g.finish();
    let q: Quantity = "1536Mi".parse().unwrap_or_default();
    c.bench_function("quantity_canonical_1536Mi", |b| {
        b.iter(|| black_box(&q).canonical())
    });
}

fn selector(c: &mut Criterion) {
    let labels: BTreeMap<String, String> = [
        ("app", "web"),
        ("tier", "frontend"),
        ("env", "prod"),
        ("version", "42"),
        ("app.kubernetes.io/name", "shop"),
        ("pod-template-hash", "5d8f9c7b6"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let sel: Selector = "app=web,tier in (frontend,backend),env!=dev,!canary,version>10"
        .parse()
        .unwrap_or_default();
    c.bench_function("label_selector_match_5_reqs", |b| {
        b.iter(|| black_box(&sel).matches(black_box(&labels)))
    });
    c.bench_function("label_selector_parse_5_reqs", |b| {
        b.iter(|| {
            black_box("app=web,tier in (frontend,backend),env!=dev,!canary,version>10")
                .parse::<Selector>()
        })
    });
}

const META: &str = r#"{"name":"web-5d8f9c7b6-x2kqz","generateName":"web-5d8f9c7b6-","namespace":"prod","uid":"9d098f29-cc6c-44c0-830d-9b452afe901a","resourceVersion":"1773421","creationTimestamp":"2026-01-02T03:04:05Z","labels":{"app":"web","pod-template-hash":"5d8f9c7b6","tier":"frontend"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-01-01T00:00:00Z"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d8f9c7b6","uid":"1f1e1d1c-0000-4000-8000-000000000001","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"1f1e1d1c-0000-4000-8000-000000000001\"}":{}}}}}]}"#;

fn object_meta(c: &mut Criterion) {
    let bytes = META.as_bytes();
    c.bench_function("object_meta_decode", |b| {
        b.iter(|| serde_json::from_slice::<ObjectMeta>(black_box(bytes)))
    });
    let meta: ObjectMeta = serde_json::from_slice(bytes).unwrap_or_default();
    c.bench_function("object_meta_encode", |b| {
        b.iter(|| serde_json::to_vec(black_box(&meta)))
    });
}

criterion_group!(benches, quantity, selector, object_meta);
criterion_main!(benches);
