//! smpp-loadgen: simulators and traffic generators for exercising omnimessage-smpp.
//!
//! It holds the OmniMessage core simulator ([`core_sim`], `smpp-loadgen core`), the carrier
//! SMSC simulator ([`smsc`], `smpp-loadgen smsc`) and the partner ESME load generator
//! ([`esme`], `smpp-loadgen esme`); each can also be started in-process by tests and benchmarks.
#![warn(missing_docs)]

pub mod core_sim;
pub mod esme;
pub mod smsc;
