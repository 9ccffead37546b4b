//! # k8s-informers
//!
//! What controllers live on, mirroring client-go's `tools/cache`: the reflector (list + watch into
//! a store), the thread-safe indexer, shared index informers with their factory, and listers.
