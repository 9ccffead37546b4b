//! The command lines of etcd and kube-apiserver.

use std::path::Path;

use crate::Pki;

pub(super) fn etcd_args(data: &Path, client_port: u16, peer_port: u16) -> Vec<String> {
    let client = format!("http://127.0.0.1:{client_port}");
    let peer = format!("http://127.0.0.1:{peer_port}");
    vec![
        "--name=k8s-rs".into(),
        format!("--data-dir={}", data.display()),
        format!("--listen-client-urls={client}"),
        format!("--advertise-client-urls={client}"),
        format!("--listen-peer-urls={peer}"),
        format!("--initial-advertise-peer-urls={peer}"),
        format!("--initial-cluster=k8s-rs={peer}"),
        // Throw-away data: no fsync makes the tests much faster.
        "--unsafe-no-fsync=true".into(),
        "--log-level=warn".into(),
    ]
}

pub(super) fn apiserver_args(
    pki: &Pki,
    etcd_port: u16,
    port: u16,
    extra: &[String],
) -> Vec<String> {
    let p = |path: &Path| path.display().to_string();
    vec![
        format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
        "--bind-address=127.0.0.1".into(),
        "--advertise-address=127.0.0.1".into(),
        format!("--secure-port={port}"),
        format!("--tls-cert-file={}", p(&pki.serving_cert)),
        format!("--tls-private-key-file={}", p(&pki.serving_key)),
        format!("--client-ca-file={}", p(&pki.ca_cert)),
        format!("--token-auth-file={}", p(&pki.token_file)),
        format!("--service-account-key-file={}", p(&pki.service_account_pub)),
        format!(
            "--service-account-signing-key-file={}",
            p(&pki.service_account_key)
        ),
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
        "--api-audiences=https://kubernetes.default.svc.cluster.local".into(),
        "--authorization-mode=RBAC".into(),
        "--service-cluster-ip-range=10.0.0.0/24".into(),
        // The endpoint reconciler refuses a loopback advertise address; nothing needs the
        // `kubernetes` Service endpoints here.
        "--endpoint-reconciler-type=none".into(),
        // There is no controller-manager to create `default` service accounts; without this,
        // every Pod create would be refused.
        "--disable-admission-plugins=ServiceAccount".into(),
        "--profiling=false".into(),
        "--v=1".into(),
    ]
    .into_iter()
    .chain(extra.iter().cloned())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn apiserver_flags_name_every_pki_file() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-flags-test-{}", std::process::id()));
        let pki = Pki::generate(&dir).unwrap();
        let args = apiserver_args(
            &pki,
            2379,
            6443,
            &["--feature-gates=WatchList=false".into()],
        );
        assert_eq!(
            args.last().map(String::as_str),
            Some("--feature-gates=WatchList=false")
        );
        assert!(args.contains(&"--etcd-servers=http://127.0.0.1:2379".to_string()));
        assert!(args.contains(&"--secure-port=6443".to_string()));
        assert!(args.contains(&"--authorization-mode=RBAC".to_string()));
        assert!(args.iter().any(|a| a.starts_with("--token-auth-file=")));
        assert!(args.iter().all(|a| !a.contains(&pki.admin_token)));
        fs::remove_dir_all(&dir).unwrap();
    }
}
