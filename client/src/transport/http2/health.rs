//! The connection's health check: client-go's `ReadIdleTimeout` / `PingTimeout`.

use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

/// client-go's defaults for `HTTP2_READ_IDLE_TIMEOUT_SECONDS` and `HTTP2_PING_TIMEOUT_SECONDS`.
const READ_IDLE_SECONDS: u64 = 30;
const PING_TIMEOUT_SECONDS: u64 = 15;

/// How often to PING the server and how long to wait for the answer.
#[derive(Clone, Copy, Debug)]
pub(super) struct HealthCheck {
    every: Duration,
    timeout: Duration,
}

impl HealthCheck {
    /// From the environment, as client-go reads it; `None` when turned off.
    pub(super) fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From `HTTP2_READ_IDLE_TIMEOUT_SECONDS` and `HTTP2_PING_TIMEOUT_SECONDS` as `var` reads
    /// them: unset, empty or not a whole number of seconds means the default; a read-idle
    /// timeout of 0 turns the check off.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let seconds = |name: &str, default: u64| {
            match var(name) {
            Some(v) if !v.trim().is_empty() => v.trim().parse().unwrap_or_else(|_| {
                tracing::warn!(variable = name, value = %v, default, "not a whole number of seconds; using the default");
                default
            }),
            _ => default,
        }
        };
        let every = seconds("HTTP2_READ_IDLE_TIMEOUT_SECONDS", READ_IDLE_SECONDS);
        let timeout = seconds("HTTP2_PING_TIMEOUT_SECONDS", PING_TIMEOUT_SECONDS);
        (every > 0).then(|| HealthCheck {
            every: Duration::from_secs(every),
            timeout: Duration::from_secs(timeout.max(1)),
        })
    }
}

/// Drives a connection until it ends, sending PINGs as `health` says; returning drops (and so
/// closes) the connection, which fails the requests still on it.
pub(super) async fn drive<T>(
    connection: h2::client::Connection<T, Bytes>,
    health: Option<HealthCheck>,
) where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let ended = |result: Result<(), h2::Error>| {
        if let Err(e) = result {
            tracing::debug!(error = %e, "HTTP/2 connection to the API server ended");
        }
    };
    let mut connection = connection;
    let pinger = health.and_then(|h| connection.ping_pong().map(|p| (h, p)));
    let Some((health, mut ping_pong)) = pinger else {
        return ended(connection.await);
    };
    let mut ticks = tokio::time::interval_at(Instant::now() + health.every, health.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            result = &mut connection => return ended(result),
            _ = ticks.tick() => {}
        }
        let ping = tokio::time::timeout(health.timeout, ping_pong.ping(h2::Ping::opaque()));
        // The connection must keep running for the answer to be read.
        let answer = tokio::select! {
            result = &mut connection => return ended(result),
            answer = ping => answer,
        };
        match answer {
            Ok(Ok(_pong)) => {}
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "HTTP/2 PING failed; closing the connection");
                return;
            }
            Err(_) => {
                tracing::warn!(
                    timeout = ?health.timeout,
                    "the API server did not answer an HTTP/2 PING in time; closing the connection"
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h2::client::SendRequest;

    const CHECK: HealthCheck = HealthCheck {
        every: Duration::from_secs(30),
        timeout: Duration::from_secs(15),
    };

    /// A client connection over an in-memory pipe, driven by `drive`, and the server's end.
    async fn pair() -> (
        SendRequest<Bytes>,
        tokio::task::JoinHandle<()>,
        h2::server::Connection<tokio::io::DuplexStream, Bytes>,
    ) {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(h2::server::handshake(server_io));
        let (sender, connection) = h2::client::handshake(client_io).await.unwrap();
        let driver = tokio::spawn(drive(connection, Some(CHECK)));
        let server = server.await.unwrap().unwrap();
        (sender, driver, server)
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_whose_server_stops_answering_pings_is_closed() {
        let (_sender, driver, _server) = pair().await;
        // The server's end is never polled again: the PING at 30 s gets no answer by 45 s.
        tokio::time::sleep(Duration::from_secs(44)).await;
        assert!(!driver.is_finished(), "closed before the PING timed out");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(driver.is_finished(), "still open after the PING timed out");
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_whose_server_answers_pings_stays_open() {
        let (_sender, driver, mut server) = pair().await;
        // The server reads its end (and so answers PINGs) for ten check intervals.
        let serving = tokio::spawn(async move {
            while let Some(request) = server.accept().await {
                drop(request);
            }
        });
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert!(!driver.is_finished());
        serving.abort();
    }

    #[test]
    fn health_check_settings_come_from_client_gos_variables() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            HealthCheck::from_vars(move |name| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let secs = |c: Option<HealthCheck>| c.map(|c| (c.every.as_secs(), c.timeout.as_secs()));
        assert_eq!(secs(with(&[])), Some((30, 15)), "client-go's defaults");
        assert_eq!(
            secs(with(&[
                ("HTTP2_READ_IDLE_TIMEOUT_SECONDS", "10"),
                ("HTTP2_PING_TIMEOUT_SECONDS", " 3 ")
            ])),
            Some((10, 3))
        );
        assert_eq!(
            secs(with(&[("HTTP2_READ_IDLE_TIMEOUT_SECONDS", "0")])),
            None,
            "0 turns the check off"
        );
        assert_eq!(
            secs(with(&[
                ("HTTP2_READ_IDLE_TIMEOUT_SECONDS", "soon"),
                ("HTTP2_PING_TIMEOUT_SECONDS", "")
            ])),
            Some((30, 15)),
            "bad or empty values fall back to the defaults"
        );
    }
}
