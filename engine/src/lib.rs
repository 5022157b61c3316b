//! The SMPP protocol engine of omnimessage-smpp.
//!
//! `proto` is the pure SMPP 3.4 wire layer (PDUs, TLVs, text codecs, concatenation, delivery
//! receipts) and `session` holds the per-connection state machines. Neither does any I/O or
//! reads a clock: bytes and time come in as arguments, bytes and events go out.
#![warn(missing_docs)]

pub mod cache;
pub mod coreclient;
pub mod lockout;
pub mod log_budget;
pub mod logger;
pub mod proto;
pub mod ratelimit;
pub mod session;
pub mod shard;
pub mod stats;
pub mod store;
pub mod translate;
