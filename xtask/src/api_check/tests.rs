//! Tests of the api-check walk on the fixture's rustdoc JSON.

use super::*;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api-check")
}

fn fixture_json(name: &str) -> Value {
    let path = fixture_dir().join(name);
    let text = std::fs::read(&path).expect("fixture JSON");
    serde_json::from_slice(&text).expect("fixture JSON parses")
}

/// What the fixture with `leak` must report, as (kind, item, foreign item).
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "assoc_type",
        "api_check_fixture::LeakBound::Io",
        "hyper::rt::io::Read",
    ),
    (
        "function",
        "<api_check_fixture::Error as core::convert::From<hyper::error::Error>>::from",
        "hyper::error::Error",
    ),
    (
        "function",
        "api_check_fixture::Error::leak_method",
        "hyper::error::Error",
    ),
    (
        "function",
        "api_check_fixture::leak_hidden",
        "hyper::error::Error",
    ),
    (
        "function",
        "api_check_fixture::leak_return",
        "hyper::body::incoming::Incoming",
    ),
    (
        "impl",
        "impl core::convert::From<hyper::error::Error> for api_check_fixture::Error",
        "hyper::error::Error",
    ),
    (
        "struct_field",
        "api_check_fixture::LeakField::error",
        "hyper::error::Error",
    ),
    (
        "use",
        "api_check_fixture::LeakReexport (pub use hyper::body::Incoming)",
        "hyper::body::incoming::Incoming",
    ),
];

fn assert_expected(leaks: &[Leak]) {
    let got: BTreeSet<(&str, &str, &str)> = leaks
        .iter()
        .map(|l| (l.kind.as_str(), l.item.as_str(), l.foreign.as_str()))
        .collect();
    let want: BTreeSet<(&str, &str, &str)> = EXPECTED.iter().copied().collect();
    assert_eq!(got, want, "leaks:\n{leaks:#?}");
}

#[test]
fn reports_every_leak_of_the_fixture() {
    let leaks = leaks(&fixture_json("leaky.json")).expect("check");
    assert_expected(&leaks);
    let line = leaks
        .iter()
        .find(|l| l.kind == "struct_field")
        .expect("the field")
        .to_string();
    assert_eq!(
        line,
        "struct_field `api_check_fixture::LeakField::error` mentions struct `hyper::error::Error`"
    );
}

#[test]
fn reports_nothing_for_the_clean_fixture() {
    // Same crate without `leak`: it depends on hyper, uses it privately and re-exported
    // `http` types (`hyper::StatusCode`), and its JSON's `paths` still lists hyper items.
    let doc = fixture_json("clean.json");
    let hyper_paths = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .filter(|p| p["path"][0] == "hyper")
        .count();
    assert!(
        hyper_paths > 0,
        "the fixture no longer shows why `paths` alone is not enough"
    );
    assert_eq!(leaks(&doc).expect("check"), Vec::new());
}

#[test]
fn rejects_what_is_not_rustdoc_json() {
    let err = leaks(&serde_json::json!({"format_version": 99, "index": {}})).expect_err("no paths");
    assert!(err.to_string().contains("format_version 99"), "{err}");
}

#[test]
fn fails_instead_of_passing_when_the_format_changes() {
    // References renamed (`{"id": N}` → `{"target": N}`): nothing resolves any more.
    fn rename_ids(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let Some(id) = map.remove("id") {
                    map.insert("target".to_string(), id);
                }
                map.values_mut().for_each(rename_ids);
            }
            Value::Array(values) => values.iter_mut().for_each(rename_ids),
            _ => {}
        }
    }
    let mut doc = fixture_json("leaky.json");
    rename_ids(&mut doc["index"]);
    let err = leaks(&doc).expect_err("no reference resolves");
    assert!(err.to_string().contains("no type reference found"), "{err}");

    // `crate_id` renamed in `paths`.
    let mut doc = fixture_json("leaky.json");
    for summary in doc["paths"].as_object_mut().expect("paths").values_mut() {
        let crate_id = summary["crate_id"].take();
        summary["krate"] = crate_id;
    }
    let err = leaks(&doc).expect_err("no crate_id");
    assert!(err.to_string().contains("no crate_id"), "{err}");
}

#[test]
fn libraries_are_the_publishable_lib_targets() {
    let metadata = serde_json::json!({
        "target_directory": "/w/target",
        "workspace_members": ["a 0.1.0", "b 0.1.0", "c 0.1.0", "d 0.1.0"],
        "packages": [
            {"id": "a 0.1.0", "name": "k8s-a", "publish": null,
             "features": {"default": [], "alpha": [], "prometheus": ["dep:prometheus"]},
             "targets": [{"name": "k8s_a", "kind": ["lib"]}, {"name": "bench", "kind": ["bench"]}]},
            {"id": "b 0.1.0", "name": "private", "publish": [], "features": {},
             "targets": [{"name": "private", "kind": ["lib"]}]},
            {"id": "c 0.1.0", "name": "tool", "publish": null, "features": {},
             "targets": [{"name": "tool", "kind": ["bin"]}]},
            {"id": "d 0.1.0", "name": "k8s-d", "publish": ["crates-io"], "features": {},
             "targets": [{"name": "k8s-d", "kind": ["lib"]}]},
            {"id": "dep 1.0.0", "name": "dep", "publish": null, "features": {},
             "targets": [{"name": "dep", "kind": ["lib"]}]}
        ]
    });
    let (libraries, target) = libraries_of(&metadata).expect("libraries");
    assert_eq!(target, PathBuf::from("/w/target"));
    assert_eq!(
        libraries,
        vec![
            Library {
                package: "k8s-a".into(),
                crate_name: "k8s_a".into(),
                features: vec!["prometheus".into()],
            },
            Library {
                package: "k8s-d".into(),
                crate_name: "k8s_d".into(),
                features: vec![],
            },
        ]
    );
}

#[test]
fn the_workspace_libraries_are_checked() {
    let manifest = crate::codegen::workspace_root().join("Cargo.toml");
    let (libraries, _) = libraries(&manifest).expect("cargo metadata");
    let names: Vec<&str> = libraries.iter().map(|l| l.package.as_str()).collect();
    for expected in [
        "k8s-api",
        "k8s-apimachinery",
        "k8s-client",
        "k8s-informers",
        "k8s-workqueue",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    for unpublished in ["xtask", "k8s-rs-tests", "sample-controller", "k8s-rs-bench"] {
        assert!(!names.contains(&unpublished), "{unpublished} in {names:?}");
    }
}

/// Documents the fixture with nightly, with and without `leak` (slow the first time: hyper is
/// checked with nightly). `API_CHECK_BLESS=1` rewrites `clean.json`/`leaky.json`.
#[test]
#[ignore = "needs a nightly toolchain and builds the fixture's dependencies with it"]
fn fixture_end_to_end() {
    let manifest = fixture_dir().join("Cargo.toml");
    let (mut libraries, _) = libraries(&manifest).expect("cargo metadata");
    assert_eq!(libraries.len(), 1);
    assert_eq!(libraries[0].features, ["leak"]);
    let target_dir = crate::codegen::workspace_root()
        .join("target")
        .join(TARGET_SUBDIR);
    let json = target_dir.join("doc/api_check_fixture.json");
    let bless = std::env::var_os("API_CHECK_BLESS").is_some();

    libraries[0].features.clear();
    let results = check(&manifest, &libraries, &target_dir).expect("clean run");
    assert_eq!(results[0].1, Vec::new());
    if bless {
        write_trimmed(&json, &fixture_dir().join("clean.json"));
    }

    libraries[0].features = vec!["leak".to_string()];
    let results = check(&manifest, &libraries, &target_dir).expect("leaky run");
    assert_expected(&results[0].1);
    if bless {
        write_trimmed(&json, &fixture_dir().join("leaky.json"));
    }
}

/// Keeps what the check reads: the index (without spans: local file paths), the `paths` entries
/// the index refers to (plus a few of hyper's that nothing refers to, to show that `paths`
/// lists them anyway), and the external crates of those.
fn write_trimmed(from: &Path, to: &Path) {
    let text = std::fs::read(from).expect("rustdoc JSON");
    let mut doc: Value = serde_json::from_slice(&text).expect("parses");
    let mut referenced = Vec::new();
    referenced_ids(&doc["index"], &mut referenced);
    let index = doc["index"].as_object_mut().expect("index");
    for item in index.values_mut() {
        if let Some(item) = item.as_object_mut() {
            item.remove("span");
        }
    }
    let keep: HashSet<String> = index.keys().cloned().chain(referenced).collect();
    let mut unreferenced_hyper = 0;
    let paths = doc["paths"].as_object_mut().expect("paths");
    paths.retain(|id, summary| {
        if keep.contains(id) {
            return true;
        }
        let hyper = summary["path"][0] == "hyper" && unreferenced_hyper < 3;
        unreferenced_hyper += usize::from(hyper);
        hyper
    });
    let crates: HashSet<String> = paths
        .values()
        .filter_map(|p| p["crate_id"].as_u64())
        .map(|c| c.to_string())
        .collect();
    doc["external_crates"]
        .as_object_mut()
        .expect("external_crates")
        .retain(|id, krate| {
            // Local file paths: not ours to commit.
            if let Some(krate) = krate.as_object_mut() {
                krate.remove("path");
            }
            crates.contains(id)
        });
    if let Some(doc) = doc.as_object_mut() {
        doc.remove("target");
    }
    // One line per item: small, and a regenerated file diffs item by item.
    let compact = |v: &Value| serde_json::to_string(v).expect("serializes");
    let top = doc.as_object().expect("an object");
    let mut lines = Vec::new();
    for (i, (key, value)) in top.iter().enumerate() {
        let comma = if i + 1 < top.len() { "," } else { "" };
        match value.as_object().filter(|m| !m.is_empty()) {
            Some(entries) => {
                lines.push(format!("{}:{{", compact(&Value::from(key.as_str()))));
                for (j, (id, entry)) in entries.iter().enumerate() {
                    let comma = if j + 1 < entries.len() { "," } else { "" };
                    lines.push(format!(
                        "{}:{}{comma}",
                        compact(&Value::from(id.as_str())),
                        compact(entry)
                    ));
                }
                lines.push(format!("}}{comma}"));
            }
            None => lines.push(format!(
                "{}:{}{comma}",
                compact(&Value::from(key.as_str())),
                compact(value)
            )),
        }
    }
    let out = format!("{{\n{}\n}}\n", lines.join("\n"));
    serde_json::from_str::<Value>(&out).expect("the trimmed JSON parses");
    std::fs::write(to, out).expect("writing the trimmed JSON");
}
