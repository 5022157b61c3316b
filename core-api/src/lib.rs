//! The REST contract between omnimessage-smpp and the OmniMessage core, as serde types.
//!
//! Both sides use this crate: the gateway's core client and the bundled core simulator
//! (`smpp-loadgen core`). The contract is described in `docs/core-api.md`; every body there has
//! a type here. Reading is tolerant: unknown fields are ignored and optional fields may be
//! absent. Times travel as RFC 3339 UTC strings; [`rfc3339`] converts them to and from Unix
//! milliseconds. [`paths`] builds and parses the endpoint paths (with percent-encoding) so the
//! client and the simulator agree on them, and [`headers`] names the headers every call carries.
#![warn(missing_docs)]

mod de;
pub mod headers;
mod insert;
pub mod paths;
mod queue;
mod registry;
pub mod rfc3339;
mod status;
mod view;

pub use insert::{
    BatchInsertResult, Concat, DeliveryReceiptPost, ErrorBody, InsertMessage, InsertResponse,
};
pub use queue::{Encoding, ItemKind, QueueItem, ReceiptInfo};
pub use registry::{BindEntry, BindMode, FrontendAck, FrontendRegistration, Health, FEATURE_BATCH};
pub use status::{BatchStatusResult, BatchStatusUpdate, DeliveryStatus, DeliveryStatusUpdate};
pub use view::{QueuedMessageView, QueuedState};
