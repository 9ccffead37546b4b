//! A private control plane to poke at by hand: started, a namespace created, CRDs installed
//! from the folder or file given as the first argument (if any), the kubeconfig printed; stopped
//! and removed when you press Enter.
//!
//! ```sh
//! cargo run -p k8s-testenv --example private_plane -- examples/sample-controller/crd
//! ```

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plane = k8s_testenv::ControlPlane::start_private().await?;
    let ns = plane.info().create_namespace("example").await?;
    if let Some(crds) = std::env::args().nth(1) {
        for name in plane.install_crds(&crds).await? {
            println!("installed CustomResourceDefinition {name}");
        }
    }
    println!(
        "kube-apiserver {} at {}",
        k8s_testenv::KUBERNETES_VERSION,
        plane.server()
    );
    println!("namespace:      {ns}");
    println!(
        "try:            {} --kubeconfig {} get ns",
        plane.binaries().kubectl.display(),
        plane.kubeconfig().display()
    );
    println!("press Enter to stop it");
    tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await??;
    plane.shut_down()?;
    Ok(())
}
