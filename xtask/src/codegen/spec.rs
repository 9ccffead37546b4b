//! The subset of OpenAPI v3 that the Kubernetes documents use, and loading them from a directory
//! or from a running cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

/// One schema (a definition in `components.schemas`, or a property/item inside one).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default, rename = "$ref")]
    pub ref_: Option<String>,
    #[serde(default)]
    pub all_of: Vec<Schema>,
    #[serde(default)]
    pub one_of: Vec<Schema>,
    #[serde(default)]
    pub any_of: Vec<Schema>,
    #[serde(default)]
    pub properties: BTreeMap<String, Schema>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    #[serde(default)]
    pub additional_properties: Option<AdditionalProperties>,
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default, rename = "x-kubernetes-group-version-kind")]
    pub gvk: Vec<Gvk>,
    #[serde(default, rename = "x-kubernetes-int-or-string")]
    pub int_or_string: bool,
    #[serde(default, rename = "x-kubernetes-preserve-unknown-fields")]
    pub preserve_unknown_fields: Option<bool>,
    #[serde(default, rename = "x-kubernetes-embedded-resource")]
    pub embedded_resource: bool,
    /// `x-kubernetes-patch-strategy` (Go's `patchStrategy` tag): `merge`, `replace`,
    /// `retainKeys` or `merge,retainKeys`.
    #[serde(default, rename = "x-kubernetes-patch-strategy")]
    pub patch_strategy: Option<String>,
    /// `x-kubernetes-patch-merge-key` (Go's `patchMergeKey` tag).
    #[serde(default, rename = "x-kubernetes-patch-merge-key")]
    pub patch_merge_key: Option<String>,
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    #[serde(default, rename = "x-kubernetes-list-type")]
    pub list_type: Option<String>,
    /// `x-kubernetes-list-map-keys` (with `list-type: map`).
    #[serde(default, rename = "x-kubernetes-list-map-keys")]
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type`: `atomic` or `granular`.
    #[serde(default, rename = "x-kubernetes-map-type")]
    pub map_type: Option<String>,
}

/// `additionalProperties`: `true`/`false` or a schema.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum AdditionalProperties {
    Bool(bool),
    Schema(Box<Schema>),
}

/// An entry of `x-kubernetes-group-version-kind`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gvk {
    #[serde(default)]
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// One OpenAPI v3 document (the server serves one per group/version).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Document {
    #[serde(default)]
    pub paths: BTreeMap<String, BTreeMap<String, Value>>,
    #[serde(default)]
    pub components: Components,
}

/// `components` of a document.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Components {
    #[serde(default)]
    pub schemas: BTreeMap<String, Schema>,
}

/// An operation on a path, reduced to what the generator reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub path: String,
    pub method: String,
    pub action: String,
    pub gvk: Option<Gvk>,
}

impl Document {
    /// Every operation with an `x-kubernetes-action`, in path order.
    pub fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in &self.paths {
            for (method, op) in item {
                let Some(action) = op.get("x-kubernetes-action").and_then(Value::as_str) else {
                    continue;
                };
                let gvk = op
                    .get("x-kubernetes-group-version-kind")
                    .and_then(|v| serde_json::from_value::<Gvk>(v.clone()).ok());
                out.push(Operation {
                    path: path.clone(),
                    method: method.clone(),
                    action: action.to_string(),
                    gvk,
                });
            }
        }
        out
    }
}

/// The documents of a spec directory (`*_openapi.json`, as in `api/openapi-spec/v3/` of the
/// Kubernetes repository), keyed by file name and sorted.
pub fn load_dir(dir: &Path) -> Result<BTreeMap<String, Document>> {
    let mut docs = BTreeMap::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading spec directory {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".json") {
            continue;
        }
        let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let doc: Document = serde_json::from_slice(&text)
            .with_context(|| format!("parsing OpenAPI document {}", path.display()))?;
        docs.insert(name.to_string(), doc);
    }
    if docs.is_empty() {
        bail!("no *.json OpenAPI documents in {}", dir.display());
    }
    Ok(docs)
}

/// The directory of a Go module in the module cache (`go mod download -json MODULE@VERSION`);
/// downloads it through the Go module proxy when it is not cached yet.
pub fn go_module_dir(module: &str, version: &str) -> Result<PathBuf> {
    let out = std::process::Command::new("go")
        .args(["mod", "download", "-json", &format!("{module}@{version}")])
        .output()
        .context("running `go mod download` (is Go installed?)")?;
    let info: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "`go mod download -json {module}@{version}` printed no JSON: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if let Some(err) = info.get("Error").and_then(Value::as_str) {
        bail!("go mod download {module}@{version}: {err}");
    }
    let dir = info
        .get("Dir")
        .and_then(Value::as_str)
        .with_context(|| format!("no Dir for {module}@{version}: {info}"))?;
    Ok(PathBuf::from(dir))
}

/// Fetches `/openapi/v3` and every group/version document it lists from the local control plane
/// (`cargo xtask cluster up`), or the cluster of `$KUBECONFIG` when it names client
/// certificate files. Returns the documents keyed like the files of a spec directory and the
/// server's `gitVersion`.
pub async fn load_cluster() -> Result<(BTreeMap<String, Document>, String)> {
    let (http, server) = cluster_client()?;
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{server}{path}");
        async move {
            let resp = http
                .get(&url)
                .send()
                .await
                .with_context(|| format!("GET {url}"))?;
            let status = resp.status();
            let body = resp.bytes().await.with_context(|| format!("GET {url}"))?;
            if !status.is_success() {
                bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&body));
            }
            anyhow::Ok(body)
        }
    };
    let version: Value = serde_json::from_slice(&get("/version".to_string()).await?)?;
    let git_version = version
        .get("gitVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let index: Value = serde_json::from_slice(&get("/openapi/v3".to_string()).await?)?;
    let paths = index
        .get("paths")
        .and_then(Value::as_object)
        .context("/openapi/v3 has no `paths`")?;
    let mut docs = BTreeMap::new();
    for (key, entry) in paths {
        // Only group/version documents: "api/v1", "apis/apps/v1" (not "apis/apps", "version", …).
        let parts: Vec<&str> = key.split('/').collect();
        let is_gv = matches!(parts.as_slice(), ["api", _] | ["apis", _, _]);
        if !is_gv {
            continue;
        }
        let url = entry
            .get("serverRelativeURL")
            .and_then(Value::as_str)
            .with_context(|| format!("/openapi/v3: no serverRelativeURL for {key}"))?;
        let body = get(url.to_string()).await?;
        let doc: Document = serde_json::from_slice(&body)
            .with_context(|| format!("parsing the OpenAPI document of {key}"))?;
        docs.insert(format!("{}_openapi.json", key.replace('/', "__")), doc);
    }
    Ok((docs, git_version))
}

/// An HTTP client and server URL for `--from-cluster`: `$KUBECONFIG` when set and it names
/// certificate files, else the local control plane.
fn cluster_client() -> Result<(reqwest::Client, String)> {
    if let Some(path) = std::env::var_os("KUBECONFIG").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return kubeconfig_client(&path)
            .with_context(|| format!("using the kubeconfig {}", path.display()));
    }
    let dir = k8s_testenv::shared_dir();
    let plane = k8s_testenv::ControlPlane::attach(&dir)?.with_context(|| {
        format!(
            "no KUBECONFIG and no local control plane in {} (run `cargo xtask cluster up`)",
            dir.display()
        )
    })?;
    let pki = plane.pki();
    let http = http_client(&pki.ca_cert, (&pki.admin_cert, &pki.admin_key))?;
    Ok((http, plane.server()))
}

/// A client from the current context of a kubeconfig that authenticates with a client
/// certificate (file paths or inline data; inline data is written to a private temp directory).
fn kubeconfig_client(path: &Path) -> Result<(reqwest::Client, String)> {
    let text = std::fs::read_to_string(path)?;
    let config: serde_yaml::Value = serde_yaml::from_str(&text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let current = config
        .get("current-context")
        .and_then(serde_yaml::Value::as_str)
        .context("no current-context")?;
    let find = |list: &str, name: &str| -> Result<serde_yaml::Value> {
        config
            .get(list)
            .and_then(serde_yaml::Value::as_sequence)
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i.get("name").and_then(serde_yaml::Value::as_str) == Some(name))
            })
            .cloned()
            .with_context(|| format!("no {list} entry named {name:?}"))
    };
    let context = find("contexts", current)?;
    let field = |v: &serde_yaml::Value, a: &str, b: &str| -> Option<String> {
        v.get(a)
            .and_then(|x| x.get(b))
            .and_then(serde_yaml::Value::as_str)
            .map(str::to_string)
    };
    let cluster_name = field(&context, "context", "cluster").context("context has no cluster")?;
    let user_name = field(&context, "context", "user").context("context has no user")?;
    let cluster = find("clusters", &cluster_name)?;
    let user = find("users", &user_name)?;
    let server = field(&cluster, "cluster", "server").context("cluster has no server")?;
    let tmp = std::env::temp_dir().join(format!("k8s-rs-codegen-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let file = |v: &serde_yaml::Value, section: &str, key: &str, out: &str| -> Result<PathBuf> {
        if let Some(p) = field(v, section, key) {
            let p = PathBuf::from(p);
            return Ok(if p.is_absolute() { p } else { base.join(p) });
        }
        let data = field(v, section, &format!("{key}-data"))
            .with_context(|| format!("{section} has neither {key} nor {key}-data"))?;
        let bytes = base64_decode(&data)?;
        let dest = tmp.join(out);
        std::fs::write(&dest, bytes)?;
        Ok(dest)
    };
    let ca = file(&cluster, "cluster", "certificate-authority", "ca.crt")?;
    let cert = file(&user, "user", "client-certificate", "client.crt")?;
    let key = file(&user, "user", "client-key", "client.key")?;
    let http = http_client(&ca, (&cert, &key))?;
    Ok((http, server.trim_end_matches('/').to_string()))
}

/// A reqwest client over rustls (ring) trusting `ca` and presenting a client certificate.
fn http_client(ca: &Path, (cert, key): (&Path, &Path)) -> Result<reqwest::Client> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut read(ca)?.as_slice()) {
        roots
            .add(c.with_context(|| ca.display().to_string())?)
            .with_context(|| ca.display().to_string())?;
    }
    let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| cert.display().to_string())?;
    let key_der = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .with_context(|| key.display().to_string())?
        .with_context(|| format!("{}: no private key in file", key.display()))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key_der)
        .with_context(|| cert.display().to_string())?;
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()?)
}

/// Standard base64 (with or without padding), enough for kubeconfig `*-data` fields.
fn base64_decode(text: &str) -> Result<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .with_context(|| format!("invalid base64 byte {c:?}"))?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_of_known_values() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a$").is_err());
    }

    #[test]
    fn schema_parses_the_kubernetes_extensions() {
        let s: Schema = serde_json::from_value(serde_json::json!({
            "type": "object",
            "properties": {"a": {"allOf": [{"$ref": "#/components/schemas/x.Y"}], "default": {}}},
            "required": ["a"],
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Pod"}],
            "additionalProperties": false
        }))
        .unwrap();
        assert_eq!(s.gvk[0].kind, "Pod");
        assert_eq!(
            s.properties["a"].all_of[0].ref_.as_deref(),
            Some("#/components/schemas/x.Y")
        );
        assert_eq!(
            s.additional_properties,
            Some(AdditionalProperties::Bool(false))
        );
    }
}
