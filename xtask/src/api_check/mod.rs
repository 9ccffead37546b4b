//! `cargo xtask api-check`: no type of the HTTP stack under k8s-client (the crates of
//! [`FORBIDDEN_CRATES`]: reqwest, hyper, hyper-util, h2) appears in the public API of a library
//! crate of the workspace. Those crates are implementation details: a public signature naming one
//! of them would tie our semver to theirs and stop us from replacing them. (The neutral vocabulary
//! they share, `http`, `http-body`, `bytes`, `url`, is allowed: `reqwest::StatusCode` *is*
//! `http::StatusCode`, so it counts as `http`'s, where it is defined.)
//!
//! # Which crates
//!
//! Every workspace package with a library target that may be published (`publish` not `false`),
//! from `cargo metadata`: a new library crate (k8s-controller, k8s-testenv, …) is checked as soon
//! as it is a workspace member. Each is documented with all its features except those of
//! [`SKIPPED_FEATURES`] (`alpha`/`beta` only add pre-release API versions from the same generator
//! as the default ones, and would double the time of the largest crate).
//!
//! # How: rustdoc JSON, walked item by item
//!
//! `cargo +nightly rustdoc --lib -Z unstable-options --output-format json` (the format is
//! unstable, hence nightly) writes `doc/CRATE.json`: the
//! crate's public API exactly as rustdoc resolves it — every reachable public item (through
//! re-exports, and `#[doc(hidden)]` ones too with `--document-hidden-items`: still callable, so
//! still API), with its signature as structured types, each type path resolved to an item id.
//! Private items, private fields, `pub(crate)` items, public items of private modules that are
//! not re-exported, and function bodies are not in it. The check walks the `inner` of every
//! item of the `index` (functions, fields, variants, associated types and consts, trait bounds,
//! impl headers, `pub use`…), collects the ids it references (`{"id": N}`: resolved paths and
//! re-export targets), and looks each id up in `paths`, whose `crate_id` names, through
//! `external_crates`, the crate that defines the item. An item of `index` that itself belongs to
//! a forbidden crate (an inlined re-export) is reported too. Skipped: the impls rustdoc
//! synthesizes (auto traits, `is_synthetic`) and its per-type copies of blanket impls
//! (`blanket_impl`), which nobody wrote for that type (a blanket impl the crate writes itself is
//! an ordinary impl item and is checked).
//!
//! Checking only that `paths` has no entry of a forbidden crate (the obvious shortcut) does not
//! work: `paths` holds every item rustdoc knows of every crate in the dependency graph. Measured
//! on k8s-client with a clean public API: 422 reqwest/hyper/hyper-util/h2 entries of 12 335
//! (private ones such as `hyper::proto::h1::conn::State` included); the clean build of the
//! fixture has 21 hyper entries.
//!
//! Why not grep `cargo doc --no-deps` HTML: it does not say where a type comes from. Tried on
//! the fixture: the field `pub error: Option<hyper::Error>` is printed `Option<Error>`, with no
//! link and no "hyper" anywhere in the page (the dependency is not documented, so there is
//! nothing to link to), and `Option<hyper::body::Incoming>` links to the fixture's own
//! re-export of it. It is also slower to produce (a page per item; k8s-api has tens of
//! thousands) and its markup is no interface. The JSON is structured data with resolved ids; the
//! walk above only relies on the long-stable keys `index`, `paths`, `external_crates`,
//! `crate_id`, `inner` and `{"id": N}` (and names items through `name`, the container lists and
//! impl headers), so new JSON format versions rarely matter, and a missing key fails the check
//! instead of passing it.
//!
//! # Cost
//!
//! The nightly compiler cannot read stable metadata, so the dependencies are checked (metadata
//! only) once more, with nightly, in a target directory of their own, `target/api-check` (about
//! 600 MB), which leaves the stable build cache alone. One `cargo rustdoc` per crate (see
//! [`document`] for why not one `cargo doc`). Measured on 2 cores shared with other builds:
//! cold 2.5 min (up to 6 min under heavier load); warm with nothing changed 5 s (mostly parsing
//! the JSON: 15 MB for k8s-api); warm after a change to k8s-client 14 s (k8s-client checked,
//! k8s-client and k8s-informers documented again). A new nightly (after `rustup update`) makes
//! it cold again. The toolchain is `nightly` unless `K8S_RS_API_CHECK_TOOLCHAIN` names another
//! (e.g. a dated `nightly-2026-05-19`, to pin the JSON format).
//!
//! # Fixture
//!
//! `xtask/tests/fixtures/api-check` is a small crate depending on hyper whose feature `leak` adds
//! one leak per position (return type, public field, trait impl, associated type bound,
//! re-export, method argument, doc-hidden item); `clean.json`/`leaky.json` next to it are its
//! rustdoc JSON (trimmed), read by the unit tests below. The `#[ignore]`d test
//! `fixture_end_to_end` documents the fixture with nightly and checks the same expectations
//! (`API_CHECK_BLESS=1` rewrites the two JSON files).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

/// The crates whose types must not appear in a public signature (crate names as in Rust paths).
pub(crate) const FORBIDDEN_CRATES: &[&str] = &["reqwest", "hyper", "hyper_util", "h2"];

/// Features not enabled when documenting (besides `default`, which adds nothing by itself).
const SKIPPED_FEATURES: &[&str] = &["default", "alpha", "beta"];

/// The toolchain that runs rustdoc, unless this variable names another.
const TOOLCHAIN_VAR: &str = "K8S_RS_API_CHECK_TOOLCHAIN";

/// Where, under the workspace's target directory, the nightly build lives.
const TARGET_SUBDIR: &str = "api-check";

const USAGE: &str = "usage: cargo xtask api-check [--manifest-path PATH]

Fails when a public item of a library crate of the workspace (or of PATH's workspace) mentions a
type of reqwest, hyper, hyper-util or h2. Needs a nightly toolchain (rustdoc JSON):
  rustup toolchain install nightly --profile minimal";

/// A library crate to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Library {
    /// The package name (`k8s-client`).
    pub(crate) package: String,
    /// The library target's crate name (`k8s_client`): the JSON file's name.
    pub(crate) crate_name: String,
    /// The features documented.
    pub(crate) features: Vec<String>,
}

/// A public item that mentions a forbidden crate's item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Leak {
    /// The public item, as a path (`krate::Type::method`, `<krate::Type as Trait>::method`,
    /// `impl Trait for krate::Type`).
    pub(crate) item: String,
    /// Its kind (`function`, `struct_field`, `impl`, `use`, …).
    pub(crate) kind: String,
    /// The foreign item it mentions, by the path that defines it (`hyper::error::Error`).
    pub(crate) foreign: String,
    /// That item's kind (`struct`, `trait`, …).
    pub(crate) foreign_kind: String,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` mentions {} `{}`",
            self.kind, self.item, self.foreign_kind, self.foreign
        )
    }
}

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let root = crate::codegen::workspace_root();
    let (manifest, elsewhere) = match args {
        [] => (root.join("Cargo.toml"), false),
        ["--manifest-path", path] => (PathBuf::from(path), true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("unknown arguments for `api-check`: {args:?}\n\n{USAGE}"),
    };
    let started = std::time::Instant::now();
    let (libraries, mut target_dir) = libraries(&manifest)?;
    if elsewhere {
        // Another workspace (the fixture) shares our cache rather than growing a `target/` of
        // its own in the source tree.
        target_dir = root.join("target");
    }
    if libraries.is_empty() {
        bail!("no library crate to check in {}", manifest.display());
    }
    let results = check(&manifest, &libraries, &target_dir.join(TARGET_SUBDIR))?;
    let mut failures = Vec::new();
    for (library, (items, leaks)) in libraries.iter().zip(&results) {
        if leaks.is_empty() {
            println!("  {}: clean ({items} public items)", library.package);
        } else {
            println!("  {}: {} leak(s)", library.package, leaks.len());
            for leak in leaks {
                println!("    {leak}");
                failures.push(format!("{}: {leak}", library.package));
            }
        }
    }
    println!(
        "api-check: {} crate(s) in {:.1}s",
        libraries.len(),
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        bail!(
            "{} public item(s) mention a type of {}:\n  {}",
            failures.len(),
            FORBIDDEN_CRATES.join("/"),
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// The library crates of `manifest`'s workspace (see the module docs) and its target directory.
pub(crate) fn libraries(manifest: &Path) -> Result<(Vec<Library>, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("parsing cargo metadata's output")?;
    libraries_of(&metadata)
}

/// [`libraries`] from `cargo metadata --no-deps --format-version 1`'s output.
fn libraries_of(metadata: &Value) -> Result<(Vec<Library>, PathBuf)> {
    let target_dir = metadata["target_directory"]
        .as_str()
        .context("cargo metadata: no target_directory")?;
    let members: HashSet<&str> = metadata["workspace_members"]
        .as_array()
        .context("cargo metadata: no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut libraries = Vec::new();
    for package in metadata["packages"]
        .as_array()
        .context("cargo metadata: no packages")?
    {
        let (Some(id), Some(name)) = (package["id"].as_str(), package["name"].as_str()) else {
            bail!("cargo metadata: a package without id or name");
        };
        // `publish = false` is `[]`; absent (`null`) means any registry.
        let unpublished = package["publish"].as_array().is_some_and(Vec::is_empty);
        if !members.contains(id) || unpublished {
            continue;
        }
        let lib = package["targets"].as_array().and_then(|targets| {
            targets.iter().find(|target| {
                target["kind"].as_array().is_some_and(|kinds| {
                    kinds
                        .iter()
                        .any(|k| matches!(k.as_str(), Some("lib" | "rlib" | "dylib")))
                })
            })
        });
        let Some(lib) = lib else { continue };
        let crate_name = lib["name"]
            .as_str()
            .with_context(|| format!("cargo metadata: {name}'s library has no name"))?;
        let mut features: Vec<String> = package["features"]
            .as_object()
            .map(|features| {
                features
                    .keys()
                    .filter(|f| !SKIPPED_FEATURES.contains(&f.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        features.sort();
        libraries.push(Library {
            package: name.to_string(),
            crate_name: crate_name.replace('-', "_"),
            features,
        });
    }
    libraries.sort_by(|a, b| a.package.cmp(&b.package));
    Ok((libraries, PathBuf::from(target_dir)))
}

/// Documents `libraries` as rustdoc JSON under `target_dir` and returns, per library (in order),
/// the number of items of its public API and its leaks.
pub(crate) fn check(
    manifest: &Path,
    libraries: &[Library],
    target_dir: &Path,
) -> Result<Vec<(usize, Vec<Leak>)>> {
    document(manifest, libraries, target_dir)?;
    // Parsing is most of the time after a warm build (k8s-api's JSON is 15 MB): one thread each.
    std::thread::scope(|scope| {
        let workers: Vec<_> = libraries
            .iter()
            .map(|library| {
                let path = target_dir
                    .join("doc")
                    .join(format!("{}.json", library.crate_name));
                scope.spawn(move || check_file(&path))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| match worker.join() {
                Ok(result) => result,
                Err(_) => bail!("a checking thread panicked"),
            })
            .collect()
    })
}

/// The number of items and the leaks of one rustdoc JSON file.
fn check_file(path: &Path) -> Result<(usize, Vec<Leak>)> {
    let text = std::fs::read(path)
        .with_context(|| format!("reading {} (written by rustdoc?)", path.display()))?;
    let doc: Value =
        serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))?;
    let items = doc["index"].as_object().map_or(0, Map::len);
    let leaks = leaks(&doc).with_context(|| format!("checking {}", path.display()))?;
    Ok((items, leaks))
}

/// `cargo +nightly rustdoc --lib --output-format json` for each library, one after the other.
///
/// Not one `cargo doc` for all with the JSON flag in `RUSTDOCFLAGS`: cargo then still expects
/// `doc/CRATE/index.html`, never finds it, and documents every crate again on every run (15 s
/// for ours with nothing changed). `cargo rustdoc --output-format json` knows its output, so a
/// crate that did not change is not documented again; it takes one package per run.
fn document(manifest: &Path, libraries: &[Library], target_dir: &Path) -> Result<()> {
    let toolchain = std::env::var(TOOLCHAIN_VAR).unwrap_or_else(|_| "nightly".to_string());
    for library in libraries {
        let mut args = vec![
            "run",
            &toolchain,
            "cargo",
            "rustdoc",
            "--lib",
            "-p",
            &library.package,
        ];
        let features = library.features.join(",");
        if !features.is_empty() {
            args.extend(["--features", &features]);
        }
        args.extend(["-Z", "unstable-options", "--output-format", "json"]);
        println!(
            "+ rustup {} --target-dir {} -- --document-hidden-items",
            args.join(" "),
            target_dir.display()
        );
        let status = Command::new("rustup")
            .args(&args)
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(target_dir)
            .args(["--", "--document-hidden-items"])
            // rustup's choice for the process running us, and the stable toolchain's tools, must
            // not override the nightly one.
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .status()
            .context("running rustup (is rustup installed?)")?;
        if !status.success() {
            bail!(
                "documenting {} with {toolchain} failed ({status}); the check needs a nightly \
                 toolchain: `rustup toolchain install {toolchain} --profile minimal`",
                library.package
            );
        }
    }
    Ok(())
}

/// The public items of a rustdoc JSON document that mention an item of a forbidden crate.
pub(crate) fn leaks(doc: &Value) -> Result<Vec<Leak>> {
    let version = doc["format_version"].as_u64().unwrap_or(0);
    let unknown =
        || format!("a rustdoc JSON format this check does not know (format_version {version})");
    let (Some(index), Some(paths), Some(crates)) = (
        doc["index"].as_object(),
        doc["paths"].as_object(),
        doc["external_crates"].as_object(),
    ) else {
        bail!("not rustdoc JSON, or {}", unknown());
    };
    // What the walk relies on must be there: a renamed key would otherwise pass every crate.
    let mut forbidden = HashSet::new();
    for (id, krate) in crates {
        let name = krate["name"]
            .as_str()
            .with_context(|| format!("external crate {id} has no name: {}", unknown()))?;
        if FORBIDDEN_CRATES.contains(&name) {
            forbidden.insert(id.parse::<u64>().with_context(unknown)?);
        }
    }
    let crate_of = |summary: &Value| {
        summary["crate_id"]
            .as_u64()
            .with_context(|| format!("a `paths` entry has no crate_id: {}", unknown()))
    };
    let doc = Doc::new(index, paths)?;
    let mut found = BTreeSet::new();
    let mut resolved = 0usize;
    for (id, item) in index {
        if doc.skipped(id) {
            continue;
        }
        let (kind, inner) = doc.inner(id)?;
        let mut mentioned = Vec::new();
        if forbidden.contains(&item["crate_id"].as_u64().with_context(unknown)?) {
            // An item of a forbidden crate inlined into ours by a re-export.
            mentioned.push(id.clone());
        }
        referenced_ids(inner, &mut mentioned);
        for target in mentioned {
            let Some(summary) = paths.get(&target) else {
                continue;
            };
            resolved += 1;
            if !forbidden.contains(&crate_of(summary)?) {
                continue;
            }
            found.insert(Leak {
                item: doc.name(id, 0),
                kind: kind.to_string(),
                foreign: path_of(summary),
                foreign_kind: summary["kind"].as_str().unwrap_or("item").to_string(),
            });
        }
    }
    // Any crate with an API names some type (`Option`, `String`, its own); none at all means
    // the references are no longer `{"id": N}` objects.
    if index.len() > 1 && resolved == 0 {
        bail!(
            "no type reference found in {} items: {}",
            index.len(),
            unknown()
        );
    }
    Ok(found.into_iter().collect())
}

/// Every `{"id": N}` under `value`: the items a signature refers to (resolved paths of types and
/// traits, the target of a `use`). Lists of child items are plain numbers, not `{"id": N}`.
fn referenced_ids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("id", Value::Number(n)) => out.push(n.to_string()),
                    _ => referenced_ids(v, out),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| referenced_ids(v, out)),
        _ => {}
    }
}

fn path_of(summary: &Value) -> String {
    summary["path"]
        .as_array()
        .map(|segments| {
            segments
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("::")
        })
        .unwrap_or_else(|| "?".to_string())
}

/// The index with each item's containers, to name items and to skip those of synthesized impls.
struct Doc<'a> {
    index: &'a Map<String, Value>,
    paths: &'a Map<String, Value>,
    /// Child id → the items that list it (module, type, trait, impl).
    parents: HashMap<String, Vec<String>>,
    /// Impls rustdoc synthesized (auto traits, per-type copies of blanket impls).
    synthesized: HashSet<String>,
}

impl<'a> Doc<'a> {
    fn new(index: &'a Map<String, Value>, paths: &'a Map<String, Value>) -> Result<Self> {
        let mut doc = Doc {
            index,
            paths,
            parents: HashMap::new(),
            synthesized: HashSet::new(),
        };
        for id in index.keys() {
            let (kind, inner) = doc.inner(id)?;
            if kind == "impl"
                && (inner["is_synthetic"].as_bool() == Some(true)
                    || !inner["blanket_impl"].is_null())
            {
                doc.synthesized.insert(id.clone());
            }
            let mut children = Vec::new();
            child_ids(inner, &mut children);
            for child in children {
                doc.parents.entry(child).or_default().push(id.clone());
            }
        }
        Ok(doc)
    }

    /// The item's kind and the object under it (`"inner": {"function": {…}}`).
    fn inner(&self, id: &str) -> Result<(&'a str, &'a Value)> {
        self.index
            .get(id)
            .and_then(|item| item["inner"].as_object())
            .and_then(|inner| inner.iter().next())
            .map(|(kind, value)| (kind.as_str(), value))
            .with_context(|| format!("index item {id} has no `inner`"))
    }

    /// Synthesized impls and the items only they list: not written for this crate.
    fn skipped(&self, id: &str) -> bool {
        self.synthesized.contains(id)
            || self
                .parents
                .get(id)
                .is_some_and(|parents| parents.iter().all(|p| self.synthesized.contains(p)))
    }

    /// The parent to name an item by: the first container that is not a synthesized impl.
    fn parent(&self, id: &str) -> Option<&str> {
        self.parents
            .get(id)?
            .iter()
            .find(|p| !self.synthesized.contains(*p))
            .map(String::as_str)
    }

    /// A readable path of an index item: `krate::Type::method`, `<Type as Trait>::method`,
    /// `impl Trait for Type`.
    fn name(&self, id: &str, depth: usize) -> String {
        let Some(item) = self.index.get(id) else {
            return format!("#{id}");
        };
        if let Some(summary) = self.paths.get(id)
            && item["crate_id"].as_u64() == Some(0)
        {
            return path_of(summary);
        }
        let Ok((kind, inner)) = self.inner(id) else {
            return format!("#{id}");
        };
        if kind == "impl" {
            return self.impl_header(inner);
        }
        let own = match kind {
            "use" => format!(
                "{} (pub use {})",
                inner["name"].as_str().unwrap_or("*"),
                inner["source"].as_str().unwrap_or("?")
            ),
            _ => item["name"].as_str().unwrap_or("?").to_string(),
        };
        let Some(parent) = self.parent(id).filter(|_| depth < 8) else {
            return own;
        };
        match self.inner(parent) {
            Ok(("impl", header)) => {
                let self_type = self.render_type(&header["for"]);
                match header.get("trait").filter(|t| !t.is_null()) {
                    Some(tr) => format!("<{self_type} as {}>::{own}", self.render_path(tr)),
                    None => format!("{self_type}::{own}"),
                }
            }
            _ => format!("{}::{own}", self.name(parent, depth + 1)),
        }
    }

    fn impl_header(&self, inner: &Value) -> String {
        let self_type = self.render_type(&inner["for"]);
        let negative = if inner["is_negative"].as_bool() == Some(true) {
            "!"
        } else {
            ""
        };
        match inner.get("trait").filter(|t| !t.is_null()) {
            Some(tr) => format!("impl {negative}{} for {self_type}", self.render_path(tr)),
            None => format!("impl {self_type}"),
        }
    }

    /// A `Path` (`{"path": …, "id": …, "args": …}`), by the defining path when known.
    fn render_path(&self, path: &Value) -> String {
        let name = path["id"]
            .as_u64()
            .and_then(|id| self.paths.get(&id.to_string()))
            .map(path_of)
            .or_else(|| path["path"].as_str().map(str::to_string))
            .unwrap_or_else(|| "?".to_string());
        let args = &path["args"];
        if let Some(angle) = args.get("angle_bracketed") {
            let rendered: Vec<String> = angle["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|arg| match arg {
                    Value::Object(map) => match map.iter().next().map(|(k, v)| (k.as_str(), v)) {
                        Some(("type", t)) => self.render_type(t),
                        Some(("lifetime", l)) => l.as_str().unwrap_or("'_").to_string(),
                        _ => "_".to_string(),
                    },
                    _ => "_".to_string(),
                })
                .collect();
            if !rendered.is_empty() {
                return format!("{name}<{}>", rendered.join(", "));
            }
        } else if let Some(parenthesized) = args.get("parenthesized") {
            let inputs: Vec<String> = parenthesized["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| self.render_type(t))
                .collect();
            return format!("{name}({})", inputs.join(", "));
        }
        name
    }

    /// A type, well enough to name an impl (`_` for what it does not render).
    fn render_type(&self, ty: &Value) -> String {
        let Some((kind, value)) = ty.as_object().and_then(|m| m.iter().next()) else {
            return "_".to_string();
        };
        match kind.as_str() {
            "resolved_path" => self.render_path(value),
            "generic" | "primitive" => value.as_str().unwrap_or("_").to_string(),
            "borrowed_ref" => {
                let mutable = if value["is_mutable"].as_bool() == Some(true) {
                    "mut "
                } else {
                    ""
                };
                format!("&{mutable}{}", self.render_type(&value["type"]))
            }
            "slice" => format!("[{}]", self.render_type(value)),
            "array" => format!("[{}; {}]", self.render_type(&value["type"]), value["len"]),
            "tuple" => {
                let parts: Vec<String> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| self.render_type(t))
                    .collect();
                format!("({})", parts.join(", "))
            }
            "dyn_trait" => {
                let traits: Vec<String> = value["traits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| self.render_path(&t["trait"]))
                    .collect();
                format!("dyn {}", traits.join(" + "))
            }
            _ => "_".to_string(),
        }
    }
}

/// The ids an item lists as its children: module and trait and impl items, fields, variants,
/// a type's impls.
fn child_ids(inner: &Value, out: &mut Vec<String>) {
    let Some(map) = inner.as_object() else {
        return;
    };
    for (key, value) in map {
        match key.as_str() {
            "items" | "fields" | "variants" | "impls" => ids_in(value, out),
            // struct/variant kinds: {"plain": {"fields": […]}} or {"tuple": [id or null, …]}.
            "kind" => {
                if let Some(tuple) = value.get("tuple") {
                    ids_in(tuple, out);
                } else if let Some(plain) = value.get("plain") {
                    ids_in(&plain["fields"], out);
                }
            }
            _ => {}
        }
    }
}

fn ids_in(list: &Value, out: &mut Vec<String>) {
    out.extend(
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .map(|id| id.to_string()),
    );
}

#[cfg(test)]
mod tests;
