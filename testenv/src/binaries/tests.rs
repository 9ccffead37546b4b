//! The lookup order of [`Binaries::find`] and its errors, on temp folders of fake executables.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

/// A fresh temp folder with the given files; `true` makes a file executable.
fn folder(tag: &str, files: &[(&str, bool)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "k8s-testenv-assets-{tag}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    fs::create_dir_all(&dir).unwrap();
    for (name, exec) in files {
        let path = dir.join(name);
        fs::write(&path, "#!/bin/sh\n").unwrap();
        let mode = if *exec { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
    dir
}

const ALL: [(&str, bool); 3] = [("kube-apiserver", true), ("etcd", true), ("kubectl", true)];

fn env_of(vars: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn built() -> Result<Binaries, Error> {
    Ok(Binaries {
        kube_apiserver: "/built/kube-apiserver".into(),
        kubectl: "/built/kubectl".into(),
        etcd: "/built/etcd".into(),
        etcdctl: Some("/built/etcdctl".into()),
    })
}

fn must_not_build() -> Result<Binaries, Error> {
    panic!("the build step must not run when a variable names the binaries")
}

#[test]
fn testenv_assets_come_first() {
    let ours = folder("ours", &ALL);
    let kubebuilder = folder("kb", &ALL);
    let env = env_of(&[(ASSETS_ENV, &ours), (KUBEBUILDER_ASSETS_ENV, &kubebuilder)]);
    let bins = resolve(&env, must_not_build).unwrap();
    assert_eq!(bins.kube_apiserver, ours.join("kube-apiserver"));
    assert_eq!(bins.etcd, ours.join("etcd"));
    assert_eq!(bins.kubectl, ours.join("kubectl"));
    assert_eq!(bins.etcdctl, None, "no etcdctl in the folder");
    fs::remove_dir_all(ours).unwrap();
    fs::remove_dir_all(kubebuilder).unwrap();
}

#[test]
fn kubebuilder_assets_come_second() {
    let kubebuilder = folder("kb2", &[ALL[0], ALL[1], ALL[2], ("etcdctl", true)]);
    let env = env_of(&[(KUBEBUILDER_ASSETS_ENV, &kubebuilder)]);
    let bins = resolve(&env, must_not_build).unwrap();
    assert_eq!(bins.kube_apiserver, kubebuilder.join("kube-apiserver"));
    assert_eq!(bins.etcdctl, Some(kubebuilder.join("etcdctl")));
    // An empty variable counts as unset.
    let empty = |name: &str| (name == ASSETS_ENV).then(OsString::new);
    assert_eq!(resolve(&empty, built).unwrap(), built().unwrap());
    fs::remove_dir_all(kubebuilder).unwrap();
}

#[test]
fn without_variables_the_binaries_are_built() {
    let bins = resolve(&|_| None, built).unwrap();
    assert_eq!(bins, built().unwrap());
    // The build step's error (e.g. no Go) is what the caller sees.
    let err = resolve(&|_| None, || {
        Err(Error::Prerequisite("`go` could not be run".into()))
    })
    .unwrap_err();
    assert!(err.to_string().contains("`go` could not be run"), "{err}");
}

#[test]
fn a_set_variable_with_missing_files_is_an_error_naming_them() {
    let partial = folder("partial", &[("kube-apiserver", true), ("kubectl", false)]);
    let env = env_of(&[(ASSETS_ENV, &partial)]);
    let err = resolve(&env, must_not_build).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, Error::Assets { variable: ASSETS_ENV, dir, .. } if dir == &partial),
        "{err:?}"
    );
    assert!(
        msg.starts_with(&format!("K8S_TESTENV_ASSETS={}", partial.display())),
        "{msg}"
    );
    assert!(msg.contains("etcd is missing"), "{msg}");
    assert!(msg.contains("kubectl is not executable"), "{msg}");
    assert!(!msg.contains("kube-apiserver is"), "{msg}");
    // A broken K8S_TESTENV_ASSETS is not skipped in favour of KUBEBUILDER_ASSETS.
    let good = folder("good", &ALL);
    let env = env_of(&[(ASSETS_ENV, &partial), (KUBEBUILDER_ASSETS_ENV, &good)]);
    assert!(resolve(&env, must_not_build).is_err());
    fs::remove_dir_all(partial).unwrap();
    fs::remove_dir_all(good).unwrap();
}

#[test]
fn a_variable_naming_no_folder_is_an_error() {
    let nowhere = std::env::temp_dir().join("k8s-testenv-assets-does-not-exist");
    let env = env_of(&[(KUBEBUILDER_ASSETS_ENV, &nowhere)]);
    let msg = resolve(&env, must_not_build).unwrap_err().to_string();
    assert!(msg.starts_with("KUBEBUILDER_ASSETS="), "{msg}");
    assert!(msg.contains("not a folder"), "{msg}");
}

#[test]
fn tools_modules_ship_with_the_crate() {
    for module in ["kube-apiserver", "etcd"] {
        for file in ["go.mod", "go.sum"] {
            assert!(
                tools_dir().join(module).join(file).is_file(),
                "{module}/{file}"
            );
        }
    }
}

#[test]
fn tail_keeps_last_lines() {
    assert_eq!(tail_lines("a\nb\nc\nd", 2), "c\nd");
    assert_eq!(tail_lines("a", 5), "a");
}
