//! Shared inputs of the codec benchmarks: the PDUs every codec is measured on, as wire bytes
//! hand-built from the SMPP 3.4 field tables and as our [`engine::proto::Pdu`] values, plus our
//! codec's side of each measurement. The benchmark (`benches/codec.rs`) and the equivalence
//! test (`tests/equivalence.rs`) both use them, so what is timed is what is checked.

pub mod cases;
pub mod ours;

pub use cases::{Case, CaseError};
