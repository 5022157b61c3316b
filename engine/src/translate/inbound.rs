//! PDUs -> core inserts and receipts: a partner's `submit_sm`/`data_sm`, a carrier's
//! `deliver_sm`.

use std::borrow::Cow;

use bytes::Bytes;
use core_api::{BindMode, Concat, DeliveryReceiptPost, DeliveryStatus, InsertMessage};

use super::{core_encoding, time, BindContext, TranslateError};
use crate::proto::receipt::{Receipt, ReceiptState, ReceiptText};
use crate::proto::text::{self, hex, Charset};
use crate::proto::udh::Udh;
use crate::proto::values::{esm_class, registered_delivery};
use crate::proto::{DataSm, DeliverSm, NetworkErrorCode, SmppTime, SubmitSm, Tlvs};

/// What a carrier's `deliver_sm` turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A delivery receipt (or another acknowledgement) for an earlier submit.
    Receipt(CarrierReceipt),
    /// A mobile-originated message to insert (`source_mode` client).
    Mo(InsertMessage),
}

/// A receipt from a carrier, owned, TLVs preferred over the text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CarrierReceipt {
    /// The carrier's id of the original message (`receipted_message_id`, else text `id:`);
    /// empty when the receipt names none (it can then only be posted unmatched).
    pub carrier_message_id: String,
    /// The reported state (`message_state`, else text `stat:`), if recognised.
    pub state: Option<ReceiptState>,
    /// Text `err:`.
    pub err: Option<String>,
    /// Text `submit date:`, as received.
    pub submit_date: Option<String>,
    /// Text `done date:`, as received.
    pub done_date: Option<String>,
    /// Text `sub:`.
    pub sub: Option<String>,
    /// Text `dlvrd:`.
    pub dlvrd: Option<String>,
    /// Text `text:`.
    pub text: Option<String>,
    /// Text `stat:` as received (kept when it is not a known state).
    pub stat: Option<String>,
    /// The `message_state` TLV as received.
    pub message_state: Option<u8>,
    /// The `network_error_code` TLV.
    pub network_error_code: Option<NetworkErrorCode>,
    /// The deliver_sm's source_addr (the handset).
    pub source_addr: String,
    /// The deliver_sm's destination_addr (the original sender).
    pub destination_addr: String,
    /// The deliver_sm's esm_class (0x04 receipt, 0x08/0x10 SME acks, 0x20 intermediate).
    pub esm_class: u8,
}

impl CarrierReceipt {
    /// The contract status this receipt reports (`unknown` when the state was not given).
    pub fn status(&self) -> DeliveryStatus {
        super::status::receipt_status(self.state)
    }

    /// `err:` as a number (decimal, or hex with `0x`), for the contract's `error_code`.
    pub fn error_code(&self) -> Option<u32> {
        let err = self.err.as_deref()?.trim();
        match err.strip_prefix("0x").or_else(|| err.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => err.parse().ok(),
        }
    }

    /// The raw fields for `POST /api/delivery_receipts`, when the id matched no message.
    pub fn unmatched(&self, ctx: &BindContext<'_>) -> DeliveryReceiptPost {
        DeliveryReceiptPost {
            smsc_message_id: self.carrier_message_id.clone(),
            stat: self
                .stat
                .clone()
                .or_else(|| self.state.map(|s| s.stat().to_owned())),
            err: self.err.clone(),
            submit_date: self.submit_date.clone(),
            done_date: self.done_date.clone(),
            sub: self.sub.clone(),
            dlvrd: self.dlvrd.clone(),
            text: self.text.clone(),
            message_state: self.message_state,
            network_error_code: self.network_error_code.map(|code| {
                let [high, low] = code.error_code.to_be_bytes();
                hex::encode(&[code.network_type, high, low])
            }),
            source_addr: Some(self.source_addr.clone()),
            destination_addr: Some(self.destination_addr.clone()),
            bind_name: Some(ctx.bind_name.to_owned()),
            smsc_name: Some(ctx.smsc_name.to_owned()),
            timestamp: Some(time::rfc3339(ctx.now)),
        }
    }
}

/// The fields submit_sm, deliver_sm and data_sm share.
struct Fields<'a> {
    source_addr: &'a [u8],
    source_addr_ton: u8,
    source_addr_npi: u8,
    destination_addr: &'a [u8],
    dest_addr_ton: u8,
    dest_addr_npi: u8,
    esm_class: u8,
    priority_flag: u8,
    registered_delivery: u8,
    data_coding: u8,
    schedule_delivery_time: Option<&'a SmppTime>,
    validity_period: Option<&'a SmppTime>,
    short_message: &'a Bytes,
    tlvs: &'a Tlvs,
}

impl<'a> Fields<'a> {
    fn of_sm(sm: &'a SubmitSm) -> Fields<'a> {
        Fields {
            source_addr: sm.source_addr.as_bytes(),
            source_addr_ton: sm.source_addr_ton.0,
            source_addr_npi: sm.source_addr_npi.0,
            destination_addr: sm.destination_addr.as_bytes(),
            dest_addr_ton: sm.dest_addr_ton.0,
            dest_addr_npi: sm.dest_addr_npi.0,
            esm_class: sm.esm_class,
            priority_flag: sm.priority_flag,
            registered_delivery: sm.registered_delivery,
            data_coding: sm.data_coding,
            schedule_delivery_time: Some(&sm.schedule_delivery_time),
            validity_period: Some(&sm.validity_period),
            short_message: sm.short_message.bytes(),
            tlvs: &sm.tlvs,
        }
    }

    /// The user data: short_message, or message_payload when short_message is empty (a peer
    /// that sends both has its short_message used).
    fn user_data(&self) -> &'a [u8] {
        if self.short_message.is_empty() {
            if let Some(payload) = self.tlvs.message_payload() {
                return payload;
            }
        }
        self.short_message
    }
}

/// A body split from its UDH and its concatenation info.
struct Parts<'a> {
    udh: Option<&'a [u8]>,
    body: &'a [u8],
    concat: Option<Concat>,
}

/// Splits the UDH off (UDHI set) and reads the concatenation info from it or the SAR TLVs.
fn parts<'a>(fields: &Fields<'a>) -> Result<Parts<'a>, TranslateError> {
    let data = fields.user_data();
    if fields.esm_class & esm_class::UDHI != 0 {
        let (udh, body) = Udh::split(data).map_err(TranslateError::Udh)?;
        let concat = udh.concat().map(|info| Concat {
            reference: info.reference,
            total: info.total,
            seq: info.seq,
        });
        return Ok(Parts {
            udh: Some(udh.as_bytes()),
            body,
            concat,
        });
    }
    let tlvs = fields.tlvs;
    let concat = match (
        tlvs.sar_msg_ref_num(),
        tlvs.sar_total_segments(),
        tlvs.sar_segment_seqnum(),
    ) {
        (Some(reference), Some(total), Some(seq)) => Some(Concat {
            reference,
            total,
            seq,
        }),
        _ => None,
    };
    Ok(Parts {
        udh: None,
        body: data,
        concat,
    })
}

/// The concatenation info of a submit_sm/deliver_sm (UDH element or SAR TLVs), if it is a part
/// of a longer message and its UDH is well-formed.
pub fn concat_of(sm: &SubmitSm) -> Option<Concat> {
    parts(&Fields::of_sm(sm)).ok()?.concat
}

fn lossy(octets: &[u8]) -> String {
    String::from_utf8_lossy(octets).into_owned()
}

fn time_field(
    field: &'static str,
    value: Option<&SmppTime>,
    ctx: &BindContext<'_>,
) -> Result<Option<String>, TranslateError> {
    match value {
        None => Ok(None),
        Some(t) => time::smpp_to_rfc3339(t, ctx.now).map_err(|reason| TranslateError::Time {
            field,
            value: t.as_str().to_owned(),
            reason,
        }),
    }
}

fn insert(
    fields: &Fields<'_>,
    mode: BindMode,
    ctx: &BindContext<'_>,
) -> Result<InsertMessage, TranslateError> {
    insert_parts(fields, parts(fields)?, mode, ctx)
}

fn insert_parts(
    fields: &Fields<'_>,
    parts: Parts<'_>,
    mode: BindMode,
    ctx: &BindContext<'_>,
) -> Result<InsertMessage, TranslateError> {
    let charset = Charset::from_data_coding(fields.data_coding);
    let decoded = text::decode(parts.body, charset);
    Ok(InsertMessage {
        source_addr: lossy(fields.source_addr),
        source_addr_ton: fields.source_addr_ton,
        source_addr_npi: fields.source_addr_npi,
        destination_addr: lossy(fields.destination_addr),
        dest_addr_ton: fields.dest_addr_ton,
        dest_addr_npi: fields.dest_addr_npi,
        message_body: decoded.text,
        encoding: core_encoding(charset.encoding()),
        data_coding: Some(fields.data_coding),
        esm_class: Some(fields.esm_class),
        registered_delivery: fields.registered_delivery & registered_delivery::RECEIPT_MASK != 0,
        priority: fields.priority_flag,
        validity_period: time_field("validity_period", fields.validity_period, ctx)?,
        deliver_after: time_field("schedule_delivery_time", fields.schedule_delivery_time, ctx)?,
        source_smsc: ctx.bind_name.to_owned(),
        source_mode: mode,
        smsc_name: Some(ctx.smsc_name.to_owned()),
        frontend_message_id: None,
        concat: parts.concat,
        udh: parts.udh.map(hex::encode),
    })
}

/// A partner's `submit_sm` as the core insert (`source_mode` server).
///
/// The body is decoded per `data_coding` (binary and unknown codings become hex with encoding
/// `binary`); a UDH is split off into `udh` (hex) and its concatenation element, or the SAR
/// TLVs, become `concat`; `message_payload` is used when short_message is empty;
/// `validity_period` and `schedule_delivery_time` become RFC 3339 (relative ones from
/// `ctx.now`). `registered_delivery` is true when any SMSC receipt is requested (bits 1-0).
pub fn partner_submit(
    sm: &SubmitSm,
    ctx: &BindContext<'_>,
) -> Result<InsertMessage, TranslateError> {
    insert(&Fields::of_sm(sm), BindMode::Server, ctx)
}

/// A partner's `data_sm` as the core insert, like [`partner_submit`] (the body is in
/// `message_payload`; the `qos_time_to_live` TLV, seconds, becomes `validity_period`).
pub fn partner_data_sm(
    sm: &DataSm,
    ctx: &BindContext<'_>,
) -> Result<InsertMessage, TranslateError> {
    let empty = Bytes::new();
    let fields = Fields {
        source_addr: sm.source_addr.as_bytes(),
        source_addr_ton: sm.source_addr_ton.0,
        source_addr_npi: sm.source_addr_npi.0,
        destination_addr: sm.destination_addr.as_bytes(),
        dest_addr_ton: sm.dest_addr_ton.0,
        dest_addr_npi: sm.dest_addr_npi.0,
        esm_class: sm.esm_class,
        priority_flag: 0,
        registered_delivery: sm.registered_delivery,
        data_coding: sm.data_coding,
        schedule_delivery_time: None,
        validity_period: None,
        short_message: &empty,
        tlvs: &sm.tlvs,
    };
    let mut message = insert(&fields, BindMode::Server, ctx)?;
    if let Some(ttl) = sm.tlvs.qos_time_to_live() {
        let at = time::unix_ms(ctx.now).saturating_add(i64::from(ttl) * 1000);
        message.validity_period = Some(core_api::rfc3339::format_millis(at));
    }
    Ok(message)
}

/// Whether the esm_class message type is one of the receipt-like ones: SMSC delivery receipt
/// (0x04), SME delivery acknowledgement (0x08), SME manual/user acknowledgement (0x10),
/// intermediate delivery notification (0x20).
fn is_receipt_type(esm: u8) -> bool {
    matches!(esm & esm_class::TYPE_MASK, 0x04 | 0x08 | 0x10 | 0x20)
}

/// A carrier's `deliver_sm`: a receipt, or an MO to insert (`source_mode` client).
///
/// It is a receipt when, in this order: the esm_class message type is receipt-like (0x04, 0x08,
/// 0x10, 0x20); a `receipted_message_id` or `message_state` TLV is present; or, as a last
/// resort, the text has both an `id:` and a `stat:` field (one alone is too weak: an MO may
/// say "stat: ok"). Receipt values prefer the TLVs over the text. An MO is decoded as in
/// [`partner_submit`]; with `mo_reassembly` its parts go to the store and [`assemble_mo`].
pub fn carrier_deliver(sm: &DeliverSm, ctx: &BindContext<'_>) -> Result<Inbound, TranslateError> {
    let fields = Fields::of_sm(sm);
    let tlv_id = sm.tlvs.receipted_message_id();
    let tlv_state = sm.tlvs.message_state().map(|s| s.0);
    let by_header = is_receipt_type(sm.esm_class) || tlv_id.is_some() || tlv_state.is_some();
    let split = parts(&fields);
    if !by_header {
        match &split {
            Ok(p) if p.udh.is_none() && reads_as_receipt(p.body, sm.data_coding) => {}
            _ => return insert_parts(&fields, split?, BindMode::Client, ctx).map(Inbound::Mo),
        }
    }
    // A receipt's UDH (rare) is skipped; a malformed one leaves the TLVs to speak.
    let body = split.as_ref().map_or(fields.user_data(), |p| p.body);
    let view = receipt_view(body, sm.data_coding);
    let found = ReceiptText::parse(&view);
    let tlv_id = tlv_id.map(String::from_utf8_lossy);
    let receipt = Receipt::new(found, tlv_id.as_deref(), tlv_state);
    let own = |v: Option<&str>| v.map(str::to_owned);
    Ok(Inbound::Receipt(CarrierReceipt {
        carrier_message_id: receipt.message_id.unwrap_or_default().trim().to_owned(),
        state: receipt.state,
        err: own(found.err),
        submit_date: own(found.submit_date),
        done_date: own(found.done_date),
        sub: own(found.sub),
        dlvrd: own(found.dlvrd),
        text: own(found.text),
        stat: own(found.stat),
        message_state: tlv_state,
        network_error_code: sm.tlvs.network_error_code(),
        source_addr: lossy(sm.source_addr.as_bytes()),
        destination_addr: lossy(sm.destination_addr.as_bytes()),
        esm_class: sm.esm_class,
    }))
}

/// A body as receipt text. Receipts are ASCII in practice whatever `data_coding` says, and a
/// GSM-7 reading would turn `_`, `@` or `$` of an id into other characters, so single-octet
/// codings are read as ASCII/UTF-8 (no copy when valid); UCS-2 is decoded.
fn receipt_view(body: &[u8], data_coding: u8) -> Cow<'_, str> {
    match Charset::from_data_coding(data_coding) {
        Charset::Ucs2 => Cow::Owned(text::decode(body, Charset::Ucs2).text),
        _ => String::from_utf8_lossy(body),
    }
}

/// The last-resort test: the text has both an `id:` and a `stat:` field.
fn reads_as_receipt(body: &[u8], data_coding: u8) -> bool {
    let view = receipt_view(body, data_coding);
    let found = ReceiptText::parse(&view);
    found.id.is_some() && found.stat.is_some()
}

/// One MO insert (no `concat`, no `udh`) from every part of a reassembled message, in part
/// order. Bodies are joined before decoding, so a character cut between parts survives; parts
/// in different codings are decoded one by one. Addresses and flags come from the first part.
pub fn assemble_mo(
    parts_in_order: &[DeliverSm],
    ctx: &BindContext<'_>,
) -> Result<InsertMessage, TranslateError> {
    let Some(first) = parts_in_order.first() else {
        return Err(TranslateError::field("parts", "no part to assemble"));
    };
    let first_fields = Fields::of_sm(first);
    let mut message = insert(&first_fields, BindMode::Client, ctx)?;
    let data_coding = first.data_coding;
    let mut bodies = Vec::with_capacity(parts_in_order.len());
    for sm in parts_in_order {
        bodies.push((sm.data_coding, parts(&Fields::of_sm(sm))?.body));
    }
    message.message_body = if bodies.iter().all(|&(dc, _)| dc == data_coding) {
        let joined: Vec<u8> = bodies.iter().flat_map(|&(_, body)| body).copied().collect();
        text::decode(&joined, Charset::from_data_coding(data_coding)).text
    } else {
        bodies
            .iter()
            .map(|&(dc, body)| text::decode(body, Charset::from_data_coding(dc)).text)
            .collect()
    };
    message.esm_class = Some(first.esm_class & !esm_class::UDHI);
    message.concat = None;
    message.udh = None;
    Ok(message)
}
