//! The sample controller's error type.

/// What can go wrong in the sample controller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request to the API server failed.
    #[error(transparent)]
    Client(#[from] k8s_client::Error),
    /// The informers did not sync.
    #[error(transparent)]
    Informers(#[from] k8s_informers::Error),
    /// The Deployment a Foo names exists but another owner controls it (client-go sample
    /// controller's `ErrResourceExists`).
    #[error("Deployment {namespace}/{deployment} already exists and is not managed by Foo {foo}")]
    NotOwned {
        /// The namespace.
        namespace: String,
        /// The Deployment's name.
        deployment: String,
        /// The Foo's name.
        foo: String,
    },
    /// The embedded CRD manifest does not parse.
    #[error("crd/foo.yaml: {0}")]
    CrdManifest(String),
    /// The CRD was not `Established` in time.
    #[error("CustomResourceDefinition {name} is not Established after {after:?}")]
    CrdNotEstablished {
        /// The CRD's name.
        name: String,
        /// How long we waited.
        after: std::time::Duration,
    },
    /// Leader election could not start.
    #[error("leader election: {0}")]
    LeaderElection(String),
}
