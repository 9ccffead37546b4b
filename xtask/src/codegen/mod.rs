//! `cargo xtask codegen`: Rust types for the Kubernetes API from its OpenAPI v3 documents.
//!
//! ```text
//! cargo xtask codegen                  regenerate api/src/generated from the pinned v1.37.2 spec
//! cargo xtask codegen --check          fail if api/src/generated differs from what would be generated
//! cargo xtask codegen --spec DIR       read *_openapi.json from DIR instead
//! cargo xtask codegen --from-cluster   read /openapi/v3 from $KUBECONFIG's cluster (client certs)
//!                                      or the local control plane
//! cargo xtask codegen --out DIR        write somewhere else than api/src/generated (and skip
//!                                      the clientset and informer accessors)
//! cargo xtask codegen --crd FILE.yaml [--crd …] --out FILE.rs
//!                                      types of CustomResourceDefinitions, as one module file for
//!                                      a crate that depends on k8s-api, serde and serde_json
//! cargo xtask codegen --from-cluster --group G --out FILE.rs
//!                                      the same for a group the cluster serves (CRDs included)
//! ```
//!
//! Pipeline: documents ([`spec`]) → merged schemas + REST resources from the paths
//! ([`resources`]) + Go field order ([`goorder`]) → [`model`] → tokens ([`emit`]) → prettyplease →
//! rustfmt (so that `cargo fmt --check` agrees) → files. From the schemas and paths alone,
//! [`patchmeta`] writes k8s-api's strategic-merge-patch table (`patch_meta.rs`: patch strategies,
//! merge keys, list and map types of every type a served kind reaches). From the same model,
//! [`served`] finds the
//! served group/versions and renders k8s-client's typed clientset ([`clientset`],
//! `client/src/generated/`), k8s-informers' factory accessors ([`informers`]) and listers'
//! namespace accessors ([`listers`], both `informers/src/generated/`).

mod clientset;
mod crd;
mod emit;
mod goorder;
mod informers;
mod listers;
mod model;
mod names;
mod patchmeta;
mod resources;
mod served;
mod spec;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use spec::{Document, Schema};

const USAGE: &str = "usage: cargo xtask codegen [--spec DIR | --from-cluster] [--out DIR] [--check]
                            [--go-version vX.Y.Z] [--no-gate]
       cargo xtask codegen --crd FILE.yaml [--crd FILE.yaml …] [--out FILE.rs] [--check]
       cargo xtask codegen --from-cluster --group GROUP [--out FILE.rs] [--check]";

/// Modules of the Go sources that hold the API types (for the JSON field order).
const GO_MODULES: &[&str] = &[
    "k8s.io/api",
    "k8s.io/apiextensions-apiserver",
    "k8s.io/kube-aggregator",
];

#[derive(Debug, Default)]
struct Args {
    spec: Option<PathBuf>,
    from_cluster: bool,
    out: Option<PathBuf>,
    check: bool,
    go_version: Option<String>,
    no_gate: bool,
    crds: Vec<PathBuf>,
    group: Option<String>,
}

fn parse_args(args: &[&str]) -> Result<Args> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .map(|v| v.to_string())
                .with_context(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match *arg {
            "--spec" => out.spec = Some(PathBuf::from(value("--spec")?)),
            "--from-cluster" => out.from_cluster = true,
            "--out" => out.out = Some(PathBuf::from(value("--out")?)),
            "--check" => out.check = true,
            "--go-version" => out.go_version = Some(value("--go-version")?),
            "--no-gate" => out.no_gate = true,
            "--crd" => out.crds.push(PathBuf::from(value("--crd")?)),
            "--group" => out.group = Some(value("--group")?),
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if out.spec.is_some() && out.from_cluster {
        bail!("--spec and --from-cluster exclude each other\n\n{USAGE}");
    }
    if !out.crds.is_empty() && (out.spec.is_some() || out.from_cluster) {
        bail!("--crd excludes --spec and --from-cluster\n\n{USAGE}");
    }
    if out.group.is_some() && !out.from_cluster {
        bail!("--group goes with --from-cluster\n\n{USAGE}");
    }
    Ok(out)
}

/// The workspace root (xtask's parent directory).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `v1.37.2` → `v0.37.2` (the staging modules' version of a Kubernetes release).
fn staging_version(kubernetes: &str) -> Option<String> {
    let rest = kubernetes.strip_prefix("v1.")?;
    let core: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (core.split('.').count() == 2).then(|| format!("v0.{core}"))
}

pub async fn run(args: &[&str]) -> Result<()> {
    let args = parse_args(args)?;
    if !args.crds.is_empty() {
        let mut crds = Vec::new();
        for path in &args.crds {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            crds.extend(crd::parse_crds(&text).with_context(|| path.display().to_string())?);
        }
        let names: Vec<String> = args.crds.iter().map(|p| p.display().to_string()).collect();
        let text = generate_crds(&crds, &names.join(", "))?;
        return single_output(&args, &text);
    }
    let pinned = k8s_testenv::KUBERNETES_VERSION;
    let (docs, kubernetes_version) = if args.from_cluster {
        spec::load_cluster().await?
    } else if let Some(dir) = &args.spec {
        (spec::load_dir(dir)?, pinned.to_string())
    } else {
        let k8s = spec::go_module_dir("k8s.io/kubernetes", pinned)?;
        (
            spec::load_dir(&k8s.join("api/openapi-spec/v3"))?,
            pinned.to_string(),
        )
    };
    let go_version = match &args.go_version {
        Some(v) => Some(v.clone()),
        None => staging_version(&kubernetes_version),
    };
    // The pinned spec must find its Go sources (CI compares the output); other sources fall
    // back to the OpenAPI (alphabetical) order.
    let strict = args.spec.is_none() && !args.from_cluster;
    if let Some(group) = &args.group {
        let prefix = format!("apis__{group}__");
        let docs: BTreeMap<String, Document> = docs
            .into_iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .collect();
        if docs.is_empty() {
            bail!("the cluster serves no group {group:?}");
        }
        let model = build_model(&docs, go_version.as_deref(), false)?;
        let title = format!(
            "Types of the API group `{group}` as served by the cluster (Kubernetes {kubernetes_version})."
        );
        let text = rustfmt(&emit::render_single(
            &model,
            &emit::Options::standalone(),
            &title,
        )?)?;
        return single_output(&args, &text);
    }
    let model = build_model(&docs, go_version.as_deref(), strict)?;
    let opts = emit::Options {
        gate_prerelease: !args.no_gate,
        ..emit::Options::default()
    };
    let files = render_api(&model, &docs, &opts)?;
    let types: usize = files
        .values()
        .map(|f| f.matches("\npub struct ").count())
        .sum();
    let mut outputs = vec![(
        args.out
            .clone()
            .unwrap_or_else(|| workspace_root().join("api/src/generated")),
        files,
    )];
    // The clientset and the informer accessors go with the workspace's own k8s-api only.
    if args.out.is_none() {
        let rendered = served::render(&model, &opts)?;
        let root = workspace_root();
        outputs.push((
            root.join("client/src/generated"),
            format_all(rendered.client)?,
        ));
        outputs.push((
            root.join("informers/src/generated"),
            format_all(rendered.informers)?,
        ));
    }
    if args.check {
        let mut stale = Vec::new();
        for (dir, files) in &outputs {
            let names = diff(dir, files)?;
            if !names.is_empty() {
                stale.push(format!("{} ({})", dir.display(), names.join(", ")));
            }
        }
        if !stale.is_empty() {
            bail!(
                "out of date: {}; run `cargo xtask codegen`",
                stale.join("; ")
            );
        }
        for (dir, files) in &outputs {
            println!("{} is up to date ({} files)", dir.display(), files.len());
        }
        return Ok(());
    }
    for (i, (dir, files)) in outputs.iter().enumerate() {
        let changed = write(dir, files)?;
        if i == 0 {
            println!(
                "generated {} files ({} structs) in {} from Kubernetes {}; {} changed",
                files.len(),
                types,
                dir.display(),
                kubernetes_version,
                changed
            );
        } else {
            println!(
                "generated {} files in {}; {} changed",
                files.len(),
                dir.display(),
                changed
            );
        }
    }
    Ok(())
}

/// Writes (or with `--check` compares) a single generated file: `--out`, or stdout.
fn single_output(args: &Args, text: &str) -> Result<()> {
    match &args.out {
        Some(path) if args.check => {
            if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
                bail!(
                    "{} is out of date; run the same command without --check",
                    path.display()
                );
            }
            println!("{} is up to date", path.display());
        }
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// CRDs → one formatted module file.
fn generate_crds(crds: &[serde_json::Value], source: &str) -> Result<String> {
    let (schemas, resources) = crd::crd_inputs(crds)?;
    let model = model::Model::build(&schemas, &resources, &goorder::GoOrder::default())?;
    let title = format!("Types of CustomResourceDefinitions, generated from `{source}`.");
    rustfmt(&emit::render_single(
        &model,
        &emit::Options::standalone(),
        &title,
    )?)
}

/// Documents → formatted files (relative path → content).
#[cfg(test)]
fn generate(
    docs: &BTreeMap<String, Document>,
    go_version: Option<&str>,
    strict: bool,
    gate: bool,
) -> Result<BTreeMap<String, String>> {
    let model = build_model(docs, go_version, strict)?;
    let opts = emit::Options {
        gate_prerelease: gate,
        ..emit::Options::default()
    };
    render_api(&model, docs, &opts)
}

/// The model → k8s-api's formatted files (relative path → content); with the registry (k8s-api
/// itself), also the patch metadata table of the documents' schemas.
fn render_api(
    model: &model::Model,
    docs: &BTreeMap<String, Document>,
    opts: &emit::Options,
) -> Result<BTreeMap<String, String>> {
    let mut files = emit::render(model, opts)?;
    if opts.registry {
        let ops: Vec<_> = docs.values().flat_map(Document::operations).collect();
        files.insert(
            "patch_meta.rs".to_string(),
            patchmeta::render(&merge_schemas(docs)?, &ops)?,
        );
    }
    format_all(files)
}

/// Formats every file with rustfmt.
fn format_all(files: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    files
        .into_iter()
        .map(|(path, text)| {
            let text = rustfmt(&text).with_context(|| format!("formatting {path}"))?;
            Ok((path, text))
        })
        .collect()
}

/// Documents → the model (schemas merged, resources from the paths, Go field order).
fn build_model(
    docs: &BTreeMap<String, Document>,
    go_version: Option<&str>,
    strict: bool,
) -> Result<model::Model> {
    let schemas = merge_schemas(docs)?;
    let ops: Vec<_> = docs.values().flat_map(Document::operations).collect();
    let resources = resources::resources(&ops)?;

    let packages: Vec<String> = schemas
        .keys()
        .filter(|id| model::machinery_type(id).is_none())
        .filter_map(|id| model::split_schema_name(id).map(|(p, _)| p.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut module_dirs = BTreeMap::new();
    if let Some(version) = go_version {
        for module in GO_MODULES {
            match spec::go_module_dir(module, version) {
                Ok(dir) => {
                    module_dirs.insert(module.to_string(), dir);
                }
                Err(e) if !strict => {
                    eprintln!(
                        "warning: no Go sources of {module}@{version} ({e:#}); fields keep the OpenAPI order"
                    );
                }
                Err(e) => return Err(e),
            }
        }
    }
    let go = goorder::GoOrder::load(&packages, &module_dirs)?;
    let missing: Vec<&String> = packages.iter().filter(|p| !go.has_package(p)).collect();
    if !missing.is_empty() {
        if strict {
            bail!("no Go sources for {missing:?}");
        }
        eprintln!("warning: no Go sources for {missing:?}; their fields keep the OpenAPI order");
    }

    model::Model::build(&schemas, &resources, &go)
}

/// All schemas of all documents; a schema that two documents define differently is an error,
/// except apimachinery's (their GVK lists differ per document, and they are not generated).
fn merge_schemas(docs: &BTreeMap<String, Document>) -> Result<BTreeMap<String, Schema>> {
    let mut out: BTreeMap<String, Schema> = BTreeMap::new();
    for (file, doc) in docs {
        for (id, schema) in &doc.components.schemas {
            match out.get(id) {
                Some(existing) if existing != schema && model::machinery_type(id).is_none() => {
                    bail!("schema {id} differs between documents (second in {file})")
                }
                Some(_) => {}
                None => {
                    out.insert(id.clone(), schema.clone());
                }
            }
        }
    }
    Ok(out)
}

/// Formats Rust source with rustfmt (edition 2024, the workspace's settings).
fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .arg("--config-path")
        .arg(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (rustup component add rustfmt)")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer thread panicked"))??;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Every `.rs` file under `dir`, relative, with `/` separators.
fn existing_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, path);
            }
        }
    }
    Ok(out)
}

/// Relative paths that differ between `dir` and `files` (missing, changed or extra).
fn diff(dir: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let existing = existing_files(dir)?;
    let mut stale = Vec::new();
    for (rel, text) in files {
        match existing.get(rel) {
            Some(p) if std::fs::read_to_string(p).ok().as_deref() == Some(text.as_str()) => {}
            _ => stale.push(rel.clone()),
        }
    }
    stale.extend(existing.keys().filter(|k| !files.contains_key(*k)).cloned());
    Ok(stale)
}

/// Writes `files` under `dir`, removes `.rs` files it no longer generates; returns how many
/// files changed.
fn write(dir: &Path, files: &BTreeMap<String, String>) -> Result<usize> {
    let existing = existing_files(dir)?;
    let mut changed = 0;
    for (rel, text) in files {
        let path = dir.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        changed += 1;
    }
    for (rel, path) in existing {
        if !files.contains_key(&rel) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            changed += 1;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_versions() {
        assert_eq!(staging_version("v1.37.2").as_deref(), Some("v0.37.2"));
        assert_eq!(staging_version("v1.30.0-rc.1").as_deref(), Some("v0.30.0"));
        assert_eq!(staging_version("2.0"), None);
    }

    #[test]
    fn args_parse() {
        let a = parse_args(&["--spec", "/x", "--check"]).unwrap();
        assert_eq!(a.spec, Some(PathBuf::from("/x")));
        assert!(a.check);
        assert!(parse_args(&["--spec"]).is_err());
        assert!(parse_args(&["--spec", "/x", "--from-cluster"]).is_err());
        assert!(parse_args(&["--bogus"]).is_err());
    }

    /// A small document through the whole pipeline, twice: same bytes.
    #[test]
    fn generation_is_deterministic_and_formatted() {
        let doc: Document = serde_json::from_value(serde_json::json!({
            "paths": {
                "/apis/example.com/v1/namespaces/{namespace}/widgets": {
                    "get": {"x-kubernetes-action": "list", "x-kubernetes-group-version-kind": {"group": "example.com", "version": "v1", "kind": "Widget"}},
                    "post": {"x-kubernetes-action": "post", "x-kubernetes-group-version-kind": {"group": "example.com", "version": "v1", "kind": "Widget"}}
                },
                "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status": {
                    "get": {"x-kubernetes-action": "get", "x-kubernetes-group-version-kind": {"group": "example.com", "version": "v1", "kind": "Widget"}}
                }
            },
            "components": {"schemas": {
                "io.k8s.api.example.v1.Widget": {
                    "description": "A widget. See [docs](https://example.com).",
                    "type": "object",
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}},
                        "size": {"type": "integer", "format": "int32", "description": "How big."}
                    },
                    "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Widget"}]
                }
            }}
        }))
        .unwrap();
        let docs = BTreeMap::from([("apis__example.com__v1_openapi.json".to_string(), doc)]);
        let a = generate(&docs, None, false, true).unwrap();
        let b = generate(&docs, None, false, true).unwrap();
        assert_eq!(a, b);
        let v1 = &a["example/v1.rs"];
        assert!(v1.starts_with(emit::HEADER), "{v1}");
        assert!(v1.contains("pub struct Widget {"), "{v1}");
        assert!(
            v1.contains("const PLURAL: &'static str = \"widgets\";"),
            "{v1}"
        );
        assert!(
            v1.contains("const VERBS: &'static [&'static str] = &[\"create\", \"list\"];"),
            "{v1}"
        );
        assert!(
            v1.contains("const SUBRESOURCES: &'static [&'static str] = &[\"status\"];"),
            "{v1}"
        );
        assert!(
            v1.contains("impl k8s_apimachinery::Object for Widget"),
            "{v1}"
        );
        assert!(v1.contains("pub size: Option<i32>,"), "{v1}");
        assert!(a["mod.rs"].contains("pub mod example;"));
        // rustfmt leaves the output alone.
        assert_eq!(&rustfmt(v1).unwrap(), v1);

        // The clientset and the informer accessors of the same model.
        let model = build_model(&docs, None, false).unwrap();
        let opts = emit::Options::default();
        let cs = format_all(served::render(&model, &opts).unwrap().client).unwrap();
        let again = format_all(served::render(&model, &opts).unwrap().client).unwrap();
        assert_eq!(cs, again);
        let text = &cs["clientset.rs"];
        assert!(text.starts_with(emit::HEADER), "{text}");
        assert!(text.contains("pub fn example_v1(&self)"), "{text}");
        assert!(
            text.contains(
                "pub fn widgets(&self, namespace: &str) -> crate::Api<k8s_api::example::v1::Widget>"
            ),
            "{text}"
        );
        let informers = format_all(served::render(&model, &opts).unwrap().informers).unwrap();
        // Widgets can't be watched: no informer, so no group either.
        assert!(!informers["factory.rs"].contains("example_v1"));
    }

    /// The committed CRD fixture output is what the generator makes of the fixture CRD.
    #[test]
    fn crd_fixture_is_up_to_date() {
        let root = workspace_root();
        let yaml = std::fs::read_to_string(root.join("tests/tests/crd/widget.yaml")).unwrap();
        let crds = crd::parse_crds(&yaml).unwrap();
        let text = generate_crds(&crds, "tests/tests/crd/widget.yaml").unwrap();
        let committed = std::fs::read_to_string(root.join("tests/tests/crd/widget.rs")).unwrap();
        assert!(
            text == committed,
            "tests/tests/crd/widget.rs is stale: cargo xtask codegen --crd tests/tests/crd/widget.yaml --out tests/tests/crd/widget.rs"
        );
    }
}
