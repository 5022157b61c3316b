//! Conversions between the core's JSON types (`core_api`) and SMPP PDUs. Pure: no I/O and no
//! clock; the time is passed in (`BindContext::now`).
//!
//! * [`mt`]: a core queue item -> the `submit_sm` bodies to send on a client bind.
//! * [`partner_delivery`]: a queue item for a server-bind partner -> `deliver_sm` bodies (an MO
//!   routed to the partner, or a delivery receipt for its earlier submit).
//! * [`partner_submit`] / [`partner_data_sm`]: a partner's `submit_sm` / `data_sm` -> the core
//!   insert (`source_mode` server).
//! * [`carrier_deliver`]: a carrier's `deliver_sm` -> a receipt ([`CarrierReceipt`]) or an MO
//!   insert (`source_mode` client); [`assemble_mo`] joins reassembled MO parts into one insert.
//! * [`status`]: `submit_sm_resp` statuses and receipts -> `DeliveryStatusUpdate`.
//!
//! Every failure is a [`TranslateError`] that names the field at fault. For an outbound item it
//! is permanent (the same item fails the same way again: report it with
//! [`status::rejected_update`]); for an inbound PDU [`TranslateError::command_status`] is the
//! SMPP status to answer with.

mod error;
mod inbound;
mod outbound;
pub mod status;
pub mod time;

use std::time::SystemTime;

pub use error::TranslateError;
pub use inbound::{
    assemble_mo, carrier_deliver, concat_of, partner_data_sm, partner_submit, CarrierReceipt,
    Inbound,
};
pub use outbound::{mt, partner_delivery, MtOptions, ReceiptPolicy};

use crate::proto::text;

/// The bind a PDU arrived on or is sent through, the frontend's name and the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindContext<'a> {
    /// Name of the client or server bind.
    pub bind_name: &'a str,
    /// The frontend's `smsc_name`.
    pub smsc_name: &'a str,
    /// The current time (relative SMPP times, timestamps, default receipt dates).
    pub now: SystemTime,
}

/// The contract's encoding name for a wire charset's text encoding.
fn core_encoding(encoding: text::Encoding) -> core_api::Encoding {
    match encoding {
        text::Encoding::Auto => core_api::Encoding::Auto,
        text::Encoding::Gsm7 => core_api::Encoding::Gsm7,
        text::Encoding::Latin1 => core_api::Encoding::Latin1,
        text::Encoding::Ucs2 => core_api::Encoding::Ucs2,
        text::Encoding::Binary => core_api::Encoding::Binary,
    }
}

/// The text encoding a contract encoding asks for; `None` for a name this version lacks.
fn text_encoding(encoding: core_api::Encoding) -> Option<text::Encoding> {
    Some(match encoding {
        core_api::Encoding::Auto => text::Encoding::Auto,
        core_api::Encoding::Gsm7 => text::Encoding::Gsm7,
        core_api::Encoding::Latin1 => text::Encoding::Latin1,
        core_api::Encoding::Ucs2 => text::Encoding::Ucs2,
        core_api::Encoding::Binary => text::Encoding::Binary,
        core_api::Encoding::Unsupported => return None,
    })
}
