//! `cargo xtask cluster gen-tools`: rewrites the Go tools modules that build the control plane.
//!
//! k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every `k8s.io/<staging>`
//! module with a local path. Our tools module requires it and replaces each staging module with
//! its published `v0.<minor>.<patch>` release instead. The staging list is read from the go.mod
//! that the Go module proxy serves for the pinned version, so it follows each release.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use k8s_testenv::binaries::tools_dir;
use k8s_testenv::{ETCD_VERSION, KUBERNETES_VERSION};

/// The staging modules that k8s.io/kubernetes's go.mod replaces with `./staging/...` paths.
pub fn staging_modules(kubernetes_go_mod: &str) -> Vec<String> {
    let mut mods: Vec<String> = kubernetes_go_mod
        .lines()
        .filter_map(|line| {
            let (lhs, rhs) = line.split_once("=>")?;
            let module = lhs.trim().trim_start_matches("replace").trim();
            let target = rhs.trim();
            (module.starts_with("k8s.io/") && target.starts_with("./staging/"))
                .then(|| module.to_string())
        })
        .collect();
    mods.sort();
    mods.dedup();
    mods
}

/// The staging modules' release tag for a Kubernetes version: v1.37.2 → v0.37.2.
fn staging_version(k8s: &str) -> Result<String> {
    match k8s.strip_prefix("v1.") {
        Some(rest) => Ok(format!("v0.{rest}")),
        None => bail!("unexpected Kubernetes version {k8s:?}: expected v1.<minor>.<patch>"),
    }
}

/// The go.mod of the kube-apiserver tools module (before `go mod tidy`).
pub fn kube_go_mod(staging: &[String], k8s: &str) -> Result<String> {
    let v0 = staging_version(k8s)?;
    let mut s = String::new();
    s.push_str(&format!(
        "// Tools module: builds kube-apiserver and kubectl {k8s} from the Go module proxy.\n\
         // The replace list mirrors k8s.io/kubernetes@{k8s}'s go.mod (staging modules → {v0}).\n\
         // Regenerate with: cargo xtask cluster gen-tools\n\
         module k8s-rs/tools/kube-apiserver\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes {k8s}\n\n\
         tool (\n\tk8s.io/kubernetes/cmd/kube-apiserver\n\tk8s.io/kubernetes/cmd/kubectl\n)\n\nreplace (\n"
    ));
    for m in staging {
        s.push_str(&format!("\t{m} => {m} {v0}\n"));
    }
    s.push_str(")\n");
    Ok(s)
}

/// The go.mod of the etcd tools module (before `go mod tidy`).
pub fn etcd_go_mod(etcd: &str) -> String {
    let mut s = format!(
        "// Tools module: builds the etcd server {etcd} (the etcd Kubernetes {KUBERNETES_VERSION} pairs with,\n\
         // per build/dependencies.yaml) and etcdctl from the Go module proxy.\n\
         // etcd's server go.mod replaces its sibling modules with local paths; pin them here instead.\n\
         // Regenerate with: cargo xtask cluster gen-tools\n\
         module k8s-rs/tools/etcd\n\ngo 1.26.0\n\nrequire (\n\
         \tgo.etcd.io/etcd/server/v3 {etcd}\n\tgo.etcd.io/etcd/etcdctl/v3 {etcd}\n)\n\n\
         tool (\n\tgo.etcd.io/etcd/server/v3\n\tgo.etcd.io/etcd/etcdctl/v3\n)\n\nreplace (\n"
    );
    for m in ["api/v3", "client/pkg/v3", "client/v3", "pkg/v3"] {
        s.push_str(&format!(
            "\tgo.etcd.io/etcd/{m} => go.etcd.io/etcd/{m} {etcd}\n"
        ));
    }
    s.push_str(")\n");
    s
}

fn go(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("go")
        .current_dir(dir)
        .args(args)
        .output()
        .with_context(|| format!("running go {} (is Go >= 1.26 installed?)", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "go {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Rewrites k8s-testenv's tools/kube-apiserver/go.mod and tools/etcd/go.mod and tidies them.
pub fn run() -> Result<()> {
    let root = tools_dir();
    let info = go(
        &root,
        &[
            "mod",
            "download",
            "-json",
            &format!("k8s.io/kubernetes@{KUBERNETES_VERSION}"),
        ],
    )?;
    let info: serde_json::Value =
        serde_json::from_str(&info).context("go mod download -json output")?;
    let go_mod_path = info["GoMod"]
        .as_str()
        .context("go mod download -json printed no GoMod path")?;
    let upstream =
        fs::read_to_string(go_mod_path).with_context(|| format!("reading {go_mod_path}"))?;
    let staging = staging_modules(&upstream);
    if staging.is_empty() {
        bail!("{go_mod_path}: found no `k8s.io/... => ./staging/...` replace directives");
    }
    for (dir, text) in [
        ("kube-apiserver", kube_go_mod(&staging, KUBERNETES_VERSION)?),
        ("etcd", etcd_go_mod(ETCD_VERSION)),
    ] {
        let dir = root.join(dir);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("go.mod"), text)?;
        go(&dir, &["mod", "tidy"])?;
        println!("wrote {}/go.mod (+ go.sum)", dir.display());
    }
    println!(
        "{} staging modules replaced at {}",
        staging.len(),
        staging_version(KUBERNETES_VERSION)?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_staging_replacements() {
        let go_mod = "module k8s.io/kubernetes\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n\
                      \tk8s.io/client-go => ./staging/src/k8s.io/client-go\n\
                      \tgithub.com/x/y => github.com/x/y v1.0.0\n)\nreplace k8s.io/kms => ./staging/src/k8s.io/kms\n";
        assert_eq!(
            staging_modules(go_mod),
            vec!["k8s.io/api", "k8s.io/client-go", "k8s.io/kms"]
        );
    }

    #[test]
    fn kube_go_mod_replaces_with_v0_release() {
        let text = kube_go_mod(&["k8s.io/api".to_string()], "v1.37.2").unwrap();
        assert!(text.contains("require k8s.io/kubernetes v1.37.2"));
        assert!(text.contains("\tk8s.io/api => k8s.io/api v0.37.2\n"));
        assert!(kube_go_mod(&[], "2.0.0").is_err());
    }

    #[test]
    fn committed_go_mod_matches_the_generator_replace_list() {
        // The committed (tidied) go.mod keeps the generated replace block verbatim.
        let committed = fs::read_to_string(tools_dir().join("kube-apiserver/go.mod")).unwrap();
        let block = committed.split("replace (").nth(1).unwrap();
        assert!(block.contains("k8s.io/client-go => k8s.io/client-go v0.37.2"));
        assert!(block.contains("k8s.io/apiserver => k8s.io/apiserver v0.37.2"));
        let etcd = fs::read_to_string(tools_dir().join("etcd/go.mod")).unwrap();
        assert!(etcd.contains("go.etcd.io/etcd/server/v3 v3.7.0"));
    }
}
