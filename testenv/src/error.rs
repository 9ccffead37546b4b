//! The one error type of the crate.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything that can go wrong while finding or building the binaries, starting, using or
/// stopping a control plane.
///
/// Every message names what was wrong and where: the variable and folder of missing binaries,
/// the file that could not be read, the process that crashed (with the end of its log), the
/// CustomResourceDefinition that never became established.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A folder named by `K8S_TESTENV_ASSETS` or `KUBEBUILDER_ASSETS` lacks a binary.
    #[error(
        "{variable}={dir}: {problems}; it must name a folder with executable kube-apiserver, \
         etcd and kubectl (unset it to build them from source with Go)",
        dir = dir.display()
    )]
    Assets {
        /// The environment variable that named the folder.
        variable: &'static str,
        /// The folder.
        dir: PathBuf,
        /// What is missing or wrong, file by file.
        problems: String,
    },
    /// A prerequisite of building the binaries (Go) is missing or too old.
    #[error("missing prerequisite: {0}")]
    Prerequisite(String),
    /// `go build` failed.
    #[error("go build {package} failed:\n{output}")]
    Build {
        /// The Go package that failed to build.
        package: String,
        /// The tail of the Go compiler's output.
        output: String,
    },
    /// A file or directory could not be read or written.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Certificates or keys could not be generated or loaded.
    #[error("PKI: {what}: {}", chain(source.as_ref()))]
    Pki {
        /// What was being done, naming the file where there is one.
        what: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// A process could not be started.
    #[error("start: {0}")]
    Start(String),
    /// A process exited while starting.
    #[error("{process} exited during start-up; last lines of {log}:\n{tail}", log = log.display())]
    Crashed {
        /// Which process.
        process: &'static str,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// The plane did not become ready in time.
    #[error("{what} not ready after {after:?}: {last}")]
    NotReady {
        /// What was waited for.
        what: &'static str,
        /// How long.
        after: Duration,
        /// The last error seen.
        last: String,
    },
    /// A request to the plane failed or was refused.
    #[error("{what}: {}", chain(source.as_ref()))]
    Request {
        /// The request, e.g. `create namespace smoke-x1y2z3`.
        what: String,
        /// The transport error, or the status and body of the answer.
        #[source]
        source: BoxError,
    },
    /// A CRD manifest could not be read.
    #[error("{path}: {message}", path = path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A CustomResourceDefinition was accepted but did not become `Established` in time.
    #[error(
        "CustomResourceDefinition {name} not Established after {after:?}; conditions: {conditions}"
    )]
    CrdNotEstablished {
        /// The CRD's name (`<plural>.<group>`).
        name: String,
        /// How long it was waited for.
        after: Duration,
        /// Its last conditions, as JSON.
        conditions: String,
    },
    /// A `k8s-client` configuration or transport could not be built.
    #[cfg(feature = "client")]
    #[error("k8s-client: {0}")]
    Client(#[from] k8s_client::Error),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A failed request: `source` is the transport's error, or a message (`String`/`&str`)
    /// saying what was wrong with the answer.
    pub(crate) fn request(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Request {
            what: what.into(),
            source: source.into(),
        }
    }

    /// A PKI failure while doing `what`, because of `source`.
    pub(crate) fn pki(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Pki {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// A boxed cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `error: cause: cause…`: the whole chain in one line (reqwest's own message names only its
/// outermost step).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = e.source();
    }
    out
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer step")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn causes_are_kept_and_shown_whole() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::request("create namespace x", Outer(inner));
        assert_eq!(err.to_string(), "create namespace x: outer step: refused");
        let source = std::error::Error::source(&err).expect("the cause is kept");
        assert!(source.downcast_ref::<Outer>().is_some());
        let err = Error::pki("ca.crt", "no certificate");
        assert_eq!(err.to_string(), "PKI: ca.crt: no certificate");
    }
}
