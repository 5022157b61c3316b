//! SMSC delivery receipts: the `id:… stat:… text:…` short message text of SMPP 3.4 Appendix B,
//! the `receipted_message_id` and `message_state` TLVs, and the states they report.
//!
//! Parsing is lenient because carriers are: keys in any case, extra spaces, `submit_date` or
//! `submitdate` for `submit date`, fields missing or in another order, dates of 10, 12 or 14
//! digits, `err` of any length (kept as text). `text:` takes everything to the end, so anything
//! after it is text, not fields. The first occurrence of a field wins. Values are borrowed from
//! the input; nothing is allocated.

use std::fmt::{self, Write as _};

/// TLV tag of `receipted_message_id` (C-octet string).
pub const TAG_RECEIPTED_MESSAGE_ID: u16 = 0x001E;
/// TLV tag of `message_state` (u8).
pub const TAG_MESSAGE_STATE: u16 = 0x0427;
/// esm_class message type of an SMSC delivery receipt (bits 5-2 = 0001).
pub const ESM_CLASS_DELIVERY_RECEIPT: u8 = 0x04;
/// Mask of the esm_class message type bits.
pub const ESM_CLASS_TYPE_MASK: u8 = 0x3C;

/// The state a receipt reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptState {
    /// `ENROUTE`, message_state 1.
    Enroute,
    /// `DELIVRD`, message_state 2.
    Delivered,
    /// `EXPIRED`, message_state 3.
    Expired,
    /// `DELETED`, message_state 4.
    Deleted,
    /// `UNDELIV`, message_state 5.
    Undeliverable,
    /// `ACCEPTD`, message_state 6.
    Accepted,
    /// `UNKNOWN`, message_state 7.
    Unknown,
    /// `REJECTD`, message_state 8.
    Rejected,
}

impl ReceiptState {
    /// Every state, in message_state order.
    pub const ALL: [ReceiptState; 8] = [
        ReceiptState::Enroute,
        ReceiptState::Delivered,
        ReceiptState::Expired,
        ReceiptState::Deleted,
        ReceiptState::Undeliverable,
        ReceiptState::Accepted,
        ReceiptState::Unknown,
        ReceiptState::Rejected,
    ];

    /// The 7-letter `stat:` value.
    pub fn stat(self) -> &'static str {
        match self {
            ReceiptState::Enroute => "ENROUTE",
            ReceiptState::Delivered => "DELIVRD",
            ReceiptState::Expired => "EXPIRED",
            ReceiptState::Deleted => "DELETED",
            ReceiptState::Undeliverable => "UNDELIV",
            ReceiptState::Accepted => "ACCEPTD",
            ReceiptState::Unknown => "UNKNOWN",
            ReceiptState::Rejected => "REJECTD",
        }
    }

    /// Reads a `stat:` value, any case; the spelled-out forms (`DELIVERED`, `UNDELIVERABLE`,
    /// `ACCEPTED`, `REJECTED`) that some carriers send are accepted too.
    pub fn from_stat(stat: &str) -> Option<ReceiptState> {
        let stat = stat.trim();
        ReceiptState::ALL
            .into_iter()
            .find(|s| s.stat().eq_ignore_ascii_case(stat))
            .or_else(|| {
                [
                    ("DELIVERED", ReceiptState::Delivered),
                    ("UNDELIVERABLE", ReceiptState::Undeliverable),
                    ("ACCEPTED", ReceiptState::Accepted),
                    ("REJECTED", ReceiptState::Rejected),
                ]
                .into_iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(stat))
                .map(|(_, state)| state)
            })
    }

    /// The SMPP `message_state` TLV value.
    pub fn message_state(self) -> u8 {
        match self {
            ReceiptState::Enroute => 1,
            ReceiptState::Delivered => 2,
            ReceiptState::Expired => 3,
            ReceiptState::Deleted => 4,
            ReceiptState::Undeliverable => 5,
            ReceiptState::Accepted => 6,
            ReceiptState::Unknown => 7,
            ReceiptState::Rejected => 8,
        }
    }

    /// The state of a `message_state` TLV value, if it is one of SMPP 3.4's 1..=8.
    pub fn from_message_state(value: u8) -> Option<ReceiptState> {
        ReceiptState::ALL
            .into_iter()
            .find(|s| s.message_state() == value)
    }

    /// The core contract's delivery `status` string.
    pub fn status(self) -> &'static str {
        match self {
            ReceiptState::Enroute => "enroute",
            ReceiptState::Delivered => "delivered",
            ReceiptState::Expired => "expired",
            ReceiptState::Deleted => "deleted",
            ReceiptState::Undeliverable => "undeliverable",
            ReceiptState::Accepted => "accepted",
            ReceiptState::Unknown => "unknown",
            ReceiptState::Rejected => "rejected",
        }
    }

    /// The state named by a contract `status` string (exact, lowercase).
    pub fn from_status(status: &str) -> Option<ReceiptState> {
        ReceiptState::ALL.into_iter().find(|s| s.status() == status)
    }
}

impl fmt::Display for ReceiptState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stat())
    }
}

/// A receipt date: `YYMMDDhhmm`, `YYMMDDhhmmss` or `YYYYMMDDhhmmss`. Two-digit years are 20YY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptDate {
    /// Four-digit year.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59, when the date carried seconds.
    pub second: Option<u8>,
}

fn two_digits(digits: &[u8], at: usize) -> Option<u8> {
    match digits.get(at..at + 2)? {
        &[a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

impl ReceiptDate {
    /// Parses 10, 12 or 14 digits (see the type doc); `None` for anything else or a field out
    /// of range.
    pub fn parse(digits: &str) -> Option<ReceiptDate> {
        let d = digits.trim().as_bytes();
        let (year, rest) = match d.len() {
            10 | 12 => (2000 + u16::from(two_digits(d, 0)?), 2),
            14 => (
                u16::from(two_digits(d, 0)?) * 100 + u16::from(two_digits(d, 2)?),
                4,
            ),
            _ => return None,
        };
        let second = if d.len() == 10 {
            None
        } else {
            Some(two_digits(d, rest + 8)?)
        };
        ReceiptDate {
            year,
            month: two_digits(d, rest)?,
            day: two_digits(d, rest + 2)?,
            hour: two_digits(d, rest + 4)?,
            minute: two_digits(d, rest + 6)?,
            second,
        }
        .validated()
    }

    /// Parses the start of an RFC 3339 time (`2026-11-21T10:00:01Z`); the offset is ignored, the
    /// contract's times being UTC.
    pub fn parse_rfc3339(text: &str) -> Option<ReceiptDate> {
        let t = text.trim().as_bytes();
        let separators = [(4, b'-'), (7, b'-'), (13, b':')];
        if separators.iter().any(|&(at, c)| t.get(at) != Some(&c))
            || !matches!(t.get(10), Some(b'T' | b't' | b' '))
        {
            return None;
        }
        let second = match t.get(16) {
            Some(b':') => Some(two_digits(t, 17)?),
            _ => None,
        };
        ReceiptDate {
            year: u16::from(two_digits(t, 0)?) * 100 + u16::from(two_digits(t, 2)?),
            month: two_digits(t, 5)?,
            day: two_digits(t, 8)?,
            hour: two_digits(t, 11)?,
            minute: two_digits(t, 14)?,
            second,
        }
        .validated()
    }

    /// Parses either the digit forms or RFC 3339.
    pub fn parse_any(text: &str) -> Option<ReceiptDate> {
        ReceiptDate::parse(text).or_else(|| ReceiptDate::parse_rfc3339(text))
    }

    fn validated(self) -> Option<ReceiptDate> {
        let ok = (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59
            && self.second.is_none_or(|s| s <= 59);
        ok.then_some(self)
    }
}

impl fmt::Display for ReceiptDate {
    /// The 10-digit `YYMMDDhhmm` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}{:02}{:02}{:02}{:02}",
            self.year % 100,
            self.month,
            self.day,
            self.hour,
            self.minute
        )
    }
}

/// The fields of a receipt's text, as found (raw, untrimmed of nothing but spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiptText<'a> {
    /// `id:`.
    pub id: Option<&'a str>,
    /// `sub:` (parts submitted).
    pub sub: Option<&'a str>,
    /// `dlvrd:` (parts delivered).
    pub dlvrd: Option<&'a str>,
    /// `submit date:` digits.
    pub submit_date: Option<&'a str>,
    /// `done date:` digits.
    pub done_date: Option<&'a str>,
    /// `stat:`.
    pub stat: Option<&'a str>,
    /// `err:` (3 or 4 digits usually, kept as text).
    pub err: Option<&'a str>,
    /// `text:`, everything after it.
    pub text: Option<&'a str>,
}

#[derive(Clone, Copy)]
enum Field {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

const KEYS: [(Field, &[&str]); 8] = [
    (Field::Id, &["id"]),
    (Field::Sub, &["sub"]),
    (Field::Dlvrd, &["dlvrd"]),
    (Field::SubmitDate, &["submit", "date"]),
    (Field::DoneDate, &["done", "date"]),
    (Field::Stat, &["stat"]),
    (Field::Err, &["err"]),
    (Field::Text, &["text"]),
];

/// Position just after the colon of the key spelled by `words` at `at`, if it is there.
fn match_key(s: &[u8], at: usize, words: &[&str]) -> Option<usize> {
    let mut pos = at;
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            while matches!(s.get(pos), Some(b' ' | b'_')) {
                pos += 1;
            }
        }
        let end = pos + word.len();
        if !s.get(pos..end)?.eq_ignore_ascii_case(word.as_bytes()) {
            return None;
        }
        pos = end;
    }
    while matches!(s.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    (s.get(pos) == Some(&b':')).then_some(pos + 1)
}

fn key_at(s: &[u8], at: usize) -> Option<(Field, usize)> {
    KEYS.iter()
        .find_map(|&(field, words)| match_key(s, at, words).map(|after| (field, after)))
}

impl<'a> ReceiptText<'a> {
    /// Parses receipt text (see the module doc); fields not found stay `None`.
    pub fn parse(text: &'a str) -> ReceiptText<'a> {
        let s = text.as_bytes();
        let mut found = ReceiptText::default();
        let mut pos = 0;
        while pos < s.len() {
            if s.get(pos).is_some_and(u8::is_ascii_whitespace) {
                pos += 1;
                continue;
            }
            let Some((field, after)) = key_at(s, pos) else {
                while s.get(pos).is_some_and(|b| !b.is_ascii_whitespace()) {
                    pos += 1;
                }
                continue;
            };
            if let Field::Text = field {
                found.text = found.text.or(text.get(after..));
                break;
            }
            let mut start = after;
            while matches!(s.get(start), Some(b' ' | b'\t')) {
                start += 1;
            }
            let mut end = start;
            if key_at(s, start).is_none() {
                while s.get(end).is_some_and(|b| !b.is_ascii_whitespace()) {
                    end += 1;
                }
            }
            let value = text.get(start..end).filter(|v| !v.is_empty());
            let slot = match field {
                Field::Id => &mut found.id,
                Field::Sub => &mut found.sub,
                Field::Dlvrd => &mut found.dlvrd,
                Field::SubmitDate => &mut found.submit_date,
                Field::DoneDate => &mut found.done_date,
                Field::Stat => &mut found.stat,
                Field::Err => &mut found.err,
                Field::Text => &mut found.text,
            };
            *slot = slot.or(value);
            pos = end.max(after);
        }
        found
    }

    /// Whether this reads like a receipt: it has an `id:` or a `stat:`.
    pub fn looks_like_receipt(&self) -> bool {
        self.id.is_some() || self.stat.is_some()
    }

    /// The state named by `stat:`, if known.
    pub fn state(&self) -> Option<ReceiptState> {
        self.stat.and_then(ReceiptState::from_stat)
    }

    /// `submit date:` parsed.
    pub fn submit_date(&self) -> Option<ReceiptDate> {
        self.submit_date.and_then(ReceiptDate::parse)
    }

    /// `done date:` parsed.
    pub fn done_date(&self) -> Option<ReceiptDate> {
        self.done_date.and_then(ReceiptDate::parse)
    }
}

/// A receipt as the gateway acts on it: the TLVs when present, the text otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt<'a> {
    /// The carrier's id of the original message.
    pub message_id: Option<&'a str>,
    /// The reported state.
    pub state: Option<ReceiptState>,
    /// Everything the text said.
    pub fields: ReceiptText<'a>,
}

impl<'a> Receipt<'a> {
    /// Combines parsed text with the `receipted_message_id` and `message_state` TLVs, preferring
    /// the TLVs; an empty id or a `message_state` outside 1..=8 falls back to the text.
    pub fn new(
        fields: ReceiptText<'a>,
        receipted_message_id: Option<&'a str>,
        message_state: Option<u8>,
    ) -> Receipt<'a> {
        let tlv_id = receipted_message_id
            .map(|id| id.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
            .filter(|id| !id.is_empty());
        Receipt {
            message_id: tlv_id.or(fields.id),
            state: message_state
                .and_then(ReceiptState::from_message_state)
                .or_else(|| fields.state()),
            fields,
        }
    }
}

/// The fields of a receipt the gateway sends to a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptFormat<'a> {
    /// The id the partner was given.
    pub id: &'a str,
    /// Parts submitted (`sub:`, 3 digits).
    pub submitted: u16,
    /// Parts delivered (`dlvrd:`, 3 digits).
    pub delivered: u16,
    /// When the message was submitted.
    pub submit_date: ReceiptDate,
    /// When it reached its final state.
    pub done_date: ReceiptDate,
    /// The state.
    pub state: ReceiptState,
    /// The error code; digits shorter than 3 are zero-padded, empty becomes `000`.
    pub err: &'a str,
    /// The start of the original text; only its first 20 characters are written.
    pub text: &'a str,
}

/// Characters of the original text a receipt repeats (SMPP 3.4 Appendix B).
pub const RECEIPT_TEXT_CHARS: usize = 20;

impl ReceiptFormat<'_> {
    /// Appends the standard receipt text to `out`.
    pub fn write_to(&self, out: &mut String) {
        let err = self.err.trim();
        let pad = if err.bytes().all(|b| b.is_ascii_digit()) {
            3usize.saturating_sub(err.len())
        } else {
            0
        };
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "id:{} sub:{:03} dlvrd:{:03} submit date:{} done date:{} stat:{} err:{:0>pad$}{} text:",
            self.id,
            self.submitted,
            self.delivered,
            self.submit_date,
            self.done_date,
            self.state.stat(),
            "",
            err,
            pad = pad,
        );
        out.extend(self.text.chars().take(RECEIPT_TEXT_CHARS));
    }
}

impl fmt::Display for ReceiptFormat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(120);
        self.write_to(&mut out);
        f.write_str(&out)
    }
}
