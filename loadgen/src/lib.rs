//! smpp-loadgen: simulators and traffic generators for exercising omnimessage-smpp.
//!
//! For now it holds the OmniMessage core simulator ([`core_sim`]), started by
//! `smpp-loadgen core` or in-process by tests and benchmarks.
#![warn(missing_docs)]

pub mod core_sim;
