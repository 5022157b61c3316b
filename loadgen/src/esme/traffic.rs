//! The submit_sm the generator sends: a weighted mix of short GSM-7, short UCS-2 and long
//! (concatenated) messages, to destinations that count up.

use engine::proto::concat::{self, ConcatMode, SplitOptions};
use engine::proto::text::{self, Encoded, Encoding};
use engine::proto::{registered_delivery, Address, ShortMessage, SubmitSm};
use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::smsc::mix::Rng;
use crate::smsc::wire::Arena;
use crate::smsc::Mix;

/// The kinds of message in a `--text-mix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One-part GSM-7 text.
    Gsm,
    /// One-part UCS-2 text.
    Ucs2,
    /// GSM-7 text of three parts (8-bit reference UDH).
    Long,
}

impl TextKind {
    /// Parses `gsm`, `ucs2` or `long`.
    pub fn parse(name: &str) -> Option<TextKind> {
        match name {
            "gsm" | "gsm7" => Some(TextKind::Gsm),
            "ucs2" => Some(TextKind::Ucs2),
            "long" => Some(TextKind::Long),
            _ => None,
        }
    }
}

const GSM_TEXT: &str = "Your verification code is 123456. It expires in 10 minutes. Thank you!";
const UCS2_TEXT: &str = "Ваш код подтверждения: 123456 — 验证码";
const LONG_PARTS: usize = 3;

/// Where destinations come from: a fixed address, or a number counted up within a range.
#[derive(Debug, Clone)]
enum Destination {
    Fixed(Address),
    Counter { base: u64, width: usize, range: u64 },
}

/// Builds the submits of one session.
#[derive(Debug)]
pub(crate) struct Traffic {
    mix: Mix<TextKind>,
    gsm: (ShortMessage, u8),
    ucs2: (ShortMessage, u8),
    long: Encoded,
    source: Address,
    destination: Destination,
    registered_delivery: u8,
}

fn one_part(text: &str, encoding: Encoding) -> Result<(ShortMessage, u8), String> {
    let encoded = text::encode(text, encoding).map_err(|e| e.to_string())?;
    let coding = encoded.data_coding();
    let sm = ShortMessage::new(encoded.bytes).map_err(|e| e.to_string())?;
    Ok((sm, coding))
}

impl Traffic {
    /// The submits for `source`/`dest`; `dest_range` > 1 counts an all-digit `dest` up.
    pub(crate) fn new(
        mix: Mix<TextKind>,
        source: &str,
        dest: &str,
        dest_range: u64,
        receipts: bool,
    ) -> Result<Traffic, String> {
        let source = Address::for_field("--source", source).map_err(|e| e.to_string())?;
        let fixed = Address::for_field("--dest", dest).map_err(|e| e.to_string())?;
        let destination = match dest.parse::<u64>() {
            Ok(base) if dest_range > 1 && dest.bytes().all(|b| b.is_ascii_digit()) => {
                Destination::Counter {
                    base,
                    width: dest.len(),
                    range: dest_range,
                }
            }
            _ => Destination::Fixed(fixed),
        };
        let unit = GSM_TEXT.len();
        let long_text: String = std::iter::repeat_n(GSM_TEXT, LONG_PARTS * 153 / unit + 1)
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(LONG_PARTS * 153 - 20)
            .collect();
        Ok(Traffic {
            mix,
            gsm: one_part(GSM_TEXT, Encoding::Gsm7)?,
            ucs2: one_part(UCS2_TEXT, Encoding::Ucs2)?,
            long: text::encode(&long_text, Encoding::Gsm7).map_err(|e| e.to_string())?,
            source,
            destination,
            registered_delivery: if receipts {
                registered_delivery::RECEIPT_ALWAYS
            } else {
                0
            },
        })
    }

    fn destination(&self, index: u64, arena: &mut Arena) -> Address {
        match &self.destination {
            Destination::Fixed(address) => address.clone(),
            Destination::Counter { base, width, range } => {
                let number = base.wrapping_add(index % range);
                let digits = arena.take(24, |buf| {
                    let _ = write!(buf, "{number:0width$}");
                });
                Address::from_bytes("destination_addr", digits).unwrap_or_default()
            }
        }
    }

    /// Appends the submit_sm of message `index` (one, or one per part) to `out`; returns how
    /// many.
    pub(crate) fn next(
        &self,
        index: u64,
        rng: &mut Rng,
        arena: &mut Arena,
        out: &mut VecDeque<SubmitSm>,
    ) -> usize {
        let template = SubmitSm {
            source_addr: self.source.clone(),
            destination_addr: self.destination(index, arena),
            registered_delivery: self.registered_delivery,
            ..SubmitSm::default()
        };
        let single = |(sm, coding): &(ShortMessage, u8)| SubmitSm {
            short_message: sm.clone(),
            data_coding: *coding,
            ..template.clone()
        };
        match self.mix.pick(rng).unwrap_or(TextKind::Gsm) {
            TextKind::Gsm => out.push_back(single(&self.gsm)),
            TextKind::Ucs2 => out.push_back(single(&self.ucs2)),
            TextKind::Long => {
                #[allow(clippy::cast_possible_truncation)]
                let reference = index as u16;
                let options = SplitOptions::new(ConcatMode::Udh8, reference);
                let Ok(segments) = concat::split(&self.long, &options) else {
                    out.push_back(single(&self.gsm));
                    return 1;
                };
                let parts = segments.len();
                for segment in segments {
                    out.push_back(SubmitSm {
                        esm_class: segment.esm_class_bits(),
                        data_coding: segment.data_coding,
                        short_message: ShortMessage::new(segment.body).unwrap_or_default(),
                        ..template.clone()
                    });
                }
                return parts;
            }
        }
        1
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mix_kinds_and_counting_destinations() {
        let mix = Mix::parse("gsm=1,ucs2=1,long=1", "--text-mix", TextKind::parse).unwrap();
        let traffic = Traffic::new(mix, "MyBrand", "447700900000", 1000, true).unwrap();
        let (mut rng, mut arena) = (Rng::new(7), Arena::new());
        let mut out = VecDeque::new();
        let mut kinds = (0, 0, 0);
        for index in 0..300 {
            let before = out.len();
            let parts = traffic.next(index, &mut rng, &mut arena, &mut out);
            assert_eq!(out.len() - before, parts);
            let first = out.get(before).unwrap();
            assert_eq!(first.registered_delivery, 1);
            let dest = format!("{}", 447_700_900_000u64 + index % 1000);
            assert_eq!(first.destination_addr.as_bytes(), dest.as_bytes());
            match (parts, first.data_coding) {
                (1, 0) => kinds.0 += 1,
                (1, 8) => kinds.1 += 1,
                (LONG_PARTS, 0) => {
                    kinds.2 += 1;
                    assert!(out.iter().skip(before).all(|s| s.esm_class == 0x40));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(kinds.0 > 50 && kinds.1 > 50 && kinds.2 > 50, "{kinds:?}");
    }

    #[test]
    fn fixed_destination_and_bad_addresses() {
        let mix = Mix::single(TextKind::Gsm);
        let traffic = Traffic::new(mix.clone(), "1", "shortcode", 10, false).unwrap();
        let mut out = VecDeque::new();
        traffic.next(3, &mut Rng::new(1), &mut Arena::new(), &mut out);
        assert_eq!(out[0].destination_addr.as_bytes(), b"shortcode");
        assert_eq!(out[0].registered_delivery, 0);
        let err = Traffic::new(mix, &"9".repeat(30), "1", 1, false).unwrap_err();
        assert!(err.contains("--source"), "{err}");
    }
}
