//! # k8s-workqueue
//!
//! The controller work queue family of client-go's `util/workqueue`, async on tokio: a
//! de-duplicating queue, a delaying queue, rate limiters with the rate-limited queue, and a
//! priority queue. It depends on none of the other k8s-rs crates.
