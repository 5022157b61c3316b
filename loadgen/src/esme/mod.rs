//! The partner ESME load generator.
pub mod cli;
