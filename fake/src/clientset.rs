//! [`Clientset`]: client-go's `kubernetes/fake.Clientset` — the typed clientset over a fresh
//! [`FakeApiServer`], with the server's action log, reactors and tracker at hand.

use std::ops::Deref;

use k8s_apimachinery::Resource;
use serde::Serialize;

use crate::{Error, FakeApiServer};

/// A typed clientset over its own [`FakeApiServer`]. It derefs to [`k8s_client::Clientset`],
/// so code that takes a clientset takes this one; [`server`](Self::server) gives the action
/// log, reactors, faults and tracker.
///
/// ```
/// use k8s_api::core::v1::Namespace;
/// use k8s_apimachinery::{ListOptions, ObjectMeta};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ns = Namespace {
///     metadata: ObjectMeta { name: Some("team-a".into()), ..Default::default() },
///     ..Default::default()
/// };
/// let clientset = k8s_fake::Clientset::new([ns])?;
/// let all = clientset.core_v1().namespaces().list(&ListOptions::default()).await?;
/// assert_eq!(all.items.len(), 5); // team-a and the four of a fresh cluster
/// assert!(clientset.server().actions()[0].matches("list", "namespaces"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Clientset {
    server: FakeApiServer,
    clientset: k8s_client::Clientset,
}

impl Clientset {
    /// A clientset over a new fake holding `objects` (client-go's `fake.NewClientset`).
    pub fn new<K, I>(objects: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = K>,
        K: Resource + Serialize,
    {
        Ok(Self::from_server(
            FakeApiServer::new().with_objects(objects)?,
        ))
    }

    /// A clientset over `server`.
    pub fn from_server(server: FakeApiServer) -> Self {
        let clientset = server.clientset();
        Clientset { server, clientset }
    }

    /// The fake it talks to.
    pub fn server(&self) -> &FakeApiServer {
        &self.server
    }
}

impl Deref for Clientset {
    type Target = k8s_client::Clientset;

    fn deref(&self) -> &k8s_client::Clientset {
        &self.clientset
    }
}
