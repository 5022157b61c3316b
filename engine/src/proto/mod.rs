//! SMPP 3.4 wire protocol: PDUs and TLVs, framing, text encodings, concatenation, receipts.
//!
//! Everything here is a pure function of its inputs.
