//! Adapters for the other Rust SMPP codecs on crates.io, shaped like `bench::ours`: decode what
//! one read put in a receive buffer, encode already-built PDUs, or both. Shared by the benchmark
//! and `tests/equivalence.rs` (through `#[path]`), so the code that is timed is the code whose
//! results are checked against ours.

pub(crate) mod rusmpp_codec;
pub(crate) mod smpp34_codec;

/// Any adapter failure (never on the benchmark's inputs; the equivalence test proves that).
pub(crate) type PeerError = Box<dyn std::error::Error>;
