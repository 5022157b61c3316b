//! Per-connection SMPP session state machines (ESME and SMSC roles), sans-io.

mod config;
mod sequence;
mod timer;
mod window;

pub use config::SessionConfig;
pub use sequence::{SequenceNumber, MAX_SEQUENCE_NUMBER};
pub use window::MAX_WINDOW_SIZE;
