//! [`PlaneInfo`]: what a test needs to reach a running plane.

use std::path::PathBuf;

use rand::distr::{Alphanumeric, SampleString};

use crate::http::{admin_http, send_json};
use crate::{Binaries, ControlPlane, Error, Pki};

/// Where a running plane is and how to authenticate to it, without owning it.
///
/// [`TestEnv::plane`](crate::TestEnv::plane) hands out the shared plane's,
/// [`ControlPlane::info`] a private plane's. It is cheap to clone and stays valid while the
/// plane's apiserver restarts. With the `client` feature it builds a `k8s_client::Config`
/// (`PlaneInfo::config`) and an `HttpClient` (`PlaneInfo::client`) for the admin user.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlaneInfo {
    /// The apiserver URL, `https://127.0.0.1:<port>`.
    pub server: String,
    /// The admin kubeconfig (see [`ControlPlane::kubeconfig`]).
    pub kubeconfig: PathBuf,
    /// CA, client certificates and tokens.
    pub pki: Pki,
    /// The binaries (kubectl for tests that compare with it).
    pub binaries: Binaries,
}

impl PlaneInfo {
    /// The info of a running plane (also [`ControlPlane::info`]).
    pub fn of(plane: &ControlPlane) -> Self {
        PlaneInfo {
            server: plane.server(),
            kubeconfig: plane.kubeconfig(),
            pki: plane.pki().clone(),
            binaries: plane.binaries().clone(),
        }
    }

    /// Creates a namespace `<prefix>-<6 random characters>` (the prefix lowercased, characters
    /// a namespace name cannot hold replaced by `-`, cut to 50) and returns its name.
    ///
    /// The namespace is labelled `k8s-testenv/test=true`. It is not deleted at the end: the
    /// plane runs no namespace controller, so a deleted namespace would stay `Terminating`.
    pub async fn create_namespace(&self, prefix: &str) -> Result<String, Error> {
        let name = namespace_name(prefix, &Alphanumeric.sample_string(&mut rand::rng(), 6));
        let req = admin_http(&self.pki)?
            .post(format!("{}/api/v1/namespaces", self.server))
            .json(&serde_json::json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": { "name": name, "labels": { "k8s-testenv/test": "true" } }
            }));
        send_json(req, &format!("create namespace {name}")).await?;
        Ok(name)
    }
}

/// `<prefix>-<suffix>` as a valid namespace name (RFC 1123 label).
fn namespace_name(prefix: &str, suffix: &str) -> String {
    let prefix: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(50)
        .collect();
    let prefix = prefix.trim_matches('-');
    let suffix = suffix.to_ascii_lowercase();
    if prefix.is_empty() {
        format!("test-{suffix}")
    } else {
        format!("{prefix}-{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::namespace_name;

    #[test]
    fn namespace_names_are_valid_labels() {
        assert_eq!(namespace_name("smoke", "AbC123"), "smoke-abc123");
        assert_eq!(
            namespace_name("my_test::It Works", "x1y2z3"),
            "my-test--it-works-x1y2z3"
        );
        assert_eq!(namespace_name("--", "abcdef"), "test-abcdef");
        let long = namespace_name(&"a".repeat(80), "abcdef");
        assert_eq!(long.len(), 57);
    }
}
