//! The benchmarked messages. Each [`Case`] holds the frames a peer sends for one message,
//! written octet by octet from the SMPP 3.4 field tables (never by our encoder), and our
//! codec's [`Pdu`] for each frame, built through the engine API.

use bytes::Bytes;
use engine::proto::concat::{self, ConcatMode, SplitOptions};
use engine::proto::text::{self, Encoding};
use engine::proto::{
    esm_class, registered_delivery, Address, Body, MessageState, Npi, Pdu, ServiceType,
    ShortMessage, SmppTime, SubmitSm, Tlv, TlvTag, Tlvs, Ton,
};

/// Why a case could not be built (an engine builder refused a value).
pub type CaseError = Box<dyn std::error::Error + Send + Sync>;

/// Alphanumeric sender of the MT messages and receiver of the receipt.
pub const SENDER: &str = "OmniMsg";
/// The handset: destination of the MT messages, source of the receipt.
pub const HANDSET: &str = "447700900123";
/// Body of the plain submit_sm: 58 characters whose GSM 03.38 septets equal their ASCII codes.
pub const SUBMIT_TEXT: &str = "Your OmniMessage code is 482913. It expires in 10 minutes.";
/// validity_period of the plain submit_sm: relative, one day.
pub const VALIDITY: &str = "000001000000000R";
/// user_message_reference TLV of the plain submit_sm.
pub const USER_MESSAGE_REFERENCE: u16 = 0x1A2B;
/// A vendor-specific TLV tag (SMPP 3.4 section 5.3.2 leaves 0x1400-0x3FFF to SMSC vendors).
pub const VENDOR_TAG: u16 = 0x1410;
/// The vendor TLV's value (a campaign code).
pub const VENDOR_VALUE: &[u8] = b"CMP42";
/// The SMSC message id the receipt is about.
pub const RECEIPT_ID: &str = "5F2A91C3D7";
/// The standard receipt text (SMPP 3.4 Appendix B) of a delivered message.
pub const RECEIPT_TEXT: &str = "id:5F2A91C3D7 sub:001 dlvrd:001 submit date:2405211030 \
                                done date:2405211031 stat:DELIVRD err:000 text:Your OmniMessage cod";
/// Body of the concatenated message: 184 Cyrillic characters, 368 UCS-2 octets, so three
/// parts of at most 134 octets behind an 8-bit concatenation UDH.
pub const CONCAT_TEXT: &str = "Здравствуйте! Ваш заказ №48213 принят и будет доставлен завтра \
                               с 10:00 до 14:00. Курьер позвонит за час до приезда. Если время не \
                               подходит, ответьте на это сообщение или позвоните нам.";
/// Reference number of the concatenated message's parts.
pub const CONCAT_REFERENCE: u8 = 0x5A;
/// UCS-2 octets per part behind the 6-octet UDH (140 - 6).
pub const CONCAT_PART_OCTETS: usize = 134;

/// sequence_number of the plain submit_sm.
pub const SUBMIT_SEQUENCE: u32 = 0x0000_0101;
/// sequence_number of the receipt.
pub const RECEIPT_SEQUENCE: u32 = 0x0000_0202;
/// sequence_number of the enquire_link.
pub const ENQUIRE_LINK_SEQUENCE: u32 = 0x0000_0303;
/// sequence_number of the first part of the concatenated message (the others follow it).
pub const CONCAT_SEQUENCE: u32 = 0x0000_0404;

const SUBMIT_SM: u32 = 0x0000_0004;
const DELIVER_SM: u32 = 0x0000_0005;
const ENQUIRE_LINK: u32 = 0x0000_0015;

/// One benchmarked message.
#[derive(Debug, Clone)]
pub struct Case {
    /// Name in benchmark ids and the results table.
    pub name: &'static str,
    /// The wire bytes of each PDU, in sending order.
    pub frames: Vec<Bytes>,
    /// Our codec's value for each frame.
    pub pdus: Vec<Pdu>,
}

impl Case {
    /// All frames back to back, as one read from the socket delivers them.
    pub fn wire(&self) -> Vec<u8> {
        self.frames.iter().flat_map(|f| f.iter().copied()).collect()
    }
}

/// Every case, in the order of the results table.
pub fn all() -> Result<Vec<Case>, CaseError> {
    Ok(vec![
        submit_sm()?,
        delivery_receipt()?,
        enquire_link(),
        concat_ucs2()?,
    ])
}

/// A typical MT submit_sm: GSM-7 text, a receipt requested, a relative validity period, the
/// user_message_reference TLV and a vendor TLV.
pub fn submit_sm() -> Result<Case, CaseError> {
    let mut body = Vec::new();
    body.push(0x00); // service_type: empty C-Octet String
    body.extend([0x05, 0x00]); // source_addr_ton alphanumeric, source_addr_npi unknown
    put_c_string(&mut body, SENDER.as_bytes()); // source_addr
    body.extend([0x01, 0x01]); // dest_addr_ton international, dest_addr_npi ISDN
    put_c_string(&mut body, HANDSET.as_bytes()); // destination_addr
    body.extend([0x00, 0x00, 0x00]); // esm_class, protocol_id, priority_flag
    body.push(0x00); // schedule_delivery_time: immediate
    put_c_string(&mut body, VALIDITY.as_bytes()); // validity_period
    body.extend([0x01, 0x00, 0x00, 0x00]); // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    body.push(SUBMIT_TEXT.len() as u8); // sm_length
    body.extend(SUBMIT_TEXT.as_bytes()); // short_message (GSM-7 septets = ASCII here)
    put_tlv(&mut body, 0x0204, &USER_MESSAGE_REFERENCE.to_be_bytes()); // user_message_reference
    put_tlv(&mut body, VENDOR_TAG, VENDOR_VALUE);
    let frame = frame(SUBMIT_SM, SUBMIT_SEQUENCE, &body);

    let encoded = text::encode(SUBMIT_TEXT, Encoding::Gsm7)?;
    let mut tlvs = Tlvs::new();
    tlvs.set_user_message_reference(USER_MESSAGE_REFERENCE);
    tlvs.push(Tlv::new(
        TlvTag(VENDOR_TAG),
        Bytes::from_static(VENDOR_VALUE),
    )?);
    let sm = SubmitSm {
        source_addr_ton: Ton::ALPHANUMERIC,
        source_addr: Address::for_field("source_addr", SENDER)?,
        dest_addr_ton: Ton::INTERNATIONAL,
        dest_addr_npi: Npi::ISDN,
        destination_addr: Address::for_field("destination_addr", HANDSET)?,
        validity_period: SmppTime::for_field("validity_period", VALIDITY)?,
        registered_delivery: registered_delivery::RECEIPT_ALWAYS,
        data_coding: encoded.data_coding(),
        short_message: ShortMessage::new(encoded.bytes)?,
        tlvs,
        ..SubmitSm::default()
    };
    Ok(Case {
        name: "submit_sm",
        frames: vec![frame],
        pdus: vec![Pdu::ok(SUBMIT_SEQUENCE, Body::SubmitSm(sm))],
    })
}

/// A delivery receipt from a carrier: deliver_sm with esm_class 0x04, the standard receipt
/// text, and the receipted_message_id and message_state TLVs.
pub fn delivery_receipt() -> Result<Case, CaseError> {
    let mut body = Vec::new();
    body.push(0x00); // service_type
    body.extend([0x01, 0x01]); // source_addr_ton international, source_addr_npi ISDN
    put_c_string(&mut body, HANDSET.as_bytes()); // source_addr
    body.extend([0x05, 0x00]); // dest_addr_ton alphanumeric, dest_addr_npi unknown
    put_c_string(&mut body, SENDER.as_bytes()); // destination_addr
    body.extend([0x04, 0x00, 0x00]); // esm_class: SMSC delivery receipt; protocol_id; priority_flag
    body.extend([0x00, 0x00]); // schedule_delivery_time, validity_period: unused, empty
    body.extend([0x00, 0x00, 0x00, 0x00]); // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    body.push(RECEIPT_TEXT.len() as u8); // sm_length
    body.extend(RECEIPT_TEXT.as_bytes()); // short_message
    let mut id = RECEIPT_ID.as_bytes().to_vec();
    id.push(0x00); // receipted_message_id is a C-Octet String: its NUL is part of the value
    put_tlv(&mut body, 0x001E, &id);
    put_tlv(&mut body, 0x0427, &[0x02]); // message_state: DELIVERED
    let frame = frame(DELIVER_SM, RECEIPT_SEQUENCE, &body);

    let mut tlvs = Tlvs::new();
    tlvs.set_receipted_message_id(RECEIPT_ID)?;
    tlvs.set_message_state(MessageState::DELIVERED);
    let sm = SubmitSm {
        source_addr_ton: Ton::INTERNATIONAL,
        source_addr_npi: Npi::ISDN,
        source_addr: Address::for_field("source_addr", HANDSET)?,
        dest_addr_ton: Ton::ALPHANUMERIC,
        destination_addr: Address::for_field("destination_addr", SENDER)?,
        esm_class: esm_class::DELIVERY_RECEIPT,
        short_message: ShortMessage::new(Bytes::from_static(RECEIPT_TEXT.as_bytes()))?,
        tlvs,
        ..SubmitSm::default()
    };
    Ok(Case {
        name: "deliver_sm_receipt",
        frames: vec![frame],
        pdus: vec![Pdu::ok(RECEIPT_SEQUENCE, Body::DeliverSm(sm))],
    })
}

/// enquire_link: the header alone.
pub fn enquire_link() -> Case {
    Case {
        name: "enquire_link",
        frames: vec![frame(ENQUIRE_LINK, ENQUIRE_LINK_SEQUENCE, &[])],
        pdus: vec![Pdu::ok(ENQUIRE_LINK_SEQUENCE, Body::EnquireLink)],
    }
}

/// A 3-part UCS-2 message: three submit_sm with UDHI set and an 8-bit concatenation UDH; our
/// PDUs are built from the segments of [`engine::proto::concat::split`].
pub fn concat_ucs2() -> Result<Case, CaseError> {
    let units: Vec<u8> = CONCAT_TEXT
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let chunks: Vec<&[u8]> = units.chunks(CONCAT_PART_OCTETS).collect();
    let total = chunks.len() as u8;
    let mut frames = Vec::with_capacity(chunks.len());
    for (seq, chunk) in (1u8..).zip(&chunks) {
        let mut body = Vec::new();
        body.push(0x00); // service_type
        body.extend([0x05, 0x00]); // source_addr_ton alphanumeric, source_addr_npi unknown
        put_c_string(&mut body, SENDER.as_bytes());
        body.extend([0x01, 0x01]); // dest_addr_ton international, dest_addr_npi ISDN
        put_c_string(&mut body, HANDSET.as_bytes());
        body.extend([0x40, 0x00, 0x00]); // esm_class: UDHI; protocol_id; priority_flag
        body.extend([0x00, 0x00]); // schedule_delivery_time, validity_period: empty
        body.extend([0x01, 0x00, 0x08, 0x00]); // registered_delivery, replace_if_present, data_coding UCS-2, sm_default_msg_id
        body.push((6 + chunk.len()) as u8); // sm_length: UDH + text
                                            // UDH (3GPP TS 23.040 9.2.3.24.1): UDHL 5, IEI 0x00, IEDL 3, reference, total, sequence.
        body.extend([0x05, 0x00, 0x03, CONCAT_REFERENCE, total, seq]);
        body.extend(*chunk);
        let sequence = CONCAT_SEQUENCE + u32::from(seq) - 1;
        frames.push(frame(SUBMIT_SM, sequence, &body));
    }

    let encoded = text::encode(CONCAT_TEXT, Encoding::Ucs2)?;
    let options = SplitOptions::new(ConcatMode::Udh8, u16::from(CONCAT_REFERENCE));
    let mut pdus = Vec::new();
    for (sequence, segment) in (CONCAT_SEQUENCE..).zip(concat::split(&encoded, &options)?) {
        let sm = SubmitSm {
            source_addr_ton: Ton::ALPHANUMERIC,
            source_addr: Address::for_field("source_addr", SENDER)?,
            dest_addr_ton: Ton::INTERNATIONAL,
            dest_addr_npi: Npi::ISDN,
            destination_addr: Address::for_field("destination_addr", HANDSET)?,
            esm_class: segment.esm_class_bits(),
            registered_delivery: registered_delivery::RECEIPT_ALWAYS,
            data_coding: segment.data_coding,
            short_message: ShortMessage::new(segment.body)?,
            service_type: ServiceType::empty(),
            ..SubmitSm::default()
        };
        pdus.push(Pdu::ok(sequence, Body::SubmitSm(sm)));
    }
    Ok(Case {
        name: "concat_ucs2_3_parts",
        frames,
        pdus,
    })
}

fn put_c_string(out: &mut Vec<u8>, value: &[u8]) {
    out.extend(value);
    out.push(0x00);
}

fn put_tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    out.extend(tag.to_be_bytes());
    out.extend((value.len() as u16).to_be_bytes());
    out.extend(value);
}

/// The 16-octet header (command_length, command_id, command_status ESME_ROK,
/// sequence_number) followed by `body`.
fn frame(command_id: u32, sequence_number: u32, body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(16 + body.len());
    out.extend(((16 + body.len()) as u32).to_be_bytes());
    out.extend(command_id.to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(sequence_number.to_be_bytes());
    out.extend(body);
    Bytes::from(out)
}
