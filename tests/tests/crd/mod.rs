//! CustomResourceDefinition fixtures and the types `cargo xtask codegen --crd` generates from
//! them (kept up to date by xtask's `crd_fixture_is_up_to_date` test):
//!
//! ```text
//! cargo xtask codegen --crd tests/tests/crd/widget.yaml --out tests/tests/crd/widget.rs
//! ```

pub mod widget;
