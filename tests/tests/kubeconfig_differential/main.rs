//! The kubeconfig differential: seeded random sets of 1–4 kubeconfig files (see `generate`),
//! loaded by k8s-client and by the real `kubectl` v1.37.2, which must give the same answer or
//! the same class of error on three questions:
//!
//! 1. **The merged, flattened files**: `kubectl config view --merge --flatten -o json` against
//!    [`Kubeconfig::load_unresolved`] + [`Kubeconfig::flatten`] + [`Kubeconfig::view`]: the
//!    whole JSON document, or both refuse (a file that does not load, or a referenced file that
//!    cannot be flattened: the same class).
//! 2. **The current context**: `kubectl config current-context` against
//!    [`Kubeconfig::current_context`].
//! 3. **The resolved client** (overrides `--context`, `--cluster`, `--user`, `--namespace`
//!    applied): `kubectl create token sa` against servers on closed loopback ports, whose error
//!    names the URL it posted to (server, path prefix, namespace), or says why no request was
//!    made; against [`Config::from_kubeconfig`] + [`HttpClient::new`] and the URL of the same
//!    request.
//!
//! Where kubectl differs by design (documented in `k8s_client::config::kubeconfig`), the case
//! is counted as a documented difference, not an agreement: kubectl's fallback to
//! `http://localhost:8080` when nothing is configured, and its terminal prompt for a user name
//! and password when an `https` user has no credentials.
//!
//! Also counted as documented differences: a client certificate or key *file* that is not PEM
//! (refused when we build the client; client-go reads file pairs at each handshake) and an
//! auth-provider's empty `config: {}` (viewed as `null`).
//!
//! `K8S_RS_KCFG_DIFF_CASES` (default 40, about 25 s) sets how many file sets to try,
//! `K8S_RS_KCFG_DIFF_SEED` the first seed (default 19000), and `K8S_RS_KCFG_DIFF_VERBOSE` prints
//! one line per case; `cargo test -p k8s-rs-tests --test kubeconfig_differential -- --nocapture`
//! prints the tally. A disagreeing case keeps its folder and prints its files and both answers.
//! No control plane is needed. A deep run by hand:
//!
//! ```text
//! K8S_RS_KCFG_DIFF_CASES=2000 K8S_RS_KCFG_DIFF_SEED=1000000 \
//!     cargo test -p k8s-rs-tests --test kubeconfig_differential -- --nocapture
//! ```

mod generate;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use k8s_client::config::{Config, Kubeconfig, KubeconfigOptions};
use k8s_client::{Error, HttpClient};
use k8s_testenv::{Binaries, Pki};
use serde_json::Value;

use generate::{Case, Rng};

/// The request both sides make: `kubectl create token sa` posts here.
fn token_path(namespace: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/serviceaccounts/sa/token")
}

/// The shared material of every case.
struct Fixture {
    kubectl: PathBuf,
    ca: Vec<u8>,
    cert: Vec<u8>,
    key: Vec<u8>,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let root = std::env::temp_dir().join(format!("k8s-rs-kcfg-diff-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let pki = Pki::generate(&root.join("pki")).unwrap();
        Fixture {
            kubectl: Binaries::find().unwrap().kubectl,
            ca: std::fs::read(&pki.ca_cert).unwrap(),
            cert: std::fs::read(&pki.admin_cert).unwrap(),
            key: std::fs::read(&pki.admin_key).unwrap(),
            root,
        }
    }

    /// Writes the shared files and the case's files into a fresh folder.
    fn lay_out(&self, n: u64, case: &Case) -> PathBuf {
        let dir = self.root.join(format!("case-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, data: &[u8]| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        };
        // In every folder, so that relative references resolve wherever the file is.
        for folder in generate::FOLDERS {
            let at = |name: &str| {
                if folder.is_empty() {
                    name.to_string()
                } else {
                    format!("{folder}/{name}")
                }
            };
            write(&at("ca.crt"), &self.ca);
            write(&at("empty.crt"), b"");
            write(&at("bad.crt"), b"not a certificate\n");
            write(&at("client.crt"), &self.cert);
            write(&at("client.key"), &self.key);
            write(&at("token"), b"file-token\n");
        }
        write(
            "bin/plugin",
            b"#!/bin/sh\necho \"{\\\"apiVersion\\\":\\\"client.authentication.k8s.io/$1\\\",\\\"kind\\\":\\\"ExecCredential\\\",\\\"status\\\":{\\\"token\\\":\\\"plugin-token\\\"}}\"\n",
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("bin/plugin"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let root = dir.to_str().unwrap();
        for (rel, contents) in &case.files {
            if let Some(contents) = contents {
                // The generated text is UTF-8 (a byte-order mark included).
                let text = String::from_utf8_lossy(contents).replace("$ROOT", root);
                write(rel, text.as_bytes());
            }
        }
        dir
    }
}

/// A case on one side: the answer, or the class of error.
#[derive(Debug, PartialEq)]
enum Outcome<T> {
    Ok(T),
    /// The files do not load (syntax, types, apiVersion/kind, a name twice in a file).
    Load(String),
    /// Something else refused (flattening a missing file, an unusable context …).
    Refused(String),
}

/// What kubectl made of the resolved client.
#[derive(Debug)]
enum Resolution {
    /// It posted to this URL (the request then failed: nothing listens there).
    Posted(String),
    /// It fell back to `http://localhost:8080`: nothing configured (documented).
    Fallback,
    /// It prompted for a user name (documented: we are anonymous).
    Prompted,
    /// It refused before any request (kubectl's message, shown when the sides disagree).
    Refused(#[allow(dead_code)] String),
}

struct Run<'a> {
    fixture: &'a Fixture,
    dir: PathBuf,
    env: OsString,
    case: &'a Case,
}

impl Run<'_> {
    fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(&self.fixture.kubectl)
            .args(args)
            .env("KUBECONFIG", &self.env)
            .env("HOME", &self.dir)
            .env_remove("KUBERNETES_MASTER")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn options(&self) -> KubeconfigOptions {
        KubeconfigOptions {
            kubeconfig_env: Some(self.env.clone()),
            home: Some(self.dir.clone()),
            context: self.case.context.clone(),
            cluster: self.case.cluster.clone(),
            user: self.case.user.clone(),
            namespace: self.case.namespace.clone(),
            ..Default::default()
        }
    }

    fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for (flag, value) in [
            ("--context", &self.case.context),
            ("--cluster", &self.case.cluster),
            ("--user", &self.case.user),
            ("--namespace", &self.case.namespace),
        ] {
            if let Some(value) = value {
                flags.push(format!("{flag}={value}"));
            }
        }
        flags
    }

    fn kubectl_view(&self) -> Outcome<Value> {
        let (ok, stdout, stderr) =
            self.kubectl(&["config", "view", "--merge", "--flatten", "-o", "json"]);
        if ok {
            Outcome::Ok(serde_json::from_str(&stdout).unwrap())
        } else if stderr.contains("error loading config file") {
            Outcome::Load(stderr)
        } else {
            Outcome::Refused(stderr)
        }
    }

    fn our_view(&self) -> Outcome<Value> {
        let mut kubeconfig = match Kubeconfig::load_unresolved(&self.options()) {
            Ok(k) => k,
            Err(e) => return Outcome::Load(e.to_string()),
        };
        match kubeconfig.flatten() {
            Ok(()) => Outcome::Ok(kubeconfig.view()),
            Err(e) => Outcome::Refused(e.to_string()),
        }
    }

    fn kubectl_current_context(&self) -> Outcome<String> {
        let (ok, stdout, stderr) = self.kubectl(&["config", "current-context"]);
        if ok {
            Outcome::Ok(stdout.trim_end_matches('\n').to_string())
        } else if stderr.contains("error loading config file") {
            Outcome::Load(stderr)
        } else {
            Outcome::Refused(stderr)
        }
    }

    fn our_current_context(&self) -> Outcome<String> {
        match Kubeconfig::load_unresolved(&self.options()) {
            Ok(k) => match k.current_context {
                Some(name) => Outcome::Ok(name),
                None => Outcome::Refused("current-context is not set".into()),
            },
            Err(e) => Outcome::Load(e.to_string()),
        }
    }

    fn kubectl_resolution(&self) -> Resolution {
        let mut args: Vec<String> = ["create", "token", "sa"].map(String::from).to_vec();
        args.extend(self.flags());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, stdout, stderr) = self.kubectl(&args);
        assert!(
            !ok,
            "nothing listens there, kubectl cannot succeed: {stdout}"
        );
        if stdout.contains("Please enter Username") {
            return Resolution::Prompted;
        }
        match stderr
            .split("Post \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            Some(url) if url.starts_with("http://localhost:8080/") => Resolution::Fallback,
            Some(url) => Resolution::Posted(without_userinfo(url)),
            None => Resolution::Refused(stderr),
        }
    }

    /// Our client's URL for the same request, or why there is no client.
    fn our_resolution(&self) -> Result<String, Error> {
        let options = self.options();
        let config = Config::from_kubeconfig(&options)?;
        let namespace = config.namespace.clone();
        let client = HttpClient::new(config)?;
        Ok(client.url(&token_path(&namespace))?.to_string())
    }
}

/// Our errors for "no usable cluster", where kubectl falls back to `http://localhost:8080`:
/// no file, no current-context, a context naming no (or a missing) cluster, a cluster with no
/// server.
fn nothing_configured(e: &Error) -> bool {
    let text = e.to_string();
    [
        "no configuration has been provided",
        "no such file",
        "no server found for cluster",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Our error for a client certificate or key *file* whose content is not PEM: we refuse when
/// the client is built; client-go reads a file pair at each handshake (logging the failure and
/// going on without a client certificate), so kubectl gets as far as the request.
fn client_cert_file_refused(e: &Error) -> bool {
    let text = e.to_string();
    matches!(e, Error::Tls { .. })
        && (text.contains("].client-certificate:") || text.contains("].client-key:"))
}

fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// Where two JSON documents first differ, as `path: ours vs kubectl`.
fn first_difference(at: &str, ours: &Value, theirs: &Value) -> String {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let (x, y) = (a.get(key), b.get(key));
                if x != y {
                    return first_difference(
                        &format!("{at}.{key}"),
                        x.unwrap_or(&Value::Null),
                        y.unwrap_or(&Value::Null),
                    );
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x != y {
                    return first_difference(&format!("{at}[{i}]"), x, y);
                }
            }
        }
        _ => {}
    }
    format!("{at}: ours {ours} vs kubectl {theirs}")
}

/// kubectl's view with every empty auth-provider `config: {}` written as `null`, which is how
/// ours shows it (our model keeps the settings as a map, absent or empty alike).
fn empty_auth_provider_config_as_null(mut view: Value) -> Value {
    if let Some(users) = view["users"].as_array_mut() {
        for user in users {
            // `get_mut`, not indexing, which would add the keys it does not find.
            if let Some(config) = user
                .get_mut("user")
                .and_then(|u| u.get_mut("auth-provider"))
                .and_then(|p| p.get_mut("config"))
                && config.as_object().is_some_and(|c| c.is_empty())
            {
                *config = Value::Null;
            }
        }
    }
    view
}

/// Whether two outcomes agree: equal answers, or errors of the same class.
fn same<T: PartialEq>(ours: &Outcome<T>, theirs: &Outcome<T>) -> bool {
    match (ours, theirs) {
        (Outcome::Ok(a), Outcome::Ok(b)) => a == b,
        (Outcome::Load(_), Outcome::Load(_)) | (Outcome::Refused(_), Outcome::Refused(_)) => true,
        _ => false,
    }
}

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    views_equal: usize,
    views_both_refused: usize,
    contexts_equal: usize,
    contexts_both_refused: usize,
    resolved_same_url: usize,
    resolved_both_refused: usize,
    documented: BTreeMap<&'static str, usize>,
    disagreements: Vec<String>,
}

fn describe(n: u64, case: &Case, dir: &Path) -> String {
    let mut text = format!(
        "seed {n} (folder {}): overrides context={:?} cluster={:?} user={:?} namespace={:?}\n",
        dir.display(),
        case.context,
        case.cluster,
        case.user,
        case.namespace
    );
    for (path, contents) in &case.files {
        match contents {
            Some(c) => text.push_str(&format!("--- {path}\n{}\n", String::from_utf8_lossy(c))),
            None => text.push_str(&format!("--- {path} (missing)\n")),
        }
    }
    text
}

fn check(fixture: &Fixture, n: u64, tally: &mut Tally) {
    let mut rng = Rng::new(n);
    let case = generate::generate(&mut rng, &fixture.ca, &fixture.cert, &fixture.key);
    let dir = fixture.lay_out(n, &case);
    let paths: Vec<PathBuf> = case.files.iter().map(|(rel, _)| dir.join(rel)).collect();
    let run = Run {
        fixture,
        env: std::env::join_paths(&paths).unwrap(),
        dir: dir.clone(),
        case: &case,
    };
    tally.cases += 1;
    let mut problems = Vec::new();

    let (ours, theirs) = (run.our_view(), run.kubectl_view());
    if same(&ours, &theirs) {
        match ours {
            Outcome::Ok(_) => tally.views_equal += 1,
            _ => tally.views_both_refused += 1,
        }
    } else if let (Outcome::Ok(a), Outcome::Ok(b)) = (&ours, &theirs)
        && *a == empty_auth_provider_config_as_null(b.clone())
    {
        *tally
            .documented
            .entry("auth-provider `config: {}` viewed as null")
            .or_default() += 1;
    } else {
        let detail = match (&ours, &theirs) {
            (Outcome::Ok(a), Outcome::Ok(b)) => first_difference("", a, b),
            _ => format!("ours:    {ours:?}\n  kubectl: {theirs:?}"),
        };
        problems.push(format!("view:\n  {detail}"));
    }

    let (ours, theirs) = (run.our_current_context(), run.kubectl_current_context());
    if same(&ours, &theirs) {
        match ours {
            Outcome::Ok(_) => tally.contexts_equal += 1,
            _ => tally.contexts_both_refused += 1,
        }
    } else {
        problems.push(format!(
            "current-context:\n  ours:    {ours:?}\n  kubectl: {theirs:?}"
        ));
    }

    let (ours, theirs) = (run.our_resolution(), run.kubectl_resolution());
    match (&ours, &theirs) {
        (Ok(a), Resolution::Posted(b)) if a == b => tally.resolved_same_url += 1,
        (Err(_), Resolution::Refused(_)) => tally.resolved_both_refused += 1,
        (Err(e), Resolution::Fallback) if nothing_configured(e) => {
            *tally
                .documented
                .entry("kubectl falls back to localhost:8080")
                .or_default() += 1;
        }
        (Err(e), Resolution::Posted(_)) if client_cert_file_refused(e) => {
            *tally
                .documented
                .entry("client certificate files checked when built")
                .or_default() += 1;
        }
        // kubectl prompts after validating, before it builds the transport: our TLS errors
        // (a CA file that is not PEM …) come later than that question.
        (Ok(_), Resolution::Prompted) | (Err(Error::Tls { .. }), Resolution::Prompted) => {
            *tally
                .documented
                .entry("kubectl prompts for a password")
                .or_default() += 1;
        }
        _ => problems.push(format!(
            "resolution:\n  ours:    {ours:?}\n  kubectl: {theirs:?}"
        )),
    }

    if std::env::var_os("K8S_RS_KCFG_DIFF_VERBOSE").is_some() {
        let first_line = |s: String| s.lines().next().unwrap_or_default().to_string();
        println!(
            "seed {n}: view {:?} | resolution {:?}",
            match run.our_view() {
                Outcome::Ok(_) => "ok".to_string(),
                Outcome::Load(e) | Outcome::Refused(e) => first_line(e),
            },
            ours.map_err(|e| first_line(e.to_string()))
        );
    }
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        tally.disagreements.push(format!(
            "{}{}",
            describe(n, &case, &dir),
            problems.join("\n")
        ));
    }
}

#[test]
fn kubeconfig_file_sets_agree_with_kubectl() {
    let cases: u64 = std::env::var("K8S_RS_KCFG_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("K8S_RS_KCFG_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(19_000);
    let fixture = Fixture::new();
    let mut tally = Tally::default();
    for n in seed..seed + cases {
        check(&fixture, n, &mut tally);
    }
    println!(
        "kubeconfig differential, seeds {seed}..{}: {} cases; view equal {} / both refused {}; \
         current-context equal {} / both refused {}; resolution same URL {} / both refused {}; \
         documented differences {:?}; disagreements {}",
        seed + cases,
        tally.cases,
        tally.views_equal,
        tally.views_both_refused,
        tally.contexts_equal,
        tally.contexts_both_refused,
        tally.resolved_same_url,
        tally.resolved_both_refused,
        tally.documented,
        tally.disagreements.len()
    );
    if tally.disagreements.is_empty() {
        let _ = std::fs::remove_dir_all(&fixture.root);
    }
    assert!(
        tally.disagreements.is_empty(),
        "{} of {} cases disagree (folders kept under {}):\n\n{}",
        tally.disagreements.len(),
        tally.cases,
        fixture.root.display(),
        tally.disagreements.join("\n\n")
    );
    // The generator must reach every class, or the comparison proves little.
    assert!(
        tally.views_equal > 0 && tally.views_both_refused > 0,
        "{tally:?}"
    );
    assert!(
        tally.resolved_same_url > 0 && tally.resolved_both_refused > 0,
        "{tally:?}"
    );
}
