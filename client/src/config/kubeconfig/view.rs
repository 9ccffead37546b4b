//! `kubectl config view` for a [`Kubeconfig`]: the `v1` JSON document (`--raw -o json`), and the
//! `--minify` and `--flatten` transformations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::model::{Cluster, Context, ExecPlugin, Kubeconfig, User};
use crate::Error;
use crate::secret::SecretBytes;

fn b64(data: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(data))
}

fn path(p: &Path) -> Value {
    Value::String(p.to_string_lossy().into_owned())
}

/// `[{name, extension}]`, or nothing when empty (`omitempty`).
fn extensions(map: &BTreeMap<String, Value>) -> Option<Value> {
    (!map.is_empty()).then(|| {
        Value::Array(
            map.iter()
                .map(|(name, value)| json!({"name": name, "extension": value}))
                .collect(),
        )
    })
}

/// A list of `{name, <key>: …}` sorted by name, or `null` when empty (Go's nil slice).
fn named<T>(map: &BTreeMap<String, T>, key: &str, view: impl Fn(&T) -> Value) -> Value {
    if map.is_empty() {
        return Value::Null;
    }
    Value::Array(
        map.iter()
            .map(|(name, item)| {
                let mut entry = Map::new();
                entry.insert("name".into(), Value::String(name.clone()));
                entry.insert(key.into(), view(item));
                Value::Object(entry)
            })
            .collect(),
    )
}

/// Inserts `value` under `key` when it is `Some` (Go's `omitempty`).
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value);
    }
}

fn cluster_view(c: &Cluster) -> Value {
    let mut m = Map::new();
    m.insert("server".into(), Value::String(c.server.clone()));
    put(
        &mut m,
        "tls-server-name",
        c.tls_server_name.clone().map(Value::String),
    );
    put(
        &mut m,
        "insecure-skip-tls-verify",
        c.insecure_skip_tls_verify.then_some(Value::Bool(true)),
    );
    put(
        &mut m,
        "certificate-authority",
        c.certificate_authority.as_deref().map(path),
    );
    put(
        &mut m,
        "certificate-authority-data",
        c.certificate_authority_data.as_deref().map(b64),
    );
    put(&mut m, "proxy-url", c.proxy_url.clone().map(Value::String));
    put(
        &mut m,
        "disable-compression",
        c.disable_compression.then_some(Value::Bool(true)),
    );
    put(&mut m, "extensions", extensions(&c.extensions));
    Value::Object(m)
}

fn user_view(u: &User) -> Value {
    let mut m = Map::new();
    let string = |s: &Option<String>| s.clone().map(Value::String);
    put(
        &mut m,
        "client-certificate",
        u.client_certificate.as_deref().map(path),
    );
    put(
        &mut m,
        "client-certificate-data",
        u.client_certificate_data.as_deref().map(b64),
    );
    put(&mut m, "client-key", u.client_key.as_deref().map(path));
    put(
        &mut m,
        "client-key-data",
        u.client_key_data.as_ref().map(|k| b64(k.expose())),
    );
    put(
        &mut m,
        "token",
        u.token
            .as_ref()
            .map(|t| Value::String(t.expose().to_string())),
    );
    put(&mut m, "tokenFile", u.token_file.as_deref().map(path));
    put(&mut m, "as", string(&u.impersonate));
    put(&mut m, "as-uid", string(&u.impersonate_uid));
    put(
        &mut m,
        "as-groups",
        (!u.impersonate_groups.is_empty()).then(|| json!(u.impersonate_groups)),
    );
    put(
        &mut m,
        "as-user-extra",
        (!u.impersonate_user_extra.is_empty()).then(|| json!(u.impersonate_user_extra)),
    );
    put(&mut m, "username", string(&u.username));
    put(
        &mut m,
        "password",
        u.password
            .as_ref()
            .map(|p| Value::String(p.expose().to_string())),
    );
    // `config: {}` and a missing config both come back as `null`: the model keeps a map only.
    put(
        &mut m,
        "auth-provider",
        u.auth_provider.as_ref().map(|p| {
            let config: Map<String, Value> = p
                .config
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.expose().to_string())))
                .collect();
            json!({"name": p.name, "config": if config.is_empty() { Value::Null } else { Value::Object(config) }})
        }),
    );
    put(&mut m, "exec", u.exec.as_ref().map(exec_view));
    put(&mut m, "extensions", extensions(&u.extensions));
    Value::Object(m)
}

fn exec_view(e: &ExecPlugin) -> Value {
    let mut m = Map::new();
    m.insert("command".into(), Value::String(e.command.clone()));
    m.insert("args".into(), json!(e.args));
    m.insert(
        "env".into(),
        e.env.as_ref().map_or(Value::Null, |env| {
            Value::Array(
                env.iter()
                    .map(|v| json!({"name": v.name, "value": v.value}))
                    .collect(),
            )
        }),
    );
    put(
        &mut m,
        "apiVersion",
        e.api_version.clone().map(Value::String),
    );
    put(
        &mut m,
        "installHint",
        e.install_hint.clone().map(Value::String),
    );
    m.insert(
        "provideClusterInfo".into(),
        Value::Bool(e.provide_cluster_info),
    );
    put(
        &mut m,
        "interactiveMode",
        e.interactive_mode.clone().map(Value::String),
    );
    Value::Object(m)
}

fn context_view(c: &Context) -> Value {
    let mut m = Map::new();
    m.insert("cluster".into(), Value::String(c.cluster.clone()));
    m.insert("user".into(), Value::String(c.user.clone()));
    put(&mut m, "namespace", c.namespace.clone().map(Value::String));
    put(&mut m, "extensions", extensions(&c.extensions));
    Value::Object(m)
}

impl Kubeconfig {
    /// The document `kubectl config view --raw -o json` prints for this config: `v1` field
    /// names, lists sorted by name, empty fields left out as client-go leaves them out, secrets
    /// included (it is meant to be written to a file, never logged). Unknown keys are dropped.
    pub fn view(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), Value::String("Config".into()));
        m.insert("apiVersion".into(), Value::String("v1".into()));
        let mut preferences = Map::new();
        put(
            &mut preferences,
            "colors",
            self.preferences.colors.then_some(Value::Bool(true)),
        );
        put(
            &mut preferences,
            "extensions",
            extensions(&self.preferences.extensions),
        );
        if !preferences.is_empty() {
            m.insert("preferences".into(), Value::Object(preferences));
        }
        m.insert(
            "clusters".into(),
            named(&self.clusters, "cluster", cluster_view),
        );
        m.insert("users".into(), named(&self.users, "user", user_view));
        m.insert(
            "contexts".into(),
            named(&self.contexts, "context", context_view),
        );
        m.insert(
            "current-context".into(),
            Value::String(self.current_context.clone().unwrap_or_default()),
        );
        put(&mut m, "extensions", extensions(&self.extensions));
        Value::Object(m)
    }

    /// `kubectl config view --minify [--context NAME]`: keeps only the current context (or
    /// `context`, which becomes current) and the cluster and user it names.
    pub fn minify(&mut self, context: Option<&str>) -> Result<(), Error> {
        let fail = |message: String| Error::Kubeconfig {
            path: None,
            message,
        };
        if let Some(context) = context.filter(|c| !c.is_empty()) {
            self.current_context = Some(context.to_string());
        }
        let Some(name) = self.current_context.clone() else {
            return Err(fail("current-context must exist in order to minify".into()));
        };
        let Some(ctx) = self.contexts.remove(&name) else {
            return Err(fail(format!("cannot locate context {name}")));
        };
        let mut clusters = BTreeMap::new();
        if !ctx.cluster.is_empty() {
            let cluster = self
                .clusters
                .remove(&ctx.cluster)
                .ok_or_else(|| fail(format!("cannot locate cluster {}", ctx.cluster)))?;
            clusters.insert(ctx.cluster.clone(), cluster);
        }
        let mut users = BTreeMap::new();
        if !ctx.user.is_empty() {
            let user = self
                .users
                .remove(&ctx.user)
                .ok_or_else(|| fail(format!("cannot locate user {}", ctx.user)))?;
            users.insert(ctx.user.clone(), user);
        }
        self.clusters = clusters;
        self.users = users;
        self.contexts = BTreeMap::from([(name, ctx)]);
        Ok(())
    }

    /// `kubectl config view --flatten`: reads `certificate-authority`, `client-certificate` and
    /// `client-key` into their `-data` fields (relative paths against the defining file's
    /// directory) and clears the paths.
    pub fn flatten(&mut self) -> Result<(), Error> {
        for (name, user) in &mut self.users {
            let base = flatten_base(user.origin.as_deref());
            if let Some(data) = flatten_one(
                &format!("users[{name}].client-certificate"),
                &mut user.client_certificate,
                user.client_certificate_data.is_some(),
                &base,
            )? {
                user.client_certificate_data = Some(data);
            }
            if let Some(data) = flatten_one(
                &format!("users[{name}].client-key"),
                &mut user.client_key,
                user.client_key_data.is_some(),
                &base,
            )? {
                user.client_key_data = Some(SecretBytes::new(data));
            }
        }
        for (name, cluster) in &mut self.clusters {
            let base = flatten_base(cluster.origin.as_deref());
            if let Some(data) = flatten_one(
                &format!("clusters[{name}].certificate-authority"),
                &mut cluster.certificate_authority,
                cluster.certificate_authority_data.is_some(),
                &base,
            )? {
                cluster.certificate_authority_data = Some(data);
            }
        }
        Ok(())
    }
}

/// The directory relative paths of an entry are read against (the working directory when the
/// entry has no file).
fn flatten_base(origin: Option<&Path>) -> PathBuf {
    let dir = origin.and_then(Path::parent).unwrap_or(Path::new(""));
    super::load::absolute(dir)
}

/// client-go `FlattenContent`: the file's bytes (`None` for an empty file), with the path
/// cleared.
fn flatten_one(
    field: &str,
    file: &mut Option<PathBuf>,
    has_data: bool,
    base: &Path,
) -> Result<Option<Vec<u8>>, Error> {
    let Some(p) = file.as_ref() else {
        return Ok(None);
    };
    if has_data {
        return Err(Error::Kubeconfig {
            path: None,
            message: format!("{field}: cannot have values for both path and contents"),
        });
    }
    let full = if p.is_absolute() {
        p.clone()
    } else {
        base.join(p)
    };
    let data = std::fs::read(&full).map_err(|source| Error::ReadFile {
        field: field.to_string(),
        path: full.clone(),
        source,
    })?;
    *file = None;
    // An empty file leaves no data (client-go's `[]byte` field is then empty and omitted).
    Ok((!data.is_empty()).then_some(data))
}
