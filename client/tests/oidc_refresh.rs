#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The `oidc` auth provider refreshes an expired id-token at the issuer's token endpoint, against
//! a small local server that plays both issuer and apiserver (the real apiserver here is not
//! configured with an OIDC issuer).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use k8s_client::config::AuthProviderConfig;
use k8s_client::transport::Request;
use k8s_client::{Config, HttpClient, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn jwt(exp: i64, sub: &str) -> String {
    let enc = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.sig",
        enc(serde_json::json!({"alg": "RS256"})),
        enc(serde_json::json!({"exp": exp, "sub": sub}))
    )
}

/// Serves discovery, the token endpoint, and `/api` (which echoes the Authorization header).
async fn issuer(fresh_token: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b, s) = (base.clone(), seen.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (base, seen, fresh) = (b.clone(), s.clone(), fresh_token.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut n = 0;
                loop {
                    let r = sock.read(&mut buf[n..]).await.unwrap_or(0);
                    if r == 0 {
                        return;
                    }
                    n += r;
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    let Some(head_end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if n < head_end + 4 + len {
                        continue;
                    }
                    let first = text.lines().next().unwrap_or_default().to_string();
                    seen.lock().unwrap().push(format!(
                        "{first} | {}",
                        &text[head_end + 4..head_end + 4 + len]
                    ));
                    let body = if first.contains("/.well-known/openid-configuration") {
                        serde_json::json!({"issuer": base, "token_endpoint": format!("{base}/token")}).to_string()
                    } else if first.starts_with("POST /token") {
                        serde_json::json!({"id_token": fresh, "refresh_token": "rotated-refresh", "token_type": "Bearer"}).to_string()
                    } else {
                        let auth = text
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("authorization: ")
                                    .or_else(|| l.strip_prefix("Authorization: "))
                            })
                            .unwrap_or_default()
                            .to_string();
                        serde_json::json!({"authorization": auth}).to_string()
                    };
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    n = 0;
                }
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn expired_id_token_is_refreshed_with_the_refresh_token() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let fresh = jwt(now + 3600, "jane");
    let (base, seen) = issuer(fresh.clone()).await;
    let mut provider = BTreeMap::new();
    provider.insert(
        "id-token".to_string(),
        SecretString::new(jwt(now - 60, "jane")),
    );
    provider.insert(
        "refresh-token".to_string(),
        SecretString::new("the-refresh-token"),
    );
    provider.insert("client-id".to_string(), SecretString::new("kubectl"));
    provider.insert(
        "idp-issuer-url".to_string(),
        SecretString::new(base.clone()),
    );
    let mut config = Config::new(&base);
    config.qps = -1.0;
    config.auth.auth_provider = Some(AuthProviderConfig {
        name: "oidc".into(),
        config: provider,
    });
    let client = HttpClient::new(config).unwrap();
    let answer: serde_json::Value = client.send_json(Request::get("/api")).await.unwrap();
    assert_eq!(answer["authorization"], format!("Bearer {fresh}"));
    // Discovery, then the refresh grant with the refresh token and the client id.
    let log = seen.lock().unwrap().clone();
    assert!(
        log[0].starts_with("GET /.well-known/openid-configuration"),
        "{log:?}"
    );
    assert!(log[1].starts_with("POST /token"), "{log:?}");
    assert!(log[1].contains("grant_type=refresh_token"), "{log:?}");
    assert!(
        log[1].contains("refresh_token=the-refresh-token"),
        "{log:?}"
    );
    assert!(log[1].contains("client_id=kubectl"), "{log:?}");
    // The fresh token is cached: the next request does not refresh again.
    client
        .send_json::<serde_json::Value>(Request::get("/api"))
        .await
        .unwrap();
    assert_eq!(
        seen.lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("POST /token"))
            .count(),
        1
    );
}
