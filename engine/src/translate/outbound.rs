//! Queue items -> PDUs: `submit_sm` towards a carrier ([`mt`]) and `deliver_sm` towards a
//! server-bind partner ([`partner_delivery`]).

use std::time::SystemTime;

use core_api::{ItemKind, QueueItem, ReceiptInfo};

use super::{text_encoding, time, TranslateError};
use crate::proto::concat::{self, ConcatMode, Gsm7Packing, Placement, Segment, SplitOptions};
use crate::proto::receipt::{ReceiptDate, ReceiptFormat, ReceiptState};
use crate::proto::text::{self, hex};
use crate::proto::values::{esm_class, registered_delivery};
use crate::proto::{Address, DeliverSm, MessageState, Npi, ShortMessage, SubmitSm, Ton};

/// Whether a `submit_sm` asks the carrier for a delivery receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReceiptPolicy {
    /// As the item's `registered_delivery` says.
    #[default]
    FromItem,
    /// Always (every part), whatever the item says.
    Always,
    /// Never.
    Never,
}

/// How a bind sends a queue item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtOptions {
    /// The bind's concatenation mode for bodies longer than one SMS.
    pub concatenation: ConcatMode,
    /// The reference number shared by this message's parts (the bind's counter; an 8-bit UDH
    /// keeps the low octet).
    pub reference: u16,
    /// Receipt requests (`submit_sm` only; `deliver_sm` never asks for one).
    pub receipts: ReceiptPolicy,
    /// Items needing more parts than this are refused (1..=255).
    pub max_parts: u8,
}

impl MtOptions {
    /// `concatenation` and `reference`, receipts as the item asks, up to 255 parts.
    pub fn new(concatenation: ConcatMode, reference: u16) -> MtOptions {
        MtOptions {
            concatenation,
            reference,
            receipts: ReceiptPolicy::FromItem,
            max_parts: u8::MAX,
        }
    }
}

/// The `submit_sm` bodies for a `kind: mt` item, one per part, in part order.
///
/// The body is encoded as `item.encoding` asks and split per `options.concatenation`; an item
/// with `udh` goes out as one segment behind that UDH with UDHI set, unsplit. Every part carries
/// the same addresses, priority (`priority_flag` is capped at 3, SMPP's highest level),
/// `validity_period` (absolute UTC) and receipt request. `deliver_after` is not sent: the
/// queue never hands out an item before that time.
pub fn mt(item: &QueueItem, options: &MtOptions) -> Result<Vec<SubmitSm>, TranslateError> {
    if item.kind != ItemKind::Mt {
        return Err(TranslateError::UnsupportedKind(item.kind));
    }
    let mut base = addressed(item)?;
    base.validity_period = match item.validity_period.as_deref().map(str::trim) {
        None | Some("") => crate::proto::SmppTime::empty(),
        Some(value) => time::rfc3339_to_smpp(value).map_err(|reason| TranslateError::Time {
            field: "validity_period",
            value: value.to_owned(),
            reason,
        })?,
    };
    let wants_receipt = match options.receipts {
        ReceiptPolicy::FromItem => item.registered_delivery,
        ReceiptPolicy::Always => true,
        ReceiptPolicy::Never => false,
    };
    if wants_receipt {
        base.registered_delivery = registered_delivery::RECEIPT_ALWAYS;
    }
    segments(item, options)?
        .into_iter()
        .map(|segment| with_segment(&base, segment))
        .collect()
}

/// The `deliver_sm` bodies for an item queued for a server-bind partner.
///
/// * `kind: receipt`: one `deliver_sm` with esm_class 0x04, the standard receipt text
///   (SMPP 3.4 Appendix B; missing dates are `now`, the original text is `message_body`) and
///   the `receipted_message_id` and `message_state` TLVs.
/// * `kind: mt` (an MO routed to the partner): encoded and split like [`mt`]; `deliver_sm` has
///   no validity period and asks for no acknowledgement.
pub fn partner_delivery(
    item: &QueueItem,
    options: &MtOptions,
    now: SystemTime,
) -> Result<Vec<DeliverSm>, TranslateError> {
    match item.kind {
        ItemKind::Mt => {
            let base = addressed(item)?;
            segments(item, options)?
                .into_iter()
                .map(|segment| with_segment(&base, segment))
                .collect()
        }
        ItemKind::Receipt => {
            let receipt = item
                .receipt
                .as_ref()
                .ok_or(TranslateError::MissingReceipt)?;
            receipt_deliver_sm(item, receipt, now).map(|sm| vec![sm])
        }
        ItemKind::Unsupported => Err(TranslateError::UnsupportedKind(item.kind)),
    }
}

/// A `submit_sm`/`deliver_sm` with the item's addresses and priority, no body yet.
fn addressed(item: &QueueItem) -> Result<SubmitSm, TranslateError> {
    Ok(SubmitSm {
        source_addr_ton: Ton(item.source_addr_ton),
        source_addr_npi: Npi(item.source_addr_npi),
        source_addr: Address::for_field("source_addr", &item.source_addr)
            .map_err(|e| TranslateError::field("source_addr", e))?,
        dest_addr_ton: Ton(item.dest_addr_ton),
        dest_addr_npi: Npi(item.dest_addr_npi),
        destination_addr: Address::for_field("destination_addr", &item.destination_addr)
            .map_err(|e| TranslateError::field("destination_addr", e))?,
        priority_flag: item.priority.min(3),
        ..SubmitSm::default()
    })
}

/// The item's body encoded and cut into the segments to send.
fn segments(item: &QueueItem, options: &MtOptions) -> Result<Vec<Segment>, TranslateError> {
    let encoding = text_encoding(item.encoding).ok_or(TranslateError::UnsupportedEncoding)?;
    let encoded = text::encode(&item.message_body, encoding).map_err(body_error)?;
    match item.udh.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(udh_hex) => {
            let udh = hex::decode(udh_hex).map_err(TranslateError::UdhHex)?;
            let segment =
                concat::with_udh(&udh, &encoded, Gsm7Packing::Unpacked).map_err(split_error)?;
            Ok(vec![segment])
        }
        None => {
            let split = SplitOptions {
                max_parts: options.max_parts.max(1),
                ..SplitOptions::new(options.concatenation, options.reference)
            };
            concat::split(&encoded, &split).map_err(split_error)
        }
    }
}

fn body_error(e: text::EncodeError) -> TranslateError {
    match e {
        text::EncodeError::InvalidHex(e) => TranslateError::BodyHex(e),
    }
}

fn split_error(e: concat::SplitError) -> TranslateError {
    match e {
        concat::SplitError::InvalidUdh(e) => TranslateError::Udh(e),
        other => TranslateError::Split(other),
    }
}

/// `base` carrying `segment`: body in short_message or message_payload, UDHI, SAR TLVs.
fn with_segment(base: &SubmitSm, segment: Segment) -> Result<SubmitSm, TranslateError> {
    let mut sm = base.clone();
    sm.esm_class |= segment.esm_class_bits();
    sm.data_coding = segment.data_coding;
    match segment.placement {
        Placement::ShortMessage => {
            sm.short_message = ShortMessage::new(segment.body)
                .map_err(|e| TranslateError::field("short_message", e))?;
        }
        Placement::MessagePayload => {
            sm.tlvs
                .set_message_payload(segment.body)
                .map_err(|e| TranslateError::field("message_payload", e))?;
        }
    }
    if let Some(sar) = segment.sar {
        sm.tlvs.set_sar_msg_ref_num(sar.ref_num);
        sm.tlvs.set_sar_total_segments(sar.total);
        sm.tlvs.set_sar_segment_seqnum(sar.seq);
    }
    Ok(sm)
}

fn receipt_date(value: Option<&str>, now: SystemTime) -> ReceiptDate {
    value
        .and_then(ReceiptDate::parse_any)
        .or_else(|| ReceiptDate::parse_rfc3339(&time::rfc3339(now)))
        .unwrap_or(ReceiptDate {
            year: 2000,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: None,
        })
}

fn receipt_deliver_sm(
    item: &QueueItem,
    receipt: &ReceiptInfo,
    now: SystemTime,
) -> Result<DeliverSm, TranslateError> {
    let state = ReceiptState::from_stat(&receipt.stat)
        .ok_or_else(|| TranslateError::UnknownStat(receipt.stat.clone()))?;
    let message_id = receipt.message_id.trim();
    let mut text = String::with_capacity(128);
    ReceiptFormat {
        id: message_id,
        submitted: 1,
        delivered: u16::from(state == ReceiptState::Delivered),
        submit_date: receipt_date(receipt.submit_date.as_deref(), now),
        done_date: receipt_date(receipt.done_date.as_deref(), now),
        state,
        err: &receipt.err,
        text: &item.message_body,
    }
    .write_to(&mut text);
    // The receipt text is ASCII but for the echoed original text, which may need UCS-2.
    let encoded = text::encode(&text, text::Encoding::Auto).map_err(body_error)?;
    let mut sm = addressed(item)?;
    sm.esm_class = esm_class::DELIVERY_RECEIPT;
    sm.data_coding = encoded.data_coding();
    let body = encoded.bytes;
    if body.len() <= ShortMessage::MAX_LEN {
        sm.short_message =
            ShortMessage::new(body).map_err(|e| TranslateError::field("short_message", e))?;
    } else {
        sm.tlvs
            .set_message_payload(body)
            .map_err(|e| TranslateError::field("message_payload", e))?;
    }
    sm.tlvs
        .set_receipted_message_id(message_id)
        .map_err(|e| TranslateError::field("receipt.message_id", e))?;
    sm.tlvs
        .set_message_state(MessageState(state.message_state()));
    Ok(sm)
}
