//! The `client` feature: a `k8s_client::Config` and `HttpClient` for a plane, as the admin.

use std::path::Path;

use crate::{Error, PlaneInfo, TestEnv};

impl PlaneInfo {
    /// A `k8s_client::Config` for this plane as the admin user (client certificate in group
    /// `system:masters`, the plane's CA), with the client-side rate limit off (`qps = -1`) so
    /// that tests are never throttled by the client.
    pub fn config(&self) -> Result<k8s_client::Config, Error> {
        self.config_at(&self.server)
    }

    /// [`PlaneInfo::config`] talking to `server` instead of the plane's URL: a proxy in front
    /// of the plane (fault injection, recording) that forwards to it.
    pub fn config_at(&self, server: &str) -> Result<k8s_client::Config, Error> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io(p, e));
        let mut config = k8s_client::Config::new(server);
        config.qps = -1.0;
        config.tls = k8s_client::config::TlsConfig {
            ca_data: Some(read(&self.pki.ca_cert)?),
            client_cert: Some(read(&self.pki.admin_cert)?),
            client_key: Some(k8s_client::SecretBytes::new(read(&self.pki.admin_key)?)),
            ..Default::default()
        };
        Ok(config)
    }

    /// An `HttpClient` for this plane as the admin (see [`PlaneInfo::config`]). Make one per
    /// test: a client must not outlive the tokio runtime it was first used on.
    pub fn client(&self) -> Result<k8s_client::HttpClient, Error> {
        Ok(k8s_client::HttpClient::new(self.config()?)?)
    }
}

impl TestEnv {
    /// The admin `k8s_client::Config` of the shared plane (see [`PlaneInfo::config`]).
    pub fn config(&self) -> Result<k8s_client::Config, Error> {
        self.plane().config()
    }

    /// An admin `HttpClient` for the shared plane (see [`PlaneInfo::client`]).
    pub fn client(&self) -> Result<k8s_client::HttpClient, Error> {
        self.plane().client()
    }
}
