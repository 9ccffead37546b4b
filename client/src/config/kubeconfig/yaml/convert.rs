//! YAML form -> model: names checked for duplicates, `""` read as unset, client-go's defaulting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{RawCluster, RawContext, RawExec, RawFile, RawNamedExtension, RawUser};
use crate::config::kubeconfig::model::{
    Cluster, Context, ExecPlugin, Kubeconfig, Preferences, UnknownFields, User,
};
use crate::config::{AuthProviderConfig, ExecEnvVar};
use crate::secret::{SecretBytes, SecretString};

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn non_empty_path(s: String) -> Option<PathBuf> {
    (!s.is_empty()).then(|| PathBuf::from(s))
}

fn non_empty_bytes(b: Vec<u8>) -> Option<Vec<u8>> {
    (!b.is_empty()).then_some(b)
}

/// A YAML value as JSON, the way Go's `yaml.YAMLToJSON` does it (map keys become strings;
/// non-finite floats, which JSON cannot carry, become `null`).
fn yaml_to_json(value: &serde_yaml::Value) -> serde_json::Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => serde_json::Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Y::String(s) => serde_json::Value::String(s.clone()),
        Y::Sequence(items) => serde_json::Value::Array(items.iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (yaml_key(k), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(&tagged.value),
    }
}

fn yaml_key(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => "null".to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => serde_json::to_string(&yaml_to_json(other)).unwrap_or_default(),
    }
}

/// Named list -> map; a name twice in one file is an error, as in client-go's conversion.
fn named<R, T>(
    list: Vec<R>,
    what: &str,
    split: impl Fn(R) -> (String, T),
) -> Result<BTreeMap<String, T>, String> {
    let mut map = BTreeMap::new();
    for item in list {
        let (name, value) = split(item);
        if map.contains_key(&name) {
            return Err(format!("duplicate name {name:?} in {what}"));
        }
        map.insert(name, value);
    }
    Ok(map)
}

fn extensions(
    list: Vec<RawNamedExtension>,
    what: &str,
) -> Result<BTreeMap<String, serde_json::Value>, String> {
    named(list, what, |e| (e.name, yaml_to_json(&e.extension)))
}

/// client-go decodes a kubeconfig as a typed object: `apiVersion` is split into group and
/// version (`schema.ParseGroupVersion`: at most one `/`), an empty kind is `Config` and an empty
/// group and version are `v1`, and the result must be the kind `Config` of the group-less
/// version `v1` (or the internal version `__internal`). Names are compared exactly, case and
/// spaces included.
fn check_type(api_version: &str, kind: &str) -> Result<(), String> {
    let (group, version) = match api_version {
        "" | "/" => ("", ""),
        gv => match gv.matches('/').count() {
            0 => ("", gv),
            1 => gv.split_once('/').unwrap_or(("", gv)),
            _ => {
                return Err(format!(
                    "apiVersion {api_version:?} is not a group/version (more than one '/')"
                ));
            }
        },
    };
    let kind = if kind.is_empty() { "Config" } else { kind };
    let version = if version.is_empty() && group.is_empty() {
        "v1"
    } else {
        version
    };
    if version.is_empty() {
        return Err(format!(
            "apiVersion {api_version:?} has no version (expected \"v1\")"
        ));
    }
    if group.is_empty() && matches!(version, "v1" | "__internal") && kind == "Config" {
        return Ok(());
    }
    Err(format!(
        "not a kubeconfig: apiVersion {api_version:?}, kind {kind:?} (expected apiVersion \"v1\", kind \"Config\")"
    ))
}

impl RawFile {
    /// Converts the YAML form into the model; `origin` is recorded on every cluster, user and
    /// context. Errors are messages (the caller adds the file).
    pub(in crate::config::kubeconfig) fn into_model(
        self,
        origin: Option<&Path>,
    ) -> Result<Kubeconfig, String> {
        check_type(&self.api_version, &self.kind)?;
        let origin = origin.map(Path::to_path_buf);
        let mut unknown = self.extra;
        // `kind`/`apiVersion` were checked; keep them with the unknown keys as written.
        if !self.kind.is_empty() {
            unknown.insert("kind".into(), serde_yaml::Value::String(self.kind));
        }
        if !self.api_version.is_empty() {
            unknown.insert(
                "apiVersion".into(),
                serde_yaml::Value::String(self.api_version),
            );
        }
        let clusters = named(self.clusters, "clusters", |c| (c.name, c.cluster))?
            .into_iter()
            .map(|(name, c)| Ok((name, c.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        let users = named(self.users, "users", |u| (u.name, u.user))?
            .into_iter()
            .map(|(name, u)| Ok((name, u.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        let contexts = named(self.contexts, "contexts", |c| (c.name, c.context))?
            .into_iter()
            .map(|(name, c)| Ok((name, c.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        let current_context = non_empty(self.current_context);
        Ok(Kubeconfig {
            current_context_origin: current_context.as_ref().and(origin.clone()),
            files: origin.into_iter().collect(),
            preferences: Preferences {
                colors: self.preferences.colors,
                extensions: extensions(self.preferences.extensions, "preferences.extensions")?,
                unknown: UnknownFields(self.preferences.extra),
            },
            clusters,
            users,
            contexts,
            current_context,
            extensions: extensions(self.extensions, "extensions")?,
            unknown: UnknownFields(unknown),
        })
    }
}

impl RawCluster {
    fn into_model(self, origin: Option<PathBuf>) -> Result<Cluster, String> {
        Ok(Cluster {
            server: self.server,
            tls_server_name: non_empty(self.tls_server_name),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            certificate_authority: non_empty_path(self.certificate_authority),
            certificate_authority_data: non_empty_bytes(self.certificate_authority_data),
            proxy_url: non_empty(self.proxy_url),
            disable_compression: self.disable_compression,
            extensions: extensions(self.extensions, "cluster extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}

impl RawUser {
    fn into_model(self, origin: Option<PathBuf>) -> Result<User, String> {
        Ok(User {
            client_certificate: non_empty_path(self.client_certificate),
            client_certificate_data: non_empty_bytes(self.client_certificate_data),
            client_key: non_empty_path(self.client_key),
            client_key_data: non_empty_bytes(self.client_key_data).map(SecretBytes::new),
            token: non_empty(self.token).map(SecretString::new),
            token_file: non_empty_path(self.token_file),
            impersonate: non_empty(self.impersonate),
            impersonate_uid: non_empty(self.impersonate_uid),
            impersonate_groups: self.impersonate_groups,
            impersonate_user_extra: self
                .impersonate_user_extra
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .collect(),
            username: non_empty(self.username),
            password: non_empty(self.password).map(SecretString::new),
            auth_provider: self.auth_provider.map(|p| AuthProviderConfig {
                name: p.name,
                config: p
                    .config
                    .into_iter()
                    .map(|(k, v)| (k, SecretString::new(v.0)))
                    .collect(),
            }),
            exec: self.exec.map(RawExec::into_model),
            extensions: extensions(self.extensions, "user extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}

impl RawExec {
    fn into_model(self) -> ExecPlugin {
        let mut interactive_mode = non_empty(self.interactive_mode);
        // client-go's defaulting (api/v1 SetDefaults_ExecConfig): the beta and alpha versions
        // predate the field and mean IfAvailable; v1 must say.
        if interactive_mode.is_none()
            && matches!(
                self.api_version.as_str(),
                "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1"
            )
        {
            interactive_mode = Some("IfAvailable".to_string());
        }
        ExecPlugin {
            command: self.command,
            args: self.args,
            env: self.env.map(|env| {
                env.into_iter()
                    .map(|e| ExecEnvVar {
                        name: e.name,
                        value: e.value,
                    })
                    .collect()
            }),
            api_version: non_empty(self.api_version),
            install_hint: non_empty(self.install_hint),
            provide_cluster_info: self.provide_cluster_info,
            interactive_mode,
            unknown: UnknownFields(self.extra),
        }
    }
}

impl RawContext {
    fn into_model(self, origin: Option<PathBuf>) -> Result<Context, String> {
        Ok(Context {
            cluster: self.cluster,
            user: self.user,
            namespace: non_empty(self.namespace),
            extensions: extensions(self.extensions, "context extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}
