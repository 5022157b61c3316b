//! SMPP 3.4 wire protocol: PDUs and TLVs, framing, text encodings, concatenation, receipts.
//!
//! Everything here is a pure function of its inputs.

pub mod concat;
pub mod message_id;
pub mod reassembly;
pub mod receipt;
pub mod text;
pub mod udh;
