//! # k8s-api
//!
//! Rust types for every built-in API group/version of Kubernetes v1.37.2, laid out like
//! `k8s.io/api` (`k8s_api::core::v1::Pod`, `k8s_api::apps::v1::Deployment`, …).
//!
//! The types are generated from the Kubernetes OpenAPI v3 documents by `cargo xtask codegen`;
//! the generated modules are never edited by hand.
