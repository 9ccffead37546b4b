//! Installing CustomResourceDefinitions from YAML manifests, as envtest's `CRDDirectoryPaths` does.
//!
//! [`PlaneInfo::install_crds`] reads a file (several documents separated by `---` are fine) or
//! every `.yaml`, `.yml` and `.json` file of a folder (not its subfolders, in name order), keeps
//! the documents of kind `CustomResourceDefinition` (others are skipped, so a folder of mixed
//! manifests works), creates or updates each with server-side apply, and waits until each is
//! `Established`, its resource is in discovery and a list of it succeeds, so that the first
//! request of the test gets neither a 404 nor a 429 ("storage is (re)initializing").

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::http::{admin_http, send_json};
use crate::{Error, PlaneInfo};

/// How long one CRD may take to become established and served.
const CRD_TIMEOUT: Duration = Duration::from_secs(30);
/// The field manager of the server-side apply.
const FIELD_MANAGER: &str = "k8s-testenv";
const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

impl PlaneInfo {
    /// Creates or updates the CustomResourceDefinitions in `path` and waits until each is
    /// established (at most 30 s each); returns their names (`<plural>.<group>`) in file order.
    ///
    /// `path` is a YAML file (multi-document) or a folder of `.yaml`/`.yml`/`.json` files.
    /// Errors name the file that could not be read or parsed, the CRD the apiserver refused
    /// (with its answer), or the CRD that did not become established in time (with its
    /// conditions). Installing the same CRD twice is fine: the second call updates it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), k8s_testenv::Error> {
    /// let env = k8s_testenv::TestEnv::new("crds").await?;
    /// let names = env.install_crds("config/crd/bases").await?;
    /// assert!(names.contains(&"foos.samplecontroller.k8s.io".to_string()));
    /// # Ok(()) }
    /// ```
    pub async fn install_crds(&self, path: impl AsRef<Path>) -> Result<Vec<String>, Error> {
        let path = path.as_ref();
        let crds = read_crds(path)?;
        if crds.is_empty() {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                message: "no CustomResourceDefinition in it".into(),
            });
        }
        let http = admin_http(&self.pki)?;
        let mut names = Vec::with_capacity(crds.len());
        for (file, crd) in &crds {
            let name = apply(&http, &self.server, file, crd).await?;
            names.push(name);
        }
        for (name, (_, crd)) in names.iter().zip(&crds) {
            wait_established(&http, &self.server, name, crd).await?;
        }
        Ok(names)
    }
}

/// The CRD documents of `path` (a file or a folder of files), each with its file.
fn read_crds(path: &Path) -> Result<Vec<(PathBuf, Value)>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
            let file = entry.map_err(|e| Error::io(path, e))?.path();
            let manifest = file
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
            if manifest && file.is_file() {
                files.push(file);
            }
        }
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut crds = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        for crd in parse_crds(&text).map_err(|message| Error::Manifest {
            path: file.clone(),
            message,
        })? {
            crds.push((file.clone(), crd));
        }
    }
    Ok(crds)
}

/// The CustomResourceDefinitions among the YAML documents of `text`, ready to apply.
fn parse_crds(text: &str) -> Result<Vec<Value>, String> {
    let mut crds = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_json::to_value(
            serde_yaml::Value::deserialize(doc).map_err(|e| format!("document {}: {e}", i + 1))?,
        )
        .map_err(|e| format!("document {}: {e}", i + 1))?;
        if value.is_null() || value["kind"] != "CustomResourceDefinition" {
            continue;
        }
        if value["apiVersion"] != "apiextensions.k8s.io/v1" {
            return Err(format!(
                "document {}: apiVersion {} (only apiextensions.k8s.io/v1 is served)",
                i + 1,
                value["apiVersion"]
            ));
        }
        let Some(name) = value["metadata"]["name"].as_str().filter(|n| !n.is_empty()) else {
            return Err(format!(
                "document {}: CustomResourceDefinition without metadata.name",
                i + 1
            ));
        };
        let mut crd = value.clone();
        // What a server sets: applying it back would conflict or be refused.
        if let Some(meta) = crd["metadata"].as_object_mut() {
            for field in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
            ] {
                meta.remove(field);
            }
        }
        if let Some(obj) = crd.as_object_mut() {
            obj.remove("status");
        }
        tracing::debug!(name, "read CustomResourceDefinition");
        crds.push(crd);
    }
    Ok(crds)
}

/// Server-side applies `crd` (create or update); returns its name.
async fn apply(
    http: &reqwest::Client,
    server: &str,
    file: &Path,
    crd: &Value,
) -> Result<String, Error> {
    let name = crd["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let req = http
        .patch(format!(
            "{server}{CRDS}/{name}?fieldManager={FIELD_MANAGER}&force=true"
        ))
        .header("content-type", "application/apply-patch+yaml")
        .body(crd.to_string());
    send_json(
        req,
        &format!(
            "apply CustomResourceDefinition {name} (from {})",
            file.display()
        ),
    )
    .await?;
    Ok(name)
}

/// Waits until the CRD `name` is `Established` and discovery serves its resource in every
/// served version.
async fn wait_established(
    http: &reqwest::Client,
    server: &str,
    name: &str,
    crd: &Value,
) -> Result<(), Error> {
    let started = Instant::now();
    let group = crd["spec"]["group"].as_str().unwrap_or_default();
    let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
    let versions: Vec<&str> = crd["spec"]["versions"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter(|v| v["served"].as_bool().unwrap_or(false))
                .filter_map(|v| v["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    loop {
        let what = format!("get CustomResourceDefinition {name}");
        let got = send_json(http.get(format!("{server}{CRDS}/{name}")), &what).await?;
        let conditions = got["status"]["conditions"].to_string();
        if is_established(&got) && served(http, server, group, &versions, plural).await {
            return Ok(());
        }
        if started.elapsed() > CRD_TIMEOUT {
            return Err(Error::CrdNotEstablished {
                name: name.to_string(),
                after: CRD_TIMEOUT,
                conditions,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether a CRD's `Established` condition is `True`.
fn is_established(crd: &Value) -> bool {
    crd["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    })
}

/// Whether discovery lists `plural` in each of `group`'s `versions`, and a list of it succeeds.
async fn served(
    http: &reqwest::Client,
    server: &str,
    group: &str,
    versions: &[&str],
    plural: &str,
) -> bool {
    for version in versions {
        let url = format!("{server}/apis/{group}/{version}");
        let Ok(list) = send_json(http.get(url), "discovery").await else {
            return false;
        };
        let listed = list["resources"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["name"] == plural));
        if !listed {
            return false;
        }
        // Listed is not yet listable: the storage of a new resource answers 429 ("storage is
        // (re)initializing") until its watch cache is ready.
        let list = http.get(format!("{server}/apis/{group}/{version}/{plural}?limit=1"));
        if send_json(list, "list").await.is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOO: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: foos.example.com
  resourceVersion: \"42\"
spec:
  group: example.com
  names: {kind: Foo, plural: foos}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
status: {acceptedNames: {kind: Foo, plural: foos}}
";

    #[test]
    fn keeps_only_crds_and_drops_server_fields() {
        let text =
            format!("---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: x}}\n---\n{FOO}---\n");
        let crds = parse_crds(&text).unwrap();
        assert_eq!(crds.len(), 1);
        assert_eq!(crds[0]["metadata"]["name"], "foos.example.com");
        assert!(crds[0]["metadata"].get("resourceVersion").is_none());
        assert!(crds[0].get("status").is_none());
    }

    #[test]
    fn refuses_old_api_versions_and_nameless_crds() {
        let old = FOO.replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1");
        let err = parse_crds(&old).unwrap_err();
        assert!(
            err.contains("document 1: apiVersion") && err.contains("v1beta1"),
            "{err}"
        );
        let nameless = FOO.replace("name: foos.example.com", "labels: {}");
        let err = parse_crds(&nameless).unwrap_err();
        assert!(err.contains("without metadata.name"), "{err}");
        let err = parse_crds("kind: [unclosed").unwrap_err();
        assert!(err.starts_with("document 1:"), "{err}");
    }

    #[test]
    fn reads_a_folder_in_name_order_and_names_bad_files() {
        let dir = std::env::temp_dir().join(format!(
            "k8s-testenv-crds-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.yaml"), FOO).unwrap();
        std::fs::write(
            dir.join("a.yml"),
            FOO.replace("foos", "bars").replace("Foo", "Bar"),
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
        let crds = read_crds(&dir).unwrap();
        let names: Vec<_> = crds
            .iter()
            .map(|(_, c)| c["metadata"]["name"].clone())
            .collect();
        assert_eq!(names, ["bars.example.com", "foos.example.com"]);
        assert_eq!(crds[0].0, dir.join("a.yml"));
        std::fs::write(dir.join("c.yaml"), "kind: [unclosed").unwrap();
        let err = read_crds(&dir).unwrap_err().to_string();
        assert!(
            err.starts_with(&dir.join("c.yaml").display().to_string()),
            "{err}"
        );
        let missing = dir.join("missing.yaml");
        let err = read_crds(&missing).unwrap_err().to_string();
        assert!(err.contains("missing.yaml"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn established_needs_the_condition_true() {
        let crd = |status: &str| {
            serde_json::json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "True"},
            {"type": "Established", "status": status}]}})
        };
        assert!(is_established(&crd("True")));
        assert!(!is_established(&crd("False")));
        assert!(!is_established(&serde_json::json!({})));
    }
}
