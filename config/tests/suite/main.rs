//! Tests of loading, validation, environment overrides, the examples and the documentation.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
mod defaults;
mod docs;
mod env;
mod examples;
mod validation;
mod validation_binds;
