//! Credentials applied to each request, refreshed when they expire or the server says 401.
//!
//! Precedence follows client-go: an exec plugin or the OIDC auth provider supplies the bearer
//! token when configured; otherwise a token file (re-read every minute and after a 401) wins
//! over a static token; basic auth is used when there is no token. Impersonation headers are
//! added on top of whichever credential authenticates the request.

mod exec;
mod oidc;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::Mutex;
use tokio::time::Instant;

pub(crate) use exec::ExecAuth;
pub(crate) use oidc::OidcAuth;

use crate::config::{AuthInfo, Impersonate};
use crate::{Error, SecretBytes, SecretString};

/// How often a token file is re-read (client-go's in-cluster token source does it every minute).
const TOKEN_FILE_PERIOD: Duration = Duration::from_secs(60);

/// What authenticates one request.
#[derive(Debug, Default)]
pub(crate) struct Credential {
    /// `Authorization: Bearer …`.
    pub bearer: Option<SecretString>,
    /// `Authorization: Basic …`.
    pub basic: Option<(String, SecretString)>,
    /// A client certificate (PEM cert, PEM key) from an exec plugin.
    pub client_identity: Option<(Vec<u8>, SecretBytes)>,
}

#[derive(Debug)]
struct TokenFile {
    path: PathBuf,
    cached: Mutex<Option<(SecretString, Instant)>>,
}

impl TokenFile {
    async fn token(&self, force: bool) -> Result<SecretString, Error> {
        let mut cached = self.cached.lock().await;
        if let Some((token, read_at)) = &*cached
            && !force
            && read_at.elapsed() < TOKEN_FILE_PERIOD
        {
            return Ok(token.clone());
        }
        let text = tokio::fs::read_to_string(&self.path)
            .await
            .map_err(|source| Error::ReadFile {
                field: "tokenFile".to_string(),
                path: self.path.clone(),
                source,
            })?;
        let token = SecretString::new(text.trim());
        *cached = Some((token.clone(), Instant::now()));
        Ok(token)
    }
}

/// The authenticator of one client.
#[derive(Debug)]
pub(crate) struct Auth {
    token: Option<SecretString>,
    token_file: Option<TokenFile>,
    basic: Option<(String, SecretString)>,
    exec: Option<ExecAuth>,
    oidc: Option<OidcAuth>,
    impersonate: Option<Impersonate>,
}

impl Auth {
    pub fn new(
        info: &AuthInfo,
        metrics: Option<std::sync::Arc<dyn crate::metrics::RequestMetrics>>,
    ) -> Result<Self, Error> {
        let oidc = match &info.auth_provider {
            Some(p) if p.name == "oidc" => Some(OidcAuth::new(p)?),
            Some(p) => {
                return Err(Error::Auth(format!(
                    "auth-provider {:?} is not supported (only \"oidc\"; use an exec credential plugin instead)",
                    p.name
                )));
            }
            None => None,
        };
        Ok(Auth {
            token: info.token.clone().filter(|t| !t.is_empty()),
            token_file: info.token_file.as_ref().map(|path| TokenFile {
                path: path.clone(),
                cached: Mutex::new(None),
            }),
            basic: match (&info.username, &info.password) {
                (Some(u), p) if !u.is_empty() => Some((u.clone(), p.clone().unwrap_or_default())),
                _ => None,
            },
            exec: match &info.exec {
                Some(e) => Some(ExecAuth::new(e)?.with_metrics(metrics)),
                None => None,
            },
            oidc,
            impersonate: info.impersonate.clone(),
        })
    }

    /// The credential for the next request.
    pub async fn credential(&self) -> Result<Credential, Error> {
        if let Some(exec) = &self.exec {
            return exec.credential().await;
        }
        if let Some(oidc) = &self.oidc {
            return Ok(Credential {
                bearer: Some(oidc.token().await?),
                ..Credential::default()
            });
        }
        if let Some(file) = &self.token_file {
            match file.token(false).await {
                Ok(token) => {
                    return Ok(Credential {
                        bearer: Some(token),
                        ..Credential::default()
                    });
                }
                // A static token next to the file is the fallback while the file is unreadable.
                Err(e) if self.token.is_none() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "token file unreadable; using the static token")
                }
            }
        }
        if let Some(token) = &self.token {
            return Ok(Credential {
                bearer: Some(token.clone()),
                ..Credential::default()
            });
        }
        Ok(Credential {
            basic: self.basic.clone(),
            ..Credential::default()
        })
    }

    /// The server said 401: drop cached credentials that may have gone stale. Returns whether
    /// anything was refreshed, i.e. whether retrying the request once can help.
    pub async fn unauthorized(&self) -> bool {
        if let Some(exec) = &self.exec {
            return exec.invalidate().await;
        }
        if let Some(oidc) = &self.oidc {
            return oidc.invalidate().await;
        }
        if let Some(file) = &self.token_file {
            let before = file.cached.lock().await.as_ref().map(|(t, _)| t.clone());
            return match file.token(true).await {
                Ok(now) => Some(now) != before,
                Err(_) => false,
            };
        }
        false
    }

    /// Writes the `Authorization` and `Impersonate-*` headers.
    pub fn apply(&self, cred: &Credential, headers: &mut HeaderMap) -> Result<(), Error> {
        let bad = |what: &str| {
            Error::InvalidRequest(format!(
                "{what} contains characters not allowed in an HTTP header"
            ))
        };
        if let Some(token) = &cred.bearer {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| bad("the bearer token"))?;
            v.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, v);
        } else if let Some((user, pass)) = &cred.basic {
            let raw = format!("{user}:{}", pass.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
            let mut v = HeaderValue::from_str(&format!("Basic {encoded}"))
                .map_err(|_| bad("basic auth"))?;
            v.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, v);
        }
        if let Some(imp) = &self.impersonate {
            impersonation_headers(imp, headers)?;
        }
        Ok(())
    }
}

/// `Impersonate-User`, `-Uid`, `-Group` (repeated) and `-Extra-<key>` (repeated; the key
/// percent-encoded as client-go does).
fn impersonation_headers(imp: &Impersonate, headers: &mut HeaderMap) -> Result<(), Error> {
    let value = |v: &str| {
        HeaderValue::from_str(v).map_err(|_| {
            Error::InvalidRequest(format!(
                "impersonation value {v:?} is not a valid header value"
            ))
        })
    };
    headers.insert("impersonate-user", value(&imp.user)?);
    if let Some(uid) = &imp.uid {
        headers.insert("impersonate-uid", value(uid)?);
    }
    for group in &imp.groups {
        headers.append("impersonate-group", value(group)?);
    }
    for (key, values) in &imp.extra {
        let name = format!("impersonate-extra-{}", escape_extra_key(key));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::InvalidRequest(format!(
                "impersonation extra key {key:?} is not a valid header name"
            ))
        })?;
        for v in values {
            headers.append(name.clone(), value(v)?);
        }
    }
    Ok(())
}

/// Percent-encodes an extra key like client-go's `headerKeyEscape`: everything that is not a
/// legal header-name token character is escaped.
fn escape_extra_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        let legal = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if legal {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn bearer_then_basic_precedence() {
        let auth = Auth::new(
            &AuthInfo {
                token: Some("tok".into()),
                username: Some("u".into()),
                password: Some("p".into()),
                ..AuthInfo::default()
            },
            None,
        )
        .unwrap();
        let cred = auth.credential().await.unwrap();
        let mut h = HeaderMap::new();
        auth.apply(&cred, &mut h).unwrap();
        assert_eq!(h["authorization"], "Bearer tok");
        assert!(h["authorization"].is_sensitive());

        let auth = Auth::new(
            &AuthInfo {
                username: Some("u".into()),
                password: Some("p".into()),
                ..AuthInfo::default()
            },
            None,
        )
        .unwrap();
        let cred = auth.credential().await.unwrap();
        let mut h = HeaderMap::new();
        auth.apply(&cred, &mut h).unwrap();
        assert_eq!(h["authorization"], "Basic dTpw");
    }

    #[tokio::test]
    async fn token_file_is_reread_after_401() {
        let path = std::env::temp_dir().join(format!("k8s-rs-tokenfile-{}", std::process::id()));
        std::fs::write(&path, "first\n").unwrap();
        let auth = Auth::new(
            &AuthInfo {
                token: Some("static".into()),
                token_file: Some(path.clone()),
                ..AuthInfo::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "first"
        );
        std::fs::write(&path, "second").unwrap();
        // Cached for a minute…
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "first"
        );
        // …unless the server said 401.
        assert!(auth.unauthorized().await);
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "second"
        );
        // Same content again: nothing new, retrying would not help.
        assert!(!auth.unauthorized().await);
        std::fs::remove_file(&path).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn token_file_is_reread_every_minute() {
        let path =
            std::env::temp_dir().join(format!("k8s-rs-tokenfile-min-{}", std::process::id()));
        std::fs::write(&path, "one").unwrap();
        let auth = Auth::new(
            &AuthInfo {
                token_file: Some(path.clone()),
                ..AuthInfo::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "one"
        );
        std::fs::write(&path, "two").unwrap();
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "one"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(
            auth.credential().await.unwrap().bearer.unwrap().expose(),
            "two"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn impersonation_headers_repeat_groups_and_escape_extra_keys() {
        let mut extra = BTreeMap::new();
        extra.insert(
            "example.com/scopes".to_string(),
            vec!["a".to_string(), "b".to_string()],
        );
        let imp = Impersonate {
            user: "jane".into(),
            uid: Some("42".into()),
            groups: vec!["g1".into(), "g2".into()],
            extra,
        };
        let mut h = HeaderMap::new();
        impersonation_headers(&imp, &mut h).unwrap();
        assert_eq!(h["impersonate-user"], "jane");
        assert_eq!(h["impersonate-uid"], "42");
        assert_eq!(h.get_all("impersonate-group").iter().count(), 2);
        assert_eq!(
            h.get_all("impersonate-extra-example.com%2Fscopes")
                .iter()
                .count(),
            2
        );
    }

    #[test]
    fn unknown_auth_provider_is_refused_by_name() {
        let info = AuthInfo {
            auth_provider: Some(crate::config::AuthProviderConfig {
                name: "gcp".into(),
                config: BTreeMap::new(),
            }),
            ..AuthInfo::default()
        };
        let err = Auth::new(&info, None).unwrap_err().to_string();
        assert!(err.contains("\"gcp\""), "{err}");
    }
}
