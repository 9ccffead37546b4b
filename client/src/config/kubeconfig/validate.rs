//! client-go's validation of the chosen user and cluster (`clientcmd/validation.go`:
//! `validateAuthInfo`, `validateClusterInfo`), with its messages word for word, so that what we
//! report is what kubectl reports. Files are not opened here: they are read, with typed errors,
//! when the config is built.

use super::model::{Cluster, User, redact_url};
use crate::config::ExecInteractiveMode;

/// Go's `utilerrors.NewAggregate(errs).Error()`: one message alone, several in brackets.
pub(super) fn aggregate(problems: &[String]) -> String {
    match problems {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// client-go `validateAuthInfo`, without opening files (they are read, with typed errors, when
/// the config is built).
pub(super) fn validate_user(name: &str, user: &User, problems: &mut Vec<String>) {
    let mut methods = Vec::new();
    if user.token.is_some() {
        methods.push("token");
    }
    if user.username.is_some() || user.password.is_some() {
        methods.push("basicAuth");
    }
    if user.client_certificate.is_some() || user.client_certificate_data.is_some() {
        if user.client_certificate.is_some() && user.client_certificate_data.is_some() {
            problems.push(format!(
                "client-cert-data and client-cert are both specified for {name}. client-cert-data will override."
            ));
        }
        if user.client_key.is_some() && user.client_key_data.is_some() {
            problems.push(format!(
                "client-key-data and client-key are both specified for {name}; client-key-data will override"
            ));
        }
        if user.client_key.is_none() && user.client_key_data.is_none() {
            problems.push(format!(
                "client-key-data or client-key must be specified for {name} to use the clientCert authentication method."
            ));
        }
    }
    if let Some(exec) = &user.exec {
        if user.auth_provider.is_some() {
            problems.push(format!(
                "authProvider cannot be provided in combination with an exec plugin for {name}"
            ));
        }
        if exec.command.is_empty() {
            problems.push(format!(
                "command must be specified for {name} to use exec authentication plugin"
            ));
        }
        if exec.api_version.is_none() {
            problems.push(format!(
                "apiVersion must be specified for {name} to use exec authentication plugin"
            ));
        }
        for var in exec.env.iter().flatten() {
            if var.name.is_empty() {
                problems.push(format!(
                    "env variable name must be specified for {name} to use exec authentication plugin"
                ));
            }
        }
        match exec.interactive_mode.as_deref() {
            None => problems.push(format!(
                "interactiveMode must be specified for {name} to use exec authentication plugin"
            )),
            Some(mode) if interactive_mode(mode).is_none() => {
                problems.push(format!("invalid interactiveMode for {name}: {mode:?}"));
            }
            Some(_) => {}
        }
    }
    if methods.len() > 1 {
        problems.push(format!(
            "more than one authentication method found for {name}; found [{}], only one is allowed",
            methods.join(" ")
        ));
    }
    if (user.impersonate_uid.is_some()
        || !user.impersonate_groups.is_empty()
        || !user.impersonate_user_extra.is_empty())
        && user.impersonate.is_none()
    {
        problems.push(format!(
            "requesting uid, groups or user-extra for {name} without impersonating a user"
        ));
    }
}

/// client-go `validateClusterInfo`; returns whether the cluster is wholly empty (client-go's
/// `ErrEmptyCluster`, which alone means "no configuration").
pub(super) fn validate_cluster(name: &str, cluster: &Cluster, problems: &mut Vec<String>) -> bool {
    if *cluster == Cluster::default() {
        problems.push("cluster has no server defined".to_string());
        return true;
    }
    if cluster.server.is_empty() {
        if name.is_empty() {
            problems.push("default cluster has no server defined".to_string());
        } else {
            problems.push(format!("no server found for cluster {name:?}"));
        }
    }
    if let Some(proxy) = &cluster.proxy_url
        && let Err(why) = check_proxy_url(proxy)
    {
        problems.push(format!(
            "invalid 'proxy-url' {:?} for cluster {name:?}: {why}",
            redact_url(proxy)
        ));
    }
    if cluster.certificate_authority.is_some() && cluster.certificate_authority_data.is_some() {
        problems.push(format!(
            "certificate-authority-data and certificate-authority are both specified for {name}. certificate-authority-data will override."
        ));
    }
    false
}

/// client-go `parseProxyURL`: the scheme must be http, https or socks5.
pub(super) fn check_proxy_url(proxy: &str) -> Result<(), String> {
    let scheme = url_scheme(proxy).unwrap_or_default();
    if reqwest::Url::parse(proxy).is_err() && !scheme.is_empty() {
        return Err(format!("could not parse: {}", redact_url(proxy)));
    }
    match scheme.as_str() {
        "http" | "https" | "socks5" => Ok(()),
        other => Err(format!(
            "unsupported scheme {other:?}, must be http, https, or socks5"
        )),
    }
}

/// The scheme of a URL as Go's `url.Parse` finds it (lower-cased), if it has one.
fn url_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

pub(super) fn interactive_mode(mode: &str) -> Option<ExecInteractiveMode> {
    match mode {
        "Never" => Some(ExecInteractiveMode::Never),
        "IfAvailable" => Some(ExecInteractiveMode::IfAvailable),
        "Always" => Some(ExecInteractiveMode::Always),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert!(check_proxy_url("http://p:3128").is_ok());
        assert!(check_proxy_url("socks5://p:1080").is_ok());
        assert!(check_proxy_url("HTTPS://p").is_ok());
        let err = check_proxy_url("ftp://u:secret@p").unwrap_err();
        assert!(err.contains("unsupported scheme \"ftp\""), "{err}");
        assert!(check_proxy_url("p:3128").is_err());
        assert!(check_proxy_url("no scheme").is_err());
        assert_eq!(redact_url("http://u:pw@h:1/x"), "http://u:xxxxx@h:1/x");
        assert_eq!(redact_url("http://u@h"), "http://u@h");
    }
}
