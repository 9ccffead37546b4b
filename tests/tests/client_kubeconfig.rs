//! The kubeconfig semantics table, with the real `kubectl` v1.37.2 as the oracle.
//!
//! Every case writes kubeconfig files into a scratch directory and asks both kubectl and
//! k8s-client about them:
//!
//! - **The merged files**: `kubectl config view --merge --flatten -o json` (or `--raw`, which
//!   shows paths as written) against [`Kubeconfig::view`] of our merged, flattened config —
//!   whole documents, so every field of every cluster, user and context, and which file won each
//!   name, are compared.
//! - **The resolved context** (overrides applied): `kubectl create token sa` against a server
//!   that refuses connections. Its users are exec plugins — a script that records the argument
//!   naming the user, the path it was started as, and `KUBERNETES_EXEC_INFO`, which carries the
//!   cluster client-go resolved (server, tls-server-name, insecure, CA data, proxy, the exec
//!   extension) — and kubectl's error names the URL it posted to, which carries the server and
//!   the namespace. That is client-go's own `ClientConfig()` at work, not a re-implementation.
//!
//! `KUBECONFIG` and `HOME` are set on the kubectl child only; the test process environment is
//! never touched (our side gets the same values through [`KubeconfigOptions`]). No control
//! plane is needed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use k8s_client::Error;
use k8s_client::config::{Config, Kubeconfig, KubeconfigOptions};
use k8s_testenv::{Binaries, Pki};
use serde_json::Value;

/// A scratch directory with a throw-away PKI and the recording exec plugin.
struct Scratch {
    dir: PathBuf,
    kubectl: PathBuf,
    pki: Pki,
}

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "k8s-rs-kubeconfig-oracle-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki::generate(&dir.join("pki")).unwrap();
        let kubectl = Binaries::find().unwrap().kubectl;
        let scratch = Scratch { dir, kubectl, pki };
        scratch.write_plugin("bin/plugin");
        scratch
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// An exec plugin that records `$0`, `$1` and `KUBERNETES_EXEC_INFO` into `$ORACLE_OUT`
    /// and hands out a token.
    fn write_plugin(&self, rel: &str) -> PathBuf {
        let path = self.write(
            rel,
            "#!/bin/sh\n\
             { printf '%s\\n%s\\n' \"$0\" \"$1\"; printf '%s' \"$KUBERNETES_EXEC_INFO\"; } > \"$ORACLE_OUT\"\n\
             echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"oracle-token\"}}'\n",
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(&self.pki.ca_cert).unwrap()
    }

    /// `KUBECONFIG` for `files`, joined with the OS separator.
    fn env(&self, files: &[&Path]) -> OsString {
        std::env::join_paths(files).unwrap()
    }

    /// Our options for a `KUBECONFIG` value (and a HOME without a kubeconfig).
    fn opts(&self, env: &OsString) -> KubeconfigOptions {
        KubeconfigOptions {
            kubeconfig_env: Some(env.clone()),
            home: Some(self.dir.clone()),
            ..Default::default()
        }
    }

    /// Runs kubectl with `KUBECONFIG=env` (HOME is the scratch dir) and returns its exit status
    /// and stdout + stderr.
    fn kubectl(&self, env: &OsString, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(&self.kubectl)
            .args(args)
            .env("KUBECONFIG", env)
            .env("HOME", &self.dir)
            .env("ORACLE_OUT", self.path("oracle.out"))
            .env_remove("KUBERNETES_MASTER")
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `kubectl config view -o json <args>`.
    fn view(&self, env: &OsString, args: &[&str]) -> Value {
        let mut all = vec!["config", "view", "-o", "json"];
        all.extend_from_slice(args);
        let (ok, stdout, stderr) = self.kubectl(env, &all);
        assert!(ok, "kubectl {all:?} failed: {stderr}");
        serde_json::from_str(&stdout).unwrap()
    }

    /// What kubectl resolves for `flags`: see [`Resolved`].
    fn resolve(&self, env: &OsString, flags: &[&str]) -> Resolved {
        let _ = std::fs::remove_file(self.path("oracle.out"));
        let mut args = vec!["create", "token", "sa"];
        args.extend_from_slice(flags);
        let (ok, _, stderr) = self.kubectl(env, &args);
        assert!(!ok, "nothing listens there, kubectl cannot succeed");
        let recorded = std::fs::read_to_string(self.path("oracle.out")).ok();
        let url = stderr
            .split("Post \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string);
        let (server, namespace) = match &url {
            Some(url) => {
                let (server, rest) = url.split_once("/api/v1/namespaces/").unwrap();
                let namespace = rest.split('/').next().unwrap();
                (Some(server.to_string()), Some(namespace.to_string()))
            }
            None => (None, None),
        };
        let (plugin_path, user, exec_info) = match recorded {
            Some(text) => {
                let mut lines = text.splitn(3, '\n');
                let path = lines.next().unwrap().to_string();
                let user = lines.next().unwrap().to_string();
                let info: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
                (Some(path), Some(user), Some(info))
            }
            None => (None, None, None),
        };
        Resolved {
            server,
            namespace,
            plugin_path,
            user,
            exec_info,
            stderr,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What kubectl resolved for one invocation.
#[derive(Debug)]
struct Resolved {
    /// The server kubectl posted to (from its error message).
    server: Option<String>,
    /// The namespace in that URL.
    namespace: Option<String>,
    /// The path the exec plugin was started as.
    plugin_path: Option<String>,
    /// The plugin's first argument: which user was chosen.
    user: Option<String>,
    /// `KUBERNETES_EXEC_INFO`.
    exec_info: Option<Value>,
    /// kubectl's stderr.
    stderr: String,
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Compares our resolved config with kubectl's, field by field.
fn assert_same_resolution(ours: &Config, kubectl: &Resolved, case: &str) {
    assert_eq!(
        Some(&ours.server),
        kubectl.server.as_ref(),
        "{case}: server; {kubectl:?}"
    );
    assert_eq!(
        Some(&ours.namespace),
        kubectl.namespace.as_ref(),
        "{case}: namespace"
    );
    let exec = ours
        .auth
        .exec
        .as_ref()
        .unwrap_or_else(|| panic!("{case}: no exec user"));
    assert_eq!(
        kubectl.user.as_deref(),
        exec.args.first().map(String::as_str),
        "{case}: user"
    );
    assert_eq!(
        kubectl.plugin_path.as_deref(),
        Some(exec.command.to_str().unwrap()),
        "{case}: plugin path"
    );
    let info = &kubectl.exec_info.as_ref().unwrap()["spec"]["cluster"];
    let ours_info = exec
        .cluster
        .as_ref()
        .unwrap_or_else(|| panic!("{case}: no cluster info"));
    assert_eq!(
        info["server"].as_str(),
        Some(ours_info.server.as_str()),
        "{case}"
    );
    assert_eq!(
        info["tls-server-name"].as_str(),
        ours_info.tls_server_name.as_deref(),
        "{case}: tls-server-name"
    );
    assert_eq!(
        info["insecure-skip-tls-verify"].as_bool().unwrap_or(false),
        ours_info.insecure_skip_tls_verify,
        "{case}: insecure"
    );
    assert_eq!(
        info["certificate-authority-data"].as_str(),
        ours_info
            .certificate_authority_data
            .as_deref()
            .map(b64)
            .as_deref(),
        "{case}: CA data"
    );
    assert_eq!(
        info["proxy-url"].as_str(),
        ours_info.proxy_url.as_deref(),
        "{case}: proxy-url"
    );
    assert_eq!(
        info["disable-compression"].as_bool().unwrap_or(false),
        ours_info.disable_compression,
        "{case}: disable-compression"
    );
    let config = (!info["config"].is_null()).then(|| info["config"].clone());
    assert_eq!(config, ours_info.config, "{case}: exec extension");
    // Ours agrees with itself: the TLS settings are the ones handed to the plugin.
    assert_eq!(ours.tls.server_name, ours_info.tls_server_name, "{case}");
    assert_eq!(
        ours.tls.insecure, ours_info.insecure_skip_tls_verify,
        "{case}"
    );
    assert_eq!(
        ours.tls.ca_data, ours_info.certificate_authority_data,
        "{case}"
    );
}

/// Our answer to `kubectl config view --merge --flatten -o json`.
fn our_flat_view(options: &KubeconfigOptions) -> Value {
    let mut kc = Kubeconfig::load_unresolved(options).unwrap();
    kc.flatten().unwrap();
    kc.view()
}

/// An exec user recording `name` (interactiveMode Never, cluster info provided).
fn exec_user(name: &str, command: &str) -> String {
    format!(
        "- name: {name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {command}\n      args: [{name}]\n      interactiveMode: Never\n      provideClusterInfo: true\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Merging files.

#[test]
fn two_files_defining_a_cluster_differently_first_wins_whole() {
    let s = Scratch::new("first-wins");
    let plugin = s.path("bin/plugin");
    let plugin = plugin.to_str().unwrap();
    let first = s.write(
        "a/config",
        format!(
            "current-context: shared\n\
             clusters:\n- name: shared\n  cluster:\n    server: https://127.0.0.2:1\n    certificate-authority-data: {ca}\n\
             users:\n{user}\
             contexts:\n- name: shared\n  context: {{cluster: shared, user: alice}}\n",
            ca = b64(&s.ca_pem()),
            user = exec_user("alice", plugin),
        ),
    );
    let second = s.write(
        "b/config",
        format!(
            "current-context: second\n\
             clusters:\n\
             - name: shared\n  cluster:\n    server: https://127.0.0.3:1\n    tls-server-name: only.in.second\n    disable-compression: true\n\
             - name: second-only\n  cluster: {{server: https://127.0.0.4:1, insecure-skip-tls-verify: true}}\n\
             users:\n{alice}{bob}\
             contexts:\n- name: shared\n  context: {{cluster: second-only, user: bob, namespace: second}}\n\
             - name: second\n  context: {{cluster: second-only, user: bob}}\n",
            alice = exec_user("alice", "/not/this/one"),
            bob = exec_user("bob", plugin),
        ),
    );
    let env = s.env(&[&first, &second]);
    let options = s.opts(&env);
    let theirs = s.view(&env, &["--merge", "--flatten"]);
    assert_eq!(our_flat_view(&options), theirs);
    let shared = theirs["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "shared")
        .unwrap();
    assert_eq!(shared["cluster"]["server"], "https://127.0.0.2:1");
    assert!(shared["cluster"].get("tls-server-name").is_none());

    let kc = Kubeconfig::load(&options).unwrap();
    assert_eq!(
        kc.clusters["shared"].origin.as_deref(),
        Some(first.as_path())
    );
    assert_eq!(
        kc.clusters["second-only"].origin.as_deref(),
        Some(second.as_path())
    );
    assert_eq!(kc.users["alice"].origin.as_deref(), Some(first.as_path()));
    assert_eq!(
        kc.contexts["shared"].origin.as_deref(),
        Some(first.as_path())
    );

    for flags in [&[][..], &["--context", "second"][..]] {
        let ours = Config::from_kubeconfig(&KubeconfigOptions {
            context: flags.get(1).map(|c| c.to_string()),
            ..options.clone()
        })
        .unwrap();
        assert_same_resolution(&ours, &s.resolve(&env, flags), &format!("{flags:?}"));
    }
}

#[test]
fn current_context_comes_from_the_first_file_that_sets_it() {
    let s = Scratch::new("current-context");
    let plugin = s.path("bin/plugin");
    let body = |cluster: &str, ip: &str| {
        format!(
            "clusters:\n- name: {cluster}\n  cluster: {{server: https://{ip}:1, insecure-skip-tls-verify: true}}\n\
             users:\n{user}\
             contexts:\n- name: {cluster}\n  context: {{cluster: {cluster}, user: u-{cluster}, namespace: ns-{cluster}}}\n",
            user = exec_user(&format!("u-{cluster}"), plugin.to_str().unwrap()),
        )
    };
    let none = s.write("1", body("one", "127.0.0.2"));
    let b = s.write(
        "2",
        format!("current-context: two\n{}", body("two", "127.0.0.3")),
    );
    let c = s.write(
        "3",
        format!("current-context: one\n{}", body("three", "127.0.0.4")),
    );
    let env = s.env(&[&none, &b, &c]);
    let options = s.opts(&env);
    let theirs = s.view(&env, &["--merge", "--flatten"]);
    assert_eq!(theirs["current-context"], "two");
    assert_eq!(our_flat_view(&options), theirs);
    let ours = Config::from_kubeconfig(&options).unwrap();
    assert_same_resolution(&ours, &s.resolve(&env, &[]), "current-context");
    assert_eq!(ours.namespace, "ns-two");
}

#[test]
fn missing_files_in_the_list_are_skipped() {
    let s = Scratch::new("missing");
    let a = s.write(
        "a",
        "current-context: a\nclusters:\n- name: a\n  cluster: {server: https://a}\n",
    );
    let b = s.write(
        "b",
        "current-context: b\nclusters:\n- name: b\n  cluster: {server: https://b}\n",
    );
    let gone = s.path("gone");
    let env = s.env(&[&gone, &a, &s.path("also/gone"), &b]);
    let theirs = s.view(&env, &["--merge", "--flatten"]);
    assert_eq!(our_flat_view(&s.opts(&env)), theirs);
    assert_eq!(theirs["current-context"], "a");
    assert_eq!(Kubeconfig::load(&s.opts(&env)).unwrap().files, [a, b]);

    // None of them exists: kubectl sees an empty config; so do we, and using it is an error.
    let env = s.env(&[&gone]);
    assert_eq!(
        our_flat_view(&s.opts(&env)),
        s.view(&env, &["--merge", "--flatten"])
    );
    // Ours names the file and how it was chosen (client-go: "no configuration has been
    // provided, try setting KUBERNETES_MASTER environment variable").
    let err = Config::from_kubeconfig(&s.opts(&env))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "kubeconfig {}: no such file (named by KUBECONFIG)",
            gone.display()
        )
    );
}

#[test]
fn duplicates_in_the_list_are_read_once() {
    let s = Scratch::new("duplicates");
    let a = s.write(
        "a",
        "clusters:\n- name: a\n  cluster: {server: https://a}\n",
    );
    let b = s.write(
        "b",
        "current-context: b\nclusters:\n- name: a\n  cluster: {server: https://b}\n",
    );
    let env = s.env(&[&a, &b, &a, &b]);
    let options = s.opts(&env);
    assert_eq!(options.files(), [a.clone(), b.clone()]);
    assert_eq!(
        our_flat_view(&options),
        s.view(&env, &["--merge", "--flatten"])
    );
    assert_eq!(Kubeconfig::load(&options).unwrap().files, [a, b]);
}

#[test]
fn a_rich_config_views_the_same_raw() {
    let s = Scratch::new("rich");
    let first = s.write(
        "first",
        "apiVersion: v1\nkind: Config\n\
         preferences: {colors: true, extensions: [{name: p, extension: {a: 1}}]}\n\
         clusters:\n- name: c\n  cluster:\n    server: https://c:6443/prefix\n    tls-server-name: sni\n    proxy-url: socks5://proxy:1080\n    disable-compression: true\n    certificate-authority: relative/ca.crt\n    vendor-field: dropped\n    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: {audience: c, nested: {list: [1, true, null]}}\n\
         - name: yaml11\n  cluster: {server: https://y, insecure-skip-tls-verify: yes, disable-compression: on}\n\
         users:\n\
         - name: full\n  user:\n    token: tok\n    tokenFile: tokens/t\n    as: someone\n    as-uid: \"7\"\n    as-groups: [g1, g2]\n    as-user-extra: {k: [v1, v2]}\n    client-certificate: c.crt\n    client-key: c.key\n\
         - name: basic\n  user: {username: u, password: p}\n\
         - name: beta\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./p, args: [], env: [{name: A, value: B}], installHint: hint}\n\
         - name: oidc\n  user:\n    auth-provider: {name: oidc, config: {id-token: x, client-id: kube}}\n\
         contexts:\n- name: ctx\n  context: {cluster: c, user: full, namespace: ns, extensions: [{name: e, extension: [1]}]}\n\
         - name: empty\n  context: {}\n\
         current-context: ctx\n\
         extensions:\n- name: top\n  extension: {apiVersion: v1, kind: Thing}\n",
    );
    let second = s.write(
        "second",
        "preferences: {extensions: [{name: p, extension: second}, {name: q, extension: second}]}\n\
         extensions:\n- name: top\n  extension: second\n- name: more\n  extension: \"str\"\n",
    );
    let env = s.env(&[&first, &second]);
    let theirs = s.view(&env, &["--raw"]);
    let ours = Kubeconfig::load_unresolved(&s.opts(&env)).unwrap().view();
    assert_eq!(ours, theirs, "ours:\n{ours:#}\nkubectl:\n{theirs:#}");
}

#[test]
fn relative_paths_resolve_against_the_defining_files_directory() {
    let s = Scratch::new("relative");
    // The files referenced live next to (and above) the kubeconfig, far from the working dir.
    std::fs::create_dir_all(s.path("elsewhere/kube/certs")).unwrap();
    std::fs::copy(&s.pki.ca_cert, s.path("elsewhere/ca.crt")).unwrap();
    std::fs::copy(&s.pki.admin_cert, s.path("elsewhere/kube/certs/admin.crt")).unwrap();
    std::fs::copy(&s.pki.admin_key, s.path("elsewhere/kube/certs/admin.key")).unwrap();
    s.write_plugin("elsewhere/kube/bin/plugin");
    let config = s.write(
        "elsewhere/kube/config",
        format!(
            "current-context: exec\n\
             clusters:\n- name: c\n  cluster: {{server: https://127.0.0.2:1, certificate-authority: ../ca.crt}}\n\
             users:\n- name: certs\n  user: {{client-certificate: certs/admin.crt, client-key: ./certs/../certs/admin.key}}\n\
             - name: tokens\n  user: {{tokenFile: ../tokens/missing}}\n{exec}\
             contexts:\n- name: exec\n  context: {{cluster: c, user: exec}}\n\
             - name: certs\n  context: {{cluster: c, user: certs}}\n\
             - name: tokens\n  context: {{cluster: c, user: tokens}}\n",
            exec = exec_user("exec", "./bin/plugin"),
        ),
    );
    let env = s.env(&[&config]);
    let options = s.opts(&env);

    // Paths as written (--raw) and read (--flatten) agree.
    let raw = Kubeconfig::load_unresolved(&options).unwrap().view();
    assert_eq!(raw, s.view(&env, &["--raw"]));
    let flat = s.view(&env, &["--merge", "--flatten"]);
    assert_eq!(our_flat_view(&options), flat);
    assert_eq!(
        flat["clusters"][0]["cluster"]["certificate-authority-data"],
        b64(&s.ca_pem())
    );

    // The exec command `./bin/plugin` is started from the kubeconfig's directory.
    let ours = Config::from_kubeconfig(&options).unwrap();
    let theirs = s.resolve(&env, &[]);
    assert_same_resolution(&ours, &theirs, "relative exec");
    assert_eq!(
        theirs.plugin_path.as_deref(),
        s.path("elsewhere/kube/bin/plugin").to_str()
    );

    // Client certificate files are found (kubectl gets as far as the network).
    let certs = KubeconfigOptions {
        context: Some("certs".into()),
        ..options.clone()
    };
    let ours = Config::from_kubeconfig(&certs).unwrap();
    assert_eq!(
        ours.tls.client_cert,
        Some(std::fs::read(&s.pki.admin_cert).unwrap())
    );
    let theirs = s.resolve(&env, &["--context", "certs"]);
    assert_eq!(
        theirs.server.as_deref(),
        Some(ours.server.as_str()),
        "{}",
        theirs.stderr
    );

    // A missing token file is named with the same resolved path.
    let err = Config::from_kubeconfig(&KubeconfigOptions {
        context: Some("tokens".into()),
        ..options.clone()
    })
    .unwrap_err();
    let Error::ReadFile { field, path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(field, "users[tokens].tokenFile");
    assert_eq!(path, &s.path("elsewhere/tokens/missing"));
    let theirs = s.resolve(&env, &["--context", "tokens"]);
    assert!(
        theirs.stderr.contains(path.to_str().unwrap()),
        "{}",
        theirs.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Overrides.

/// Two clusters, two exec users, two contexts.
fn override_config(s: &Scratch) -> PathBuf {
    let plugin = s.path("bin/plugin");
    let plugin = plugin.to_str().unwrap();
    s.write(
        "config",
        format!(
            "current-context: main\n\
             clusters:\n\
             - name: main\n  cluster:\n    server: https://127.0.0.2:1\n    tls-server-name: main.sni\n    certificate-authority-data: {ca}\n    proxy-url: http://127.0.0.9:1\n    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: {{audience: main}}\n\
             - name: other\n  cluster: {{server: https://127.0.0.3:1, insecure-skip-tls-verify: true, disable-compression: true}}\n\
             users:\n{a}{b}\
             contexts:\n\
             - name: main\n  context: {{cluster: main, user: alice, namespace: team}}\n\
             - name: other\n  context: {{cluster: other, user: bob}}\n",
            ca = b64(&s.ca_pem()),
            a = exec_user("alice", plugin),
            b = exec_user("bob", plugin),
        ),
    )
}

#[test]
fn overrides_resolve_like_kubectl() {
    let s = Scratch::new("overrides");
    let config = override_config(&s);
    let env = s.env(&[&config]);
    let ca_override = s.pki.ca_cert.to_str().unwrap().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--context", "other"],
        vec!["--namespace", "elsewhere"],
        vec!["--context", "other", "--namespace", "elsewhere"],
        vec!["--server", "https://127.0.0.4:1"],
        vec![
            "--server",
            "https://127.0.0.4:1",
            "--tls-server-name",
            "given.sni",
        ],
        vec!["--tls-server-name", "given.sni"],
        vec!["--insecure-skip-tls-verify"],
        vec![
            "--insecure-skip-tls-verify",
            "--tls-server-name",
            "given.sni",
        ],
        vec![
            "--context",
            "other",
            "--certificate-authority",
            &ca_override,
        ],
        vec!["--certificate-authority", &ca_override],
        vec!["--cluster", "other"],
        vec!["--user", "bob"],
        vec!["--context", "other", "--cluster", "main", "--user", "alice"],
    ];
    for flags in cases {
        let mut options = s.opts(&env);
        let mut args = flags.iter();
        while let Some(flag) = args.next() {
            let mut value = || args.next().unwrap().to_string();
            match *flag {
                "--context" => options.context = Some(value()),
                "--namespace" => options.namespace = Some(value()),
                "--server" => options.server = Some(value()),
                "--tls-server-name" => options.tls_server_name = Some(value()),
                "--insecure-skip-tls-verify" => options.insecure_skip_tls_verify = Some(true),
                "--certificate-authority" => options.certificate_authority = Some(value().into()),
                "--cluster" => options.cluster = Some(value()),
                "--user" => options.user = Some(value()),
                other => panic!("{other}"),
            }
        }
        let ours = Config::from_kubeconfig(&options).unwrap_or_else(|e| panic!("{flags:?}: {e}"));
        let theirs = s.resolve(&env, &flags);
        assert_same_resolution(&ours, &theirs, &format!("{flags:?}"));
    }
}

#[test]
fn minify_with_context_matches() {
    let s = Scratch::new("minify");
    let config = override_config(&s);
    let env = s.env(&[&config]);
    for context in [None, Some("other")] {
        let mut args = vec!["--minify", "--flatten"];
        if let Some(context) = context {
            args.extend(["--context", context]);
        }
        let theirs = s.view(&env, &args);
        let mut ours = Kubeconfig::load_unresolved(&s.opts(&env)).unwrap();
        ours.minify(context).unwrap();
        ours.flatten().unwrap();
        assert_eq!(ours.view(), theirs, "{context:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: both refuse, and say the same thing.

#[test]
fn errors_agree_with_kubectl() {
    let s = Scratch::new("errors");
    let config = override_config(&s);
    let env = s.env(&[&config]);

    // Unknown --context / --user / --cluster.
    let err = Config::from_kubeconfig(&KubeconfigOptions {
        context: Some("nope".into()),
        ..s.opts(&env)
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("context \"nope\" does not exist"), "{err}");
    let theirs = s.resolve(&env, &["--context", "nope"]);
    // kubectl validates before it builds (client-go's other message for the same check).
    assert!(
        theirs
            .stderr
            .contains("context was not found for specified context: nope"),
        "{}",
        theirs.stderr
    );
    let err = Config::from_kubeconfig(&KubeconfigOptions {
        user: Some("nope".into()),
        ..s.opts(&env)
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("auth info \"nope\" does not exist"), "{err}");
    assert!(
        s.resolve(&env, &["--user", "nope"])
            .stderr
            .contains("auth info \"nope\" does not exist")
    );

    // Validation: every message we give, kubectl gives.
    let invalid = s.write(
        "invalid",
        "current-context: c\n\
         clusters:\n- name: k\n  cluster: {server: \"https://127.0.0.2:1\", proxy-url: \"ftp://proxy\"}\n\
         users:\n- name: u\n  user:\n    token: t\n    username: x\n    as-groups: [g]\n    exec: {command: p, apiVersion: client.authentication.k8s.io/v1, env: [{value: v}]}\n\
         contexts:\n- name: c\n  context: {cluster: k, user: u}\n",
    );
    let env = s.env(&[&invalid]);
    let err = Config::from_kubeconfig(&s.opts(&env))
        .unwrap_err()
        .to_string();
    let theirs = s.resolve(&env, &[]).stderr;
    let messages = err
        .trim_start_matches("kubeconfig: invalid configuration: [")
        .trim_end_matches(']');
    let messages: Vec<&str> = messages.split(", ").filter(|m| !m.is_empty()).collect();
    assert!(messages.len() >= 5, "{err}");
    for message in messages {
        assert!(
            theirs.contains(message),
            "kubectl does not say {message:?}:\n{theirs}"
        );
    }

    // Missing referenced files: the same resolved path.
    let missing = s.write(
        "sub/missing",
        "current-context: c\n\
         clusters:\n- name: k\n  cluster: {server: \"https://127.0.0.2:1\", certificate-authority: ca/nope.crt}\n\
         contexts:\n- name: c\n  context: {cluster: k}\n",
    );
    let env = s.env(&[&missing]);
    let err = Config::from_kubeconfig(&s.opts(&env)).unwrap_err();
    let Error::ReadFile { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, &s.path("sub/ca/nope.crt"));
    assert!(s.resolve(&env, &[]).stderr.contains(path.to_str().unwrap()));

    // Malformed YAML and a name twice in a file: both refuse the file.
    for (name, text) in [
        ("bad-yaml", "clusters: {{{\n"),
        (
            "dup",
            "clusters:\n- name: a\n  cluster: {server: https://a}\n- name: a\n  cluster: {server: https://b}\n",
        ),
    ] {
        let file = s.write(name, text);
        let env = s.env(&[&file]);
        let ours = Kubeconfig::load(&s.opts(&env)).unwrap_err();
        assert!(ours.to_string().contains(file.to_str().unwrap()), "{ours}");
        let (ok, _, stderr) = s.kubectl(&env, &["config", "view"]);
        assert!(
            !ok && stderr.contains(file.file_name().unwrap().to_str().unwrap()),
            "{stderr}"
        );
    }

    // An explicit file must exist, even if KUBECONFIG has good ones.
    let gone = s.path("gone");
    let err = Config::from_kubeconfig(&KubeconfigOptions {
        path: Some(gone.clone()),
        ..s.opts(&s.env(&[&config]))
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::ReadFile { path, .. } if path == &gone),
        "{err:?}"
    );
    let theirs = s.resolve(
        &s.env(&[&config]),
        &["--kubeconfig", gone.to_str().unwrap()],
    );
    assert!(theirs.stderr.contains("no such file"), "{}", theirs.stderr);
    assert!(
        theirs.exec_info.is_none(),
        "kubectl did not fall back to KUBECONFIG"
    );
}

#[test]
fn where_kubectl_and_the_library_differ_by_design() {
    let s = Scratch::new("differ");
    // 1. A context naming a missing cluster: kubectl (cli-runtime) falls back to
    //    http://localhost:8080 (its ClusterDefaults); client-go's library default, which we follow,
    //    has no such default and reports that nothing is configured.
    let file = s.write(
        "config",
        "current-context: c\ncontexts:\n- name: c\n  context: {cluster: ghost, user: ghost}\n",
    );
    let env = s.env(&[&file]);
    assert_eq!(
        s.resolve(&env, &[]).server.as_deref(),
        Some("http://localhost:8080")
    );
    let err = Config::from_kubeconfig(&s.opts(&env))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no configuration has been provided"), "{err}");

    // 2. insecure-skip-tls-verify together with a CA: accepted by the loader (both kubectl's
    //    and ours); client-go's transport then refuses it, which our transport must do too.
    let file = s.write(
        "both",
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {{server: https://127.0.0.2:1, insecure-skip-tls-verify: true, certificate-authority-data: {}}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n",
            b64(&s.ca_pem())
        ),
    );
    let env = s.env(&[&file]);
    let config = Config::from_kubeconfig(&s.opts(&env)).unwrap();
    assert!(config.tls.insecure && config.tls.ca_data.is_some());
    let theirs = s.resolve(&env, &[]);
    assert!(
        theirs
            .stderr
            .contains("specifying a root certificates file with the insecure flag is not allowed"),
        "{}",
        theirs.stderr
    );
}
