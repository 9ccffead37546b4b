//! # k8s-client
//!
//! The Kubernetes client of k8s-rs, mirroring client-go: configuration loaders (kubeconfig,
//! in-cluster, exec credential plugins), the HTTP transport, the typed clientset, the dynamic
//! client and discovery.
