//! Delivery receipts the simulator owes: message ids, the receipt deliver_sm, the wall-clock
//! dates of the receipt text.

use bytes::{BufMut, Bytes};
use engine::proto::receipt::{
    ReceiptDate, ReceiptFormat, ReceiptState, ESM_CLASS_DELIVERY_RECEIPT,
};
use engine::proto::{Address, DeliverSm, MessageState, Tlv, TlvTag, Tlvs};
use std::fmt::Write as _;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::wire::Arena;

/// How message ids are written in submit_sm_resp and in receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdFormat {
    /// Lowercase hexadecimal.
    Hex,
    /// Decimal digits.
    Decimal,
}

impl IdFormat {
    /// Parses `hex` or `decimal`.
    pub fn parse(text: &str) -> Option<IdFormat> {
        match text {
            "hex" => Some(IdFormat::Hex),
            "decimal" | "dec" => Some(IdFormat::Decimal),
            _ => None,
        }
    }

    /// Writes id `n` into the arena.
    pub(crate) fn write(self, n: u64, arena: &mut Arena) -> Bytes {
        arena.take(24, |buf| {
            let _ = match self {
                IdFormat::Hex => write!(buf, "{n:x}"),
                IdFormat::Decimal => write!(buf, "{n}"),
            };
        })
    }
}

/// A receipt waiting for its time and a window slot.
#[derive(Debug, Clone)]
pub(crate) struct PendingReceipt {
    /// When it may go out.
    pub(crate) due: Instant,
    /// The message id given in submit_sm_resp.
    pub(crate) message_id: Bytes,
    /// The submit's destination (the receipt's source).
    pub(crate) source: Address,
    /// The submit's source (the receipt's destination).
    pub(crate) destination: Address,
    /// The state reported.
    pub(crate) state: ReceiptState,
    /// When the message was submitted.
    pub(crate) submitted: ReceiptDate,
    /// The start of the submitted short_message when it is 7-bit text (a slice, no copy).
    pub(crate) excerpt: Bytes,
}

/// Octets of the submitted text quoted after `text:` in the receipt.
pub(crate) const EXCERPT_LEN: usize = 20;

/// The part of a submit's short_message quoted in its receipt: the first 20 octets of text in
/// the default alphabet, IA5 or Latin-1 (UCS-2 and binary bodies are not quoted).
pub(crate) fn excerpt(short_message: &Bytes, data_coding: u8, esm_class: u8) -> Bytes {
    let text_coding = matches!(data_coding, 0x00 | 0x01 | 0x03);
    let has_udh = esm_class & engine::proto::esm_class::UDHI != 0;
    if !text_coding || has_udh {
        return Bytes::new();
    }
    short_message.slice(..short_message.len().min(EXCERPT_LEN))
}

/// Builds receipt deliver_sm PDUs, reusing one text buffer.
#[derive(Debug)]
pub(crate) struct ReceiptBuilder {
    text: String,
    with_tlvs: bool,
}

impl ReceiptBuilder {
    /// A builder; `with_tlvs` adds receipted_message_id and message_state.
    pub(crate) fn new(with_tlvs: bool) -> ReceiptBuilder {
        ReceiptBuilder {
            text: String::with_capacity(160),
            with_tlvs,
        }
    }

    /// The deliver_sm carrying `receipt`, delivered at `done`.
    pub(crate) fn build(
        &mut self,
        receipt: &PendingReceipt,
        done: ReceiptDate,
        arena: &mut Arena,
    ) -> DeliverSm {
        let id = std::str::from_utf8(&receipt.message_id).unwrap_or_default();
        let delivered = u16::from(receipt.state == ReceiptState::Delivered);
        self.text.clear();
        ReceiptFormat {
            id,
            submitted: 1,
            delivered,
            submit_date: receipt.submitted,
            done_date: done,
            state: receipt.state,
            err: if delivered == 1 { "000" } else { "001" },
            text: "",
        }
        .write_to(&mut self.text);
        // Letters, digits and common punctuation are the same octets in GSM 03.38 and ASCII;
        // anything else is quoted as '?' so the receipt stays plain ASCII.
        self.text.extend(receipt.excerpt.iter().map(|&b| {
            if b.is_ascii_alphanumeric() || b" .,:;!?'()+-*/=%&#".contains(&b) {
                char::from(b)
            } else {
                '?'
            }
        }));
        let text = arena.take(self.text.len(), |buf| buf.put_slice(self.text.as_bytes()));
        let mut tlvs = Tlvs::new();
        if self.with_tlvs {
            let with_nul = arena.take(receipt.message_id.len() + 1, |buf| {
                buf.put_slice(&receipt.message_id);
                buf.put_u8(0);
            });
            if let Ok(tlv) = Tlv::new(TlvTag::RECEIPTED_MESSAGE_ID, with_nul) {
                tlvs.push(tlv);
            }
            tlvs.set_message_state(MessageState(receipt.state.message_state()));
        }
        DeliverSm {
            source_addr: receipt.source.clone(),
            destination_addr: receipt.destination.clone(),
            esm_class: ESM_CLASS_DELIVERY_RECEIPT,
            // Receipt text is ASCII: the same octets in the default alphabet.
            short_message: engine::proto::ShortMessage::new(text).unwrap_or_default(),
            tlvs,
            ..DeliverSm::default()
        }
    }
}

/// The wall clock as receipt dates, recomputed at most once a second.
#[derive(Debug)]
pub(crate) struct WallClock {
    checked: Option<Instant>,
    date: ReceiptDate,
}

impl WallClock {
    /// A clock not read yet.
    pub(crate) fn new() -> WallClock {
        WallClock {
            checked: None,
            date: civil_date(0),
        }
    }

    /// The current UTC date, at most a second old.
    pub(crate) fn now(&mut self, now: Instant) -> ReceiptDate {
        let fresh = self
            .checked
            .is_some_and(|at| now.saturating_duration_since(at).as_secs() < 1);
        if !fresh {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            self.date = civil_date(secs);
            self.checked = Some(now);
        }
        self.date
    }
}

/// The UTC date and time of `unix_secs` (days-to-civil conversion of the proleptic Gregorian
/// calendar).
pub(crate) fn civil_date(unix_secs: u64) -> ReceiptDate {
    let days = i64::try_from(unix_secs / 86_400).unwrap_or(0);
    let rem = unix_secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let narrow = |v: i64| u8::try_from(v).unwrap_or(0);
    let wide = |v: u64| u8::try_from(v).unwrap_or(0);
    ReceiptDate {
        year: u16::try_from(year).unwrap_or(0),
        month: narrow(month),
        day: narrow(day),
        hour: wide(rem / 3600),
        minute: wide(rem / 60 % 60),
        second: Some(wide(rem % 60)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use engine::proto::receipt::{Receipt, ReceiptText};

    #[test]
    fn civil_dates() {
        let d = civil_date(0);
        assert_eq!((d.year, d.month, d.day, d.hour), (1970, 1, 1, 0));
        // 2024-02-29T13:45:10Z, a leap day.
        let d = civil_date(1_709_214_310);
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.minute, d.second),
            (2024, 2, 29, 13, 45, Some(10))
        );
    }

    #[test]
    fn receipt_text_and_tlvs_parse_back() {
        let mut arena = Arena::new();
        let id = IdFormat::Hex.write(0xabc123, &mut arena);
        assert_eq!(&id[..], b"abc123");
        assert_eq!(&IdFormat::Decimal.write(42, &mut arena)[..], b"42");
        let pending = PendingReceipt {
            due: Instant::now(),
            message_id: id,
            source: Address::new("447700900001").unwrap(),
            destination: Address::new("MyBrand").unwrap(),
            state: ReceiptState::Undeliverable,
            submitted: civil_date(1_709_214_310),
            excerpt: excerpt(
                &Bytes::from_static(b"Code 1234 for you: \x00k, and more text"),
                0,
                0,
            ),
        };
        let mut builder = ReceiptBuilder::new(true);
        let pdu = builder.build(&pending, civil_date(1_709_214_370), &mut arena);
        assert_eq!(pdu.esm_class, ESM_CLASS_DELIVERY_RECEIPT);
        assert_eq!(pdu.destination_addr.as_bytes(), b"MyBrand");
        let text = std::str::from_utf8(pdu.short_message.as_bytes()).unwrap();
        assert_eq!(
            text,
            "id:abc123 sub:001 dlvrd:000 submit date:2402291345 done date:2402291346 \
             stat:UNDELIV err:001 text:Code 1234 for you: ?"
        );
        let receipt = Receipt::new(
            ReceiptText::parse(text),
            pdu.tlvs
                .receipted_message_id()
                .and_then(|b| std::str::from_utf8(b).ok()),
            pdu.tlvs.message_state().map(|s| s.0),
        );
        assert_eq!(receipt.message_id, Some("abc123"));
        assert_eq!(receipt.state, Some(ReceiptState::Undeliverable));
        let plain = ReceiptBuilder::new(false).build(&pending, civil_date(0), &mut arena);
        assert!(plain.tlvs.is_empty());
        let ucs2 = Bytes::from_static(b"\x00H\x00i");
        assert!(excerpt(&ucs2, 8, 0).is_empty(), "UCS-2 is not quoted");
        assert!(
            excerpt(&ucs2, 0, 0x40).is_empty(),
            "a UDH part is not quoted"
        );
    }
}
