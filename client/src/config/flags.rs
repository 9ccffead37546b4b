//! kubectl's connection flags for programs of your own (client-go `clientcmd.BindOverrideFlags`,
//! cli-runtime `genericclioptions.ConfigFlags`): `--kubeconfig`, `--context`, `--cluster`,
//! `--user`, `--namespace`/`-n`, `--server`/`-s`, `--token`, `--certificate-authority`,
//! `--tls-server-name`, `--insecure-skip-tls-verify`, `--request-timeout`.
//!
//! [`ConfigFlags`] takes them out of a command line and maps them onto the kubeconfig loader's
//! overrides ([`KubeconfigOptions`]), so that a ported Go tool accepts what its users type:
//!
//! ```no_run
//! use k8s_client::config::ConfigFlags;
//!
//! # fn main() -> Result<(), k8s_client::Error> {
//! // my-tool --context staging -n web --request-timeout 30s list pods
//! let (flags, rest) = ConfigFlags::extract(std::env::args().skip(1))?;
//! let config = flags.to_config()?; // the kubeconfig with the overrides, or in-cluster
//! println!("{} as namespace {}; then {rest:?}", config.server, config.namespace);
//! # Ok(()) }
//! ```
//!
//! [`extract`](ConfigFlags::extract) keeps every argument it does not know, in order, for the
//! program's own parser. With the `clap` feature, `ConfigFlags` is also a `clap::Args`, to
//! flatten into a clap command (`#[command(flatten)] kube: ConfigFlags`).

use std::path::PathBuf;
use std::time::Duration;

use super::{Config, KubeconfigOptions};
use crate::{Error, SecretString};

/// kubectl's connection flags (see [the module docs](self)). `Debug` never shows the token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigFlags {
    /// `--kubeconfig PATH`: use this file alone.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`.
    pub context: Option<String>,
    /// `--cluster NAME`.
    pub cluster: Option<String>,
    /// `--user NAME`.
    pub user: Option<String>,
    /// `--namespace NS`, `-n NS`.
    pub namespace: Option<String>,
    /// `--server URL`, `-s URL`.
    pub server: Option<String>,
    /// `--token TOKEN`: replaces the user's `token` and `tokenFile`; a client certificate of
    /// the user is still presented, as in client-go (and the server then authenticates the
    /// certificate first).
    pub token: Option<SecretString>,
    /// `--certificate-authority PATH`.
    pub certificate_authority: Option<PathBuf>,
    /// `--tls-server-name NAME`.
    pub tls_server_name: Option<String>,
    /// `--insecure-skip-tls-verify[=true|false]`.
    pub insecure_skip_tls_verify: bool,
    /// `--request-timeout DURATION` (`0` for none, `30`, `30s`, `1m30s`, `500ms`): each
    /// request's timeout ([`Config::timeout`]).
    pub request_timeout: Option<Duration>,
}

/// The flags, their short forms, and whether they take a value.
const FLAGS: &[(&str, Option<&str>)] = &[
    ("kubeconfig", None),
    ("context", None),
    ("cluster", None),
    ("user", None),
    ("namespace", Some("n")),
    ("server", Some("s")),
    ("token", None),
    ("certificate-authority", None),
    ("tls-server-name", None),
    ("insecure-skip-tls-verify", None),
    ("request-timeout", None),
];

fn flag_error(flag: &str, message: impl Into<String>) -> Error {
    Error::InvalidFlag {
        flag: format!("--{flag}"),
        message: message.into(),
    }
}

impl ConfigFlags {
    /// Takes the connection flags out of `args` (without the program name) and returns them
    /// with the other arguments, in their order. Accepts `--flag value`, `--flag=value`, `-n
    /// value`, `-nvalue`; `--insecure-skip-tls-verify` alone means true. Everything after `--`
    /// is left alone. A flag given twice keeps the last value, as with Go's flag packages.
    ///
    /// Errors: [`Error::InvalidFlag`] for a flag without its value, a bad
    /// `--request-timeout` or a bad boolean.
    pub fn extract<I, S>(args: I) -> Result<(ConfigFlags, Vec<String>), Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut flags = ConfigFlags::default();
        let mut rest = Vec::new();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            if arg == "--" {
                rest.push(arg);
                rest.extend(args.by_ref());
                break;
            }
            let Some((name, inline)) = split_flag(&arg) else {
                rest.push(arg);
                continue;
            };
            if name == "insecure-skip-tls-verify" {
                flags.insecure_skip_tls_verify = match inline.as_deref() {
                    None => true,
                    Some(v) => parse_bool(v).ok_or_else(|| {
                        flag_error(name, format!("{v:?} is not a boolean (true or false)"))
                    })?,
                };
                continue;
            }
            let value = match inline {
                Some(v) => v,
                None => args
                    .next()
                    .ok_or_else(|| flag_error(name, "needs a value"))?,
            };
            flags.set(name, value)?;
        }
        Ok((flags, rest))
    }

    fn set(&mut self, name: &str, value: String) -> Result<(), Error> {
        match name {
            "kubeconfig" => self.kubeconfig = Some(PathBuf::from(value)),
            "context" => self.context = Some(value),
            "cluster" => self.cluster = Some(value),
            "user" => self.user = Some(value),
            "namespace" => self.namespace = Some(value),
            "server" => self.server = Some(value),
            "token" => self.token = Some(SecretString::new(value)),
            "certificate-authority" => self.certificate_authority = Some(PathBuf::from(value)),
            "tls-server-name" => self.tls_server_name = Some(value),
            "request-timeout" => {
                self.request_timeout =
                    parse_timeout(&value).map_err(|why| flag_error(name, why))?;
            }
            other => return Err(flag_error(other, "unknown flag")),
        }
        Ok(())
    }

    /// The kubeconfig loader's options for these flags (client-go `ConfigOverrides` plus the
    /// explicit path of `ClientConfigLoadingRules`).
    pub fn kubeconfig_options(&self) -> KubeconfigOptions {
        KubeconfigOptions {
            path: self.kubeconfig.clone(),
            context: self.context.clone(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            namespace: self.namespace.clone(),
            server: self.server.clone(),
            tls_server_name: self.tls_server_name.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify.then_some(true),
            certificate_authority: self.certificate_authority.clone(),
            token: self.token.clone(),
            ..KubeconfigOptions::default()
        }
    }

    /// The [`Config`] these flags select, as cli-runtime's `ToRESTConfig` builds it: the
    /// kubeconfig with the overrides applied; when no flag chooses a kubeconfig, context,
    /// cluster, user, server or credentials and no kubeconfig exists, the in-cluster
    /// configuration ([`Config::infer`]) with the namespace flag applied. `--request-timeout`
    /// becomes [`Config::timeout`].
    pub fn to_config(&self) -> Result<Config, Error> {
        let options = self.kubeconfig_options();
        let chooses_connection = self.kubeconfig.is_some()
            || self.context.is_some()
            || self.cluster.is_some()
            || self.user.is_some()
            || self.server.is_some()
            || self.token.is_some()
            || self.certificate_authority.is_some()
            || self.tls_server_name.is_some()
            || self.insecure_skip_tls_verify;
        let mut config = if chooses_connection {
            Config::from_kubeconfig(&options)?
        } else {
            let mut config = Config::infer()?;
            if let Some(ns) = self.namespace.as_ref().filter(|ns| !ns.is_empty()) {
                config.namespace = ns.clone();
            }
            config
        };
        if self.request_timeout.is_some() {
            config.timeout = self.request_timeout.filter(|t| !t.is_zero());
        }
        Ok(config)
    }
}

/// `--name`, `--name=value`, `-n`, `-nvalue` for a known flag: its long name and any inline
/// value; `None` for any other argument.
fn split_flag(arg: &str) -> Option<(&'static str, Option<String>)> {
    if let Some(long) = arg.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (long, None),
        };
        let (known, _) = FLAGS.iter().find(|(n, _)| *n == name)?;
        return Some((known, value));
    }
    let short = arg.strip_prefix('-')?;
    let first = short.chars().next()?;
    let (known, _) = FLAGS
        .iter()
        .find(|(_, s)| s.is_some_and(|s| s.starts_with(first) && s.len() == first.len_utf8()))?;
    let value = &short[first.len_utf8()..];
    let value = value.strip_prefix('=').unwrap_or(value);
    Some((known, (!value.is_empty()).then(|| value.to_string())))
}

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// kubectl's `--request-timeout`: a bare integer is seconds, otherwise a Go duration
/// (`1h2m3.5s`, `500ms`, `10us`); `0` means no timeout.
pub(crate) fn parse_timeout(v: &str) -> Result<Option<Duration>, String> {
    let bad =
        || format!("{v:?} is not a duration (a number of seconds, or a unit: 30s, 1m30s, 500ms)");
    if let Ok(secs) = v.parse::<u64>() {
        return Ok(Some(Duration::from_secs(secs)));
    }
    let mut rest = v;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total)
        .map(Some)
        .map_err(|_| bad())
}

#[cfg(feature = "clap")]
mod clap_args {
    //! `ConfigFlags` as a `clap::Args`, written with clap's builder API (no derive macros).

    use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

    use super::{ConfigFlags, FLAGS, parse_bool};

    fn help(name: &str) -> &'static str {
        match name {
            "kubeconfig" => "Path to the kubeconfig file to use",
            "context" => "The name of the kubeconfig context to use",
            "cluster" => "The name of the kubeconfig cluster to use",
            "user" => "The name of the kubeconfig user to use",
            "namespace" => "The namespace for this request",
            "server" => "The address and port of the Kubernetes API server",
            "token" => "Bearer token for authentication to the API server",
            "certificate-authority" => "Path to a cert file for the certificate authority",
            "tls-server-name" => "Server name to use for server certificate validation",
            "insecure-skip-tls-verify" => {
                "If true, the server's certificate will not be checked for validity"
            }
            "request-timeout" => {
                "The length of time to wait before giving up on a single server request (0: none)"
            }
            _ => "",
        }
    }

    impl Args for ConfigFlags {
        fn augment_args(cmd: Command) -> Command {
            FLAGS.iter().fold(cmd, |cmd, (name, short)| {
                let mut arg = Arg::new(*name).long(*name).help(help(name)).global(true);
                if let Some(short) = short.and_then(|s| s.chars().next()) {
                    arg = arg.short(short);
                }
                if *name == "insecure-skip-tls-verify" {
                    arg = arg
                        .num_args(0..=1)
                        .require_equals(true)
                        .default_missing_value("true")
                        .value_parser(|v: &str| {
                            parse_bool(v).ok_or_else(|| format!("{v:?} is not true or false"))
                        });
                } else {
                    arg = arg.action(ArgAction::Set).value_name("VALUE");
                }
                if *name == "request-timeout" {
                    arg = arg.value_parser(|v: &str| super::parse_timeout(v));
                }
                cmd.arg(arg)
            })
        }

        fn augment_args_for_update(cmd: Command) -> Command {
            Self::augment_args(cmd)
        }
    }

    impl FromArgMatches for ConfigFlags {
        fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
            let mut flags = ConfigFlags::default();
            flags.update_from_arg_matches(matches)?;
            Ok(flags)
        }

        fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
            if let Some(v) = matches.get_one::<bool>("insecure-skip-tls-verify") {
                self.insecure_skip_tls_verify = *v;
            }
            if let Some(v) = matches.get_one::<Option<std::time::Duration>>("request-timeout") {
                self.request_timeout = *v;
            }
            for (name, _) in FLAGS {
                if matches!(*name, "insecure-skip-tls-verify" | "request-timeout") {
                    continue;
                }
                if let Some(v) = matches.get_one::<String>(name) {
                    // Every name of FLAGS is known to `set`, and these values need no parsing.
                    self.set(name, v.clone()).map_err(|e| {
                        clap::Error::raw(clap::error::ErrorKind::ValueValidation, e)
                    })?;
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(args: &[&str]) -> (ConfigFlags, Vec<String>) {
        ConfigFlags::extract(args.iter().copied()).unwrap()
    }

    #[test]
    fn every_flag_is_taken_out_in_each_spelling() {
        let (f, rest) = extract(&[
            "get",
            "--kubeconfig",
            "/k",
            "--context=staging",
            "--cluster",
            "c",
            "--user=u",
            "-n",
            "web",
            "-shttps://h:6443",
            "--token",
            "s3cret",
            "--certificate-authority=/ca.crt",
            "--tls-server-name",
            "api.internal",
            "--insecure-skip-tls-verify",
            "--request-timeout=1m30s",
            "pods",
            "--watch",
        ]);
        assert_eq!(rest, ["get", "pods", "--watch"]);
        assert_eq!(f.kubeconfig, Some(PathBuf::from("/k")));
        assert_eq!(f.context.as_deref(), Some("staging"));
        assert_eq!(f.cluster.as_deref(), Some("c"));
        assert_eq!(f.user.as_deref(), Some("u"));
        assert_eq!(f.namespace.as_deref(), Some("web"));
        assert_eq!(f.server.as_deref(), Some("https://h:6443"));
        assert_eq!(f.token.as_ref().map(SecretString::expose), Some("s3cret"));
        assert_eq!(f.certificate_authority, Some(PathBuf::from("/ca.crt")));
        assert_eq!(f.tls_server_name.as_deref(), Some("api.internal"));
        assert!(f.insecure_skip_tls_verify);
        assert_eq!(f.request_timeout, Some(Duration::from_secs(90)));
        assert!(!format!("{f:?}").contains("s3cret"));
    }

    #[test]
    fn the_flags_map_onto_the_loaders_overrides() {
        let (f, _) = extract(&[
            "--kubeconfig=/k",
            "--context=ctx",
            "--cluster=cl",
            "--user=us",
            "--namespace=ns",
            "--server=https://s",
            "--token=t",
            "--certificate-authority=/ca",
            "--tls-server-name=name",
            "--insecure-skip-tls-verify=false",
        ]);
        let o = f.kubeconfig_options();
        assert_eq!(o.path, Some(PathBuf::from("/k")));
        assert_eq!(o.context.as_deref(), Some("ctx"));
        assert_eq!(o.cluster.as_deref(), Some("cl"));
        assert_eq!(o.user.as_deref(), Some("us"));
        assert_eq!(o.namespace.as_deref(), Some("ns"));
        assert_eq!(o.server.as_deref(), Some("https://s"));
        assert_eq!(o.tls_server_name.as_deref(), Some("name"));
        assert_eq!(o.certificate_authority, Some(PathBuf::from("/ca")));
        assert_eq!(o.token.as_ref().map(SecretString::expose), Some("t"));
        // A Go bool flag set to false overrides nothing.
        assert_eq!(o.insecure_skip_tls_verify, None);
        assert!(o.kubeconfig_env.is_none() && o.home.is_none());
    }

    #[test]
    fn arguments_after_double_dash_and_unknown_flags_stay() {
        let (f, rest) = extract(&["-v", "--output=json", "--", "-n", "x"]);
        assert_eq!(f, ConfigFlags::default());
        assert_eq!(rest, ["-v", "--output=json", "--", "-n", "x"]);
        // The last of a repeated flag wins.
        let (f, _) = extract(&["-n", "a", "--namespace", "b"]);
        assert_eq!(f.namespace.as_deref(), Some("b"));
    }

    #[test]
    fn bad_values_are_typed_errors_naming_the_flag() {
        let err = ConfigFlags::extract(["--context"]).unwrap_err().to_string();
        assert_eq!(err, "flag --context: needs a value");
        let err = ConfigFlags::extract(["--request-timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "flag --request-timeout: \"soon\" is not a duration (a number of seconds, or a unit: 30s, 1m30s, 500ms)"
        );
        let err = ConfigFlags::extract(["--insecure-skip-tls-verify=maybe"])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("flag --insecure-skip-tls-verify: "),
            "{err}"
        );
    }

    #[test]
    fn request_timeouts_read_like_kubectls() {
        let cases = [
            ("0", Some(Duration::ZERO)),
            ("30", Some(Duration::from_secs(30))),
            ("30s", Some(Duration::from_secs(30))),
            ("1h2m3s", Some(Duration::from_secs(3723))),
            ("1.5s", Some(Duration::from_millis(1500))),
            ("500ms", Some(Duration::from_millis(500))),
        ];
        for (text, want) in cases {
            assert_eq!(parse_timeout(text).unwrap(), want, "{text}");
        }
        for bad in ["", "s", "10x", "1..5s", "-1s"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_and_token_alone_make_a_config_with_no_kubeconfig() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-flags-{}", std::process::id()));
        let (f, _) = extract(&[
            "--server=http://127.0.0.1:8080",
            "--token=t",
            "-n",
            "web",
            "--request-timeout=0",
        ]);
        let mut options = f.kubeconfig_options();
        options.kubeconfig_env = Some(dir.join("none").into_os_string());
        let config = Config::from_kubeconfig(&options).unwrap();
        assert_eq!(config.server, "http://127.0.0.1:8080");
        assert_eq!(config.namespace, "web");
        let (f, _) = extract(&["--server=https://h", "--token=t", "--request-timeout=5s"]);
        let mut options = f.kubeconfig_options();
        options.kubeconfig_env = Some(dir.join("none").into_os_string());
        let config = Config::from_kubeconfig(&options).unwrap();
        assert_eq!(
            config.auth.token.as_ref().map(SecretString::expose),
            Some("t")
        );
    }

    #[cfg(feature = "clap")]
    #[test]
    fn clap_parses_the_same_flags() {
        use clap::{Args, FromArgMatches};
        let cmd = ConfigFlags::augment_args(clap::Command::new("tool").arg(clap::Arg::new("verb")));
        let m = cmd
            .try_get_matches_from([
                "tool",
                "get",
                "-n",
                "web",
                "--context=ctx",
                "--insecure-skip-tls-verify",
                "--request-timeout",
                "1m",
                "--token",
                "t",
            ])
            .unwrap();
        let f = ConfigFlags::from_arg_matches(&m).unwrap();
        assert_eq!(m.get_one::<String>("verb").map(String::as_str), Some("get"));
        let (want, _) = extract(&[
            "-n",
            "web",
            "--context=ctx",
            "--insecure-skip-tls-verify",
            "--request-timeout",
            "1m",
            "--token",
            "t",
        ]);
        assert_eq!(f, want);
        let bad = ConfigFlags::augment_args(clap::Command::new("tool")).try_get_matches_from([
            "tool",
            "--request-timeout",
            "soon",
        ]);
        assert!(bad.is_err());
    }
}
