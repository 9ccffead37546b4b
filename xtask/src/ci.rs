//! The checks of `cargo xtask test` beyond fmt and the default build: every feature combination
//! we ship is linted and built ([`FEATURE_SETS`]), the docs build without warnings, and the code
//! generator is proven to run on a tree whose generated files are deleted or broken
//! ([`regenerate_from_broken_tree`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Feature sets linted (clippy, every target) besides the workspace with default features and
/// the workspace with all features: each feature of a library crate on its own, and the crates
/// with default features off. `alpha`/`beta` of k8s-informers turn on those of k8s-client and
/// k8s-api, so one build covers the three.
pub const FEATURE_SETS: &[(&str, &[&str])] = &[
    ("k8s-informers", &["--features", "alpha"]),
    ("k8s-informers", &["--features", "beta"]),
    ("k8s-client", &["--features", "prometheus"]),
    ("k8s-workqueue", &["--features", "prometheus"]),
    ("k8s-testenv", &["--no-default-features"]),
];

/// The library crates whose unit and integration tests also run with every feature on.
pub const LIBRARY_CRATES: &[&str] = &[
    "k8s-apimachinery",
    "k8s-api",
    "k8s-client",
    "k8s-informers",
    "k8s-workqueue",
    "k8s-controller",
    "k8s-testenv",
    "k8s-fake",
];

/// clippy with `-D warnings` on the workspace (default features, then all features) and on
/// each of [`FEATURE_SETS`].
pub fn lint() -> Result<()> {
    let clippy = |extra: &[&str]| {
        let mut args = vec!["clippy", "--locked", "--all-targets"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        cargo(&args, &[])
    };
    clippy(&["--workspace"])?;
    clippy(&["--workspace", "--all-features"])?;
    for (krate, features) in FEATURE_SETS {
        let mut extra = vec!["-p", krate];
        extra.extend_from_slice(features);
        clippy(&extra)?;
    }
    Ok(())
}

/// `cargo doc` of the workspace with every feature, warnings (broken links included) denied.
pub fn docs() -> Result<()> {
    cargo(
        &[
            "doc",
            "--locked",
            "--workspace",
            "--all-features",
            "--no-deps",
        ],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}

/// The tests of the library crates with every feature on (the workspace's tests with default
/// features run separately).
pub fn test_all_features() -> Result<()> {
    let mut args = vec!["test", "--locked", "--all-features", "--all-targets"];
    for krate in LIBRARY_CRATES {
        args.extend_from_slice(&["-p", krate]);
    }
    cargo(&args, &[])
}

/// The directories `cargo xtask codegen` writes in full.
const GENERATED_DIRS: &[&str] = &[
    "api/src/generated",
    "client/src/generated",
    "informers/src/generated",
];

/// Proves that the code generator does not depend on what it generates: deletes
/// `api/src/generated/`, replaces every file of the clientset's and the informers' generated
/// folders with text that does not compile, runs `cargo xtask codegen` (cargo builds xtask
/// afresh as needed), and checks that every file is back byte for byte and that the crates
/// compile. The files are put back as they were whatever happens.
pub fn regenerate_from_broken_tree(root: &Path) -> Result<()> {
    let before = snapshot(root)?;
    let outcome = break_and_regenerate(root, &before);
    let after = snapshot(root);
    if !matches!(&after, Ok(after) if *after == before) {
        restore(root, &before)?;
    }
    outcome?;
    let after = after?;
    if after != before {
        let differing: Vec<&PathBuf> = before
            .keys()
            .chain(after.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .take(5)
            .collect();
        bail!(
            "`cargo xtask codegen` on a broken tree did not restore the generated files byte for byte (e.g. {differing:?}); they were put back"
        );
    }
    cargo(
        &["check", "--locked", "-p", "k8s-api", "-p", "k8s-informers"],
        &[],
    )
}

fn break_and_regenerate(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    let api = root.join(GENERATED_DIRS[0]);
    std::fs::remove_dir_all(&api).with_context(|| format!("deleting {}", api.display()))?;
    for path in files.keys().filter(|p| !p.starts_with(GENERATED_DIRS[0])) {
        let full = root.join(path);
        std::fs::write(&full, "this is not Rust {")
            .with_context(|| format!("breaking {}", full.display()))?;
    }
    println!(
        "deleted {} and broke every file of {} and {}",
        GENERATED_DIRS[0], GENERATED_DIRS[1], GENERATED_DIRS[2]
    );
    cargo(
        &["run", "--locked", "--quiet", "-p", "xtask", "--", "codegen"],
        &[],
    )
    .context("`cargo xtask codegen` cannot run on a tree with broken generated files")
}

/// Every file under [`GENERATED_DIRS`], by path relative to `root`.
fn snapshot(root: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for dir in GENERATED_DIRS {
        walk(root, &root.join(dir), &mut files)?;
    }
    Ok(files)
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.insert(relative, bytes);
        }
    }
    Ok(())
}

/// Puts the generated folders back as `files` holds them.
fn restore(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    for dir in GENERATED_DIRS {
        let full = root.join(dir);
        if full.exists() {
            std::fs::remove_dir_all(&full)
                .with_context(|| format!("clearing {}", full.display()))?;
        }
    }
    for (path, bytes) in files {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&full, bytes).with_context(|| format!("restoring {}", full.display()))?;
    }
    Ok(())
}

/// Runs `cargo args` with `env` set, failing on a non-zero exit.
pub fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v:?} ")).collect();
    println!("+ {}cargo {}", shown.concat(), args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_and_restore_round_trip() {
        let root = std::env::temp_dir().join(format!("xtask-ci-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let file = root.join("api/src/generated/core/v1.rs");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "pub struct Pod;").unwrap();
        std::fs::create_dir_all(root.join("client/src/generated")).unwrap();
        std::fs::write(root.join("client/src/generated/mod.rs"), "mod x;").unwrap();
        let before = snapshot(&root).unwrap();
        assert_eq!(before.len(), 2);
        std::fs::remove_dir_all(root.join("api/src/generated")).unwrap();
        std::fs::write(root.join("client/src/generated/mod.rs"), "broken {").unwrap();
        std::fs::write(root.join("client/src/generated/extra.rs"), "").unwrap();
        assert_ne!(snapshot(&root).unwrap(), before);
        restore(&root, &before).unwrap();
        assert_eq!(snapshot(&root).unwrap(), before);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
