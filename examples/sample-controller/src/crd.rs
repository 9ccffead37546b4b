//! Installing the Foo CustomResourceDefinition.

use std::time::{Duration, Instant};

use k8s_api::apiextensions::v1::CustomResourceDefinition;
use k8s_apimachinery::GetOptions;
use k8s_client::{Api, HttpClient};

use crate::{CONTROLLER_NAME, Error};

/// The CRD manifest (`crd/foo.yaml`), the same file the types are generated from.
pub const CRD_YAML: &str = include_str!("../crd/foo.yaml");

/// The CRD's name.
pub const CRD_NAME: &str = "foos.samplecontroller.k8s.io";

/// Installs (server-side applies) the Foo CRD and waits until the server says it is
/// `Established`, so that Foos can be created and watched right after.
pub async fn install_crd(client: &HttpClient, timeout: Duration) -> Result<(), Error> {
    let crd: CustomResourceDefinition =
        serde_yaml::from_str(CRD_YAML).map_err(|e| Error::CrdManifest(e.to_string()))?;
    let api = Api::<CustomResourceDefinition>::all(client.clone());
    api.apply(CRD_NAME, &crd, CONTROLLER_NAME, true).await?;
    let start = Instant::now();
    loop {
        let current = api.get(CRD_NAME, &GetOptions::default()).await?;
        let established = current
            .status
            .conditions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(Error::CrdNotEstablished {
                name: CRD_NAME.to_owned(),
                after: timeout,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
