//! The `oidc` auth provider (client-go `plugin/pkg/client/auth/oidc`): send the `id-token`;
//! when it has expired (its JWT `exp` is within 10 s), trade the `refresh-token` for a new one
//! at the issuer's token endpoint (found through `/.well-known/openid-configuration`).
//!
//! Unlike client-go, the refreshed tokens are kept in memory only; they are not written back
//! into the kubeconfig file.

use base64::Engine;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{AuthProviderConfig, TlsConfig};
use crate::{Error, SecretString};

/// client-go refreshes a token that expires within this many seconds.
const EXPIRY_DELTA_SECS: i64 = 10;

#[derive(Debug, Clone)]
struct Tokens {
    id_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
}

#[derive(Debug)]
pub(crate) struct OidcAuth {
    issuer: String,
    client_id: String,
    client_secret: Option<SecretString>,
    idp_ca: Option<Vec<u8>>,
    tokens: Mutex<Tokens>,
}

#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    refresh_token: Option<String>,
}

impl OidcAuth {
    pub fn new(provider: &AuthProviderConfig) -> Result<Self, Error> {
        let get = |k: &str| provider.config.get(k).filter(|v| !v.is_empty()).cloned();
        // client-go's oidc provider refuses to be built without these two (checked in this
        // order, before anything else is looked at).
        let issuer = get("idp-issuer-url")
            .ok_or_else(|| Error::Auth("oidc auth-provider: must provide idp-issuer-url".into()))?;
        let client_id = get("client-id")
            .ok_or_else(|| Error::Auth("oidc auth-provider: must provide client-id".into()))?;
        let idp_ca = match (
            get("idp-certificate-authority-data"),
            get("idp-certificate-authority"),
        ) {
            (Some(data), _) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(data.expose().trim())
                    .map_err(|e| {
                        Error::Auth(format!(
                            "oidc idp-certificate-authority-data is not base64: {e}"
                        ))
                    })?,
            ),
            (None, Some(path)) => {
                Some(
                    std::fs::read(path.expose()).map_err(|source| Error::ReadFile {
                        field: "auth-provider.config.idp-certificate-authority".to_string(),
                        path: path.expose().into(),
                        source,
                    })?,
                )
            }
            (None, None) => None,
        };
        Ok(OidcAuth {
            issuer: issuer.expose().trim_end_matches('/').to_string(),
            client_id: client_id.expose().to_string(),
            client_secret: get("client-secret"),
            idp_ca,
            tokens: Mutex::new(Tokens {
                id_token: get("id-token"),
                refresh_token: get("refresh-token"),
            }),
        })
    }

    /// A valid id-token, refreshed first when it has expired.
    pub async fn token(&self) -> Result<SecretString, Error> {
        let mut tokens = self.tokens.lock().await;
        if let Some(id) = &tokens.id_token
            && !expired(id.expose(), jiff::Timestamp::now().as_second())
        {
            return Ok(id.clone());
        }
        let refreshed = self.refresh(&tokens).await?;
        *tokens = refreshed;
        tokens
            .id_token
            .clone()
            .ok_or_else(|| Error::Auth("oidc: the refresh gave no id_token".to_string()))
    }

    /// After a 401: forget the id-token so the next request refreshes it.
    pub async fn invalidate(&self) -> bool {
        let mut tokens = self.tokens.lock().await;
        tokens.refresh_token.is_some() && tokens.id_token.take().is_some()
    }

    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, Error> {
        let Some(refresh_token) = &tokens.refresh_token else {
            return Err(Error::Auth(
                "oidc: no valid id-token, and no refresh-token to get one".to_string(),
            ));
        };
        let issuer = &self.issuer;
        let tls = crate::transport::tls::client_config(
            &TlsConfig {
                ca_data: self.idp_ca.clone(),
                ..TlsConfig::default()
            },
            None,
        )?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| Error::Auth(format!("oidc: HTTP client: {e}")))?;
        let discovery_url = format!("{issuer}/.well-known/openid-configuration");
        let fail = |what: &str, e: &dyn std::error::Error| {
            Error::Auth(format!("oidc: {what}: {}", crate::error::chain(e)))
        };
        let discovery: Discovery = http
            .get(&discovery_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| fail(&format!("GET {discovery_url}"), &e))?
            .json()
            .await
            .map_err(|e| fail(&format!("{discovery_url}: body"), &e))?;
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.expose().to_string()),
        ];
        let mut req = http.post(&discovery.token_endpoint);
        match &self.client_secret {
            Some(secret) => req = req.basic_auth(&self.client_id, Some(secret.expose())),
            None => form.push(("client_id", self.client_id.clone())),
        }
        let resp = req
            .form(&form)
            .send()
            .await
            .map_err(|e| fail(&format!("POST {}", discovery.token_endpoint), &e))?;
        if !resp.status().is_success() {
            // The body may echo the refresh token back; report the status only.
            return Err(Error::Auth(format!(
                "oidc: the token endpoint {} refused the refresh: {}",
                discovery.token_endpoint,
                resp.status()
            )));
        }
        let body: TokenResponse = resp.json().await.map_err(|e| fail("token response", &e))?;
        let id_token = body.id_token.filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::Auth("oidc: the token response did not contain an id_token".to_string())
        })?;
        Ok(Tokens {
            id_token: Some(SecretString::new(id_token)),
            refresh_token: body
                .refresh_token
                .map(SecretString::new)
                .or_else(|| tokens.refresh_token.clone()),
        })
    }
}

/// Whether a JWT's `exp` claim is at or before `now + 10 s`. A token that cannot be decoded
/// counts as expired (it gets refreshed, which is what client-go does too).
fn expired(jwt: &str, now: i64) -> bool {
    let Some(payload) = jwt.split('.').nth(1) else {
        return true;
    };
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return true;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return true;
    };
    match claims.get("exp").and_then(serde_json::Value::as_i64) {
        Some(exp) => exp <= now + EXPIRY_DELTA_SECS,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(exp: i64) -> String {
        let enc = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.sig",
            enc(serde_json::json!({"alg": "RS256"})),
            enc(serde_json::json!({"exp": exp, "sub": "jane"}))
        )
    }

    #[test]
    fn expiry_uses_exp_claim_with_ten_seconds_slack() {
        assert!(!expired(&jwt(1_000_100), 1_000_000));
        assert!(expired(&jwt(1_000_005), 1_000_000));
        assert!(expired(&jwt(999_000), 1_000_000));
        assert!(expired("not-a-jwt", 1_000_000));
        assert!(expired("a.!!!.c", 1_000_000));
    }

    #[tokio::test]
    async fn valid_token_is_used_without_refresh() {
        let mut config = std::collections::BTreeMap::new();
        let token = jwt(jiff::Timestamp::now().as_second() + 3600);
        config.insert("id-token".to_string(), SecretString::new(token.clone()));
        required(&mut config);
        let auth = OidcAuth::new(&AuthProviderConfig {
            name: "oidc".into(),
            config,
        })
        .unwrap();
        assert_eq!(auth.token().await.unwrap().expose(), token);
    }

    #[tokio::test]
    async fn expired_token_without_refresh_token_is_a_clear_error() {
        let mut config = std::collections::BTreeMap::new();
        config.insert("id-token".to_string(), SecretString::new(jwt(1)));
        required(&mut config);
        let auth = OidcAuth::new(&AuthProviderConfig {
            name: "oidc".into(),
            config,
        })
        .unwrap();
        let err = auth.token().await.unwrap_err().to_string();
        assert!(err.contains("no refresh-token"), "{err}");
    }

    fn required(config: &mut std::collections::BTreeMap<String, SecretString>) {
        config.insert(
            "idp-issuer-url".to_string(),
            SecretString::new("https://issuer.example".to_string()),
        );
        config.insert(
            "client-id".to_string(),
            SecretString::new("kube".to_string()),
        );
    }

    #[test]
    fn issuer_and_client_id_are_required_when_built() {
        // client-go's provider refuses to be built without them, in this order.
        let mut config = std::collections::BTreeMap::new();
        config.insert("id-token".to_string(), SecretString::new(jwt(1)));
        let provider = |config| AuthProviderConfig {
            name: "oidc".into(),
            config,
        };
        let err = OidcAuth::new(&provider(config.clone()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("must provide idp-issuer-url"), "{err}");
        config.insert(
            "idp-issuer-url".to_string(),
            SecretString::new("https://issuer.example".to_string()),
        );
        let err = OidcAuth::new(&provider(config.clone()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("must provide client-id"), "{err}");
        required(&mut config);
        assert!(OidcAuth::new(&provider(config)).is_ok());
    }
}
