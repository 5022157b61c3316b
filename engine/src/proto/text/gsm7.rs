//! GSM 03.38 (3GPP TS 23.038) 7-bit default alphabet with its extension table.
//!
//! Two wire forms exist. *Unpacked* holds one septet per octet (high bit clear): it is what SMPP
//! carries in `short_message` for `data_coding` 0 and what every function here calls "septets".
//! *Packed* squeezes the septets into octets LSB first, as on the air interface; after a UDH the
//! text must start on a septet boundary, so `fill_bits` zero bits are inserted first.
//!
//! Extension characters (form feed, `^ { } \ [ ~ ] | €`) are written as the escape septet 0x1B
//! followed by their code, so they count as two septets towards the 160/153 limits.
//!
//! Decoding never fails: a septet with the high bit set (unpacked input) and an escape with
//! nothing after it decode to U+FFFD and are counted. An escape followed by a code the extension
//! table does not define decodes to the default-alphabet character of that code, and ESC ESC (the
//! reserved "another extension table" code) to a space, both as TS 23.038 §6.2.1.1 prescribes.

use bytes::BufMut;

/// The escape septet that introduces an extension-table character.
pub const ESCAPE: u8 = 0x1B;

/// Carriage return, used as padding when exactly 7 bits are spare in packed form (TS 23.038).
const CR: u8 = 0x0D;

/// What U+FFFD replacement stands for in decoded text.
const REPLACEMENT: char = '\u{FFFD}';

/// The default alphabet in septet order. Position 0x1B is the escape, never encoded from a char.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{A0}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: (code after the escape, character).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Marks "no encoding" in [`LATIN_TABLE`].
const NONE: u16 = 0xFFFF;
/// Set in a [`LATIN_TABLE`] entry whose low byte is an extension-table code.
const EXTENDED: u16 = 0x0100;

/// Reverse lookup for U+0000..U+00FF: septet, `EXTENDED | code`, or [`NONE`]. Built at compile
/// time from the two tables above so they stay the single source of truth.
const LATIN_TABLE: [u16; 256] = build_latin_table();

const fn build_latin_table() -> [u16; 256] {
    let mut table = [NONE; 256];
    let mut septet = 0;
    while septet < BASIC.len() {
        let c = BASIC[septet] as u32;
        if septet != ESCAPE as usize && c < 256 {
            table[c as usize] = septet as u16;
        }
        septet += 1;
    }
    let mut i = 0;
    while i < EXTENSION.len() {
        let (code, c) = EXTENSION[i];
        if (c as u32) < 256 {
            table[c as usize] = EXTENDED | code as u16;
        }
        i += 1;
    }
    table
}

/// How one character is written in GSM-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gsm7Char {
    /// One septet of the default alphabet.
    Basic(u8),
    /// The escape septet followed by this extension-table code.
    Extended(u8),
    /// Not representable in GSM-7.
    Unmappable,
}

impl Gsm7Char {
    /// Septets this character occupies (0 when unmappable).
    pub fn septets(self) -> usize {
        match self {
            Gsm7Char::Basic(_) => 1,
            Gsm7Char::Extended(_) => 2,
            Gsm7Char::Unmappable => 0,
        }
    }
}

/// Looks up how `c` is written in GSM-7.
pub fn classify(c: char) -> Gsm7Char {
    let code = c as u32;
    if code < 256 {
        return match LATIN_TABLE[code as usize] {
            NONE => Gsm7Char::Unmappable,
            v if v & EXTENDED != 0 => Gsm7Char::Extended((v & 0x7F) as u8),
            v => Gsm7Char::Basic(v as u8),
        };
    }
    match c {
        'Δ' => Gsm7Char::Basic(0x10),
        'Φ' => Gsm7Char::Basic(0x12),
        'Γ' => Gsm7Char::Basic(0x13),
        'Λ' => Gsm7Char::Basic(0x14),
        'Ω' => Gsm7Char::Basic(0x15),
        'Π' => Gsm7Char::Basic(0x16),
        'Ψ' => Gsm7Char::Basic(0x17),
        'Σ' => Gsm7Char::Basic(0x18),
        'Θ' => Gsm7Char::Basic(0x19),
        'Ξ' => Gsm7Char::Basic(0x1A),
        '€' => Gsm7Char::Extended(0x65),
        _ => Gsm7Char::Unmappable,
    }
}

/// Number of septets `text` needs in GSM-7, or `None` if some character does not fit.
pub fn septet_count(text: &str) -> Option<usize> {
    text.chars().try_fold(0usize, |total, c| match classify(c) {
        Gsm7Char::Unmappable => None,
        found => Some(total + found.septets()),
    })
}

/// Appends `text` as unpacked septets; returns `None` (with `out` partly written) at the first
/// character that does not fit. Used by `auto` to decide between GSM-7 and UCS-2 in one pass.
pub(crate) fn try_encode_unpacked(text: &str, out: &mut Vec<u8>) -> Option<()> {
    for c in text.chars() {
        match classify(c) {
            Gsm7Char::Basic(s) => out.push(s),
            Gsm7Char::Extended(s) => out.extend_from_slice(&[ESCAPE, s]),
            Gsm7Char::Unmappable => return None,
        }
    }
    Some(())
}

/// Appends `text` as unpacked septets, writing `?` for each character that does not fit and
/// returning how many were replaced.
pub fn encode_unpacked(text: &str, out: &mut Vec<u8>) -> usize {
    let mut replaced = 0;
    for c in text.chars() {
        match classify(c) {
            Gsm7Char::Basic(s) => out.push(s),
            Gsm7Char::Extended(s) => out.extend_from_slice(&[ESCAPE, s]),
            Gsm7Char::Unmappable => {
                out.push(b'?');
                replaced += 1;
            }
        }
    }
    replaced
}

/// Character for a septet of the default alphabet (the high bit is ignored).
pub fn basic_char(septet: u8) -> char {
    BASIC[usize::from(septet & 0x7F)]
}

/// Character for the extension code following an escape, per TS 23.038 §6.2.1.1.
fn extension_char(code: u8) -> char {
    if code == ESCAPE {
        return ' ';
    }
    EXTENSION
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| basic_char(code), |(_, ch)| *ch)
}

/// Decodes unpacked septets into `out`; returns the number of malformed units (see module doc).
pub fn decode_unpacked(septets: &[u8], out: &mut String) -> usize {
    let mut malformed = 0;
    let mut iter = septets.iter().copied();
    while let Some(s) = iter.next() {
        if s > 0x7F {
            out.push(REPLACEMENT);
            malformed += 1;
        } else if s == ESCAPE {
            match iter.next() {
                Some(code) if code <= 0x7F => out.push(extension_char(code)),
                Some(_) | None => {
                    out.push(REPLACEMENT);
                    malformed += 1;
                }
            }
        } else {
            out.push(basic_char(s));
        }
    }
    malformed
}

/// Fill bits needed after a UDH of `udh_octets` octets (UDHL included) so that the text that
/// follows starts on a septet boundary: 6 octets -> 1 bit, 7 octets -> 0 bits.
pub fn fill_bits(udh_octets: usize) -> u8 {
    ((7 - (udh_octets * 8) % 7) % 7) as u8
}

/// Septets that fit in `octets` octets after `fill_bits` fill bits.
pub fn septet_capacity(octets: usize, fill_bits: u8) -> usize {
    (octets * 8).saturating_sub(usize::from(fill_bits)) / 7
}

/// Octets needed to pack `septets` septets after `fill_bits` fill bits (none for no septets).
pub fn packed_len(septets: usize, fill_bits: u8) -> usize {
    if septets == 0 {
        return 0;
    }
    (septets * 7 + usize::from(fill_bits % 7)).div_ceil(8)
}

/// Packs unpacked `septets` (high bits ignored) into `out`, LSB first, after `fill_bits` zero
/// bits (0..=6). When exactly 7 bits are left over in the last octet they hold CR, as TS 23.038
/// §6.1.2.3.1 asks, so that a reader without the septet count does not see a trailing `@`.
pub fn pack<B: BufMut>(septets: &[u8], fill_bits: u8, out: &mut B) {
    if septets.is_empty() {
        return;
    }
    let fill = u32::from(fill_bits % 7);
    let mut acc: u32 = 0;
    let mut bits = fill;
    for &s in septets {
        acc |= u32::from(s & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            out.put_u8(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits == 1 {
        acc |= u32::from(CR) << 1;
        bits = 8;
    }
    if bits > 0 {
        out.put_u8(acc as u8);
    }
}

/// Unpacks packed septets from `packed`, skipping `fill_bits` leading bits, appending one septet
/// per octet to `out`. With `septets = Some(n)` exactly `min(n, capacity)` septets are read;
/// with `None`, every whole septet present is read, minus a trailing CR that exactly fills the
/// last 7 bits (the padding [`pack`] writes).
pub fn unpack(packed: &[u8], fill_bits: u8, septets: Option<usize>, out: &mut Vec<u8>) {
    let fill = usize::from(fill_bits % 7);
    let capacity = septet_capacity(packed.len(), fill_bits % 7);
    let count = septets.map_or(capacity, |n| n.min(capacity));
    out.reserve(count);
    for index in 0..count {
        let bit = fill + index * 7;
        let low = packed.get(bit / 8).copied().unwrap_or(0);
        let high = packed.get(bit / 8 + 1).copied().unwrap_or(0);
        let window = u16::from(low) | u16::from(high) << 8;
        out.push(((window >> (bit % 8)) & 0x7F) as u8);
    }
    let exact_fit = (packed.len() * 8).saturating_sub(fill) % 7 == 0;
    if septets.is_none() && count > 0 && exact_fit && out.last() == Some(&CR) {
        out.pop();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn table_entries_match_ts_23_038() {
        assert_eq!(classify('@'), Gsm7Char::Basic(0x00));
        assert_eq!(classify('£'), Gsm7Char::Basic(0x01));
        assert_eq!(classify('\n'), Gsm7Char::Basic(0x0A));
        assert_eq!(classify('Δ'), Gsm7Char::Basic(0x10));
        assert_eq!(classify('Ξ'), Gsm7Char::Basic(0x1A));
        assert_eq!(classify('É'), Gsm7Char::Basic(0x1F));
        assert_eq!(classify('¤'), Gsm7Char::Basic(0x24));
        assert_eq!(classify('¡'), Gsm7Char::Basic(0x40));
        assert_eq!(classify('§'), Gsm7Char::Basic(0x5F));
        assert_eq!(classify('¿'), Gsm7Char::Basic(0x60));
        assert_eq!(classify('à'), Gsm7Char::Basic(0x7F));
        assert_eq!(classify('€'), Gsm7Char::Extended(0x65));
        assert_eq!(classify('\u{0C}'), Gsm7Char::Extended(0x0A));
        assert_eq!(classify('|'), Gsm7Char::Extended(0x40));
        assert_eq!(classify('`'), Gsm7Char::Unmappable);
        assert_eq!(classify('\u{A0}'), Gsm7Char::Unmappable);
        assert_eq!(classify('$'), Gsm7Char::Basic(0x02));
    }

    #[test]
    fn every_table_char_round_trips() {
        for septet in 0u8..0x80 {
            if septet == ESCAPE {
                continue;
            }
            assert_eq!(classify(basic_char(septet)), Gsm7Char::Basic(septet));
        }
        for (code, c) in EXTENSION {
            assert_eq!(classify(c), Gsm7Char::Extended(code));
            assert_eq!(extension_char(code), c);
        }
    }

    #[test]
    fn decode_handles_odd_escapes() {
        let mut out = String::new();
        // ESC + undefined code shows the basic char, ESC ESC a space, lone ESC at the end U+FFFD.
        let bad = decode_unpacked(&[ESCAPE, 0x41, ESCAPE, ESCAPE, 0x80, ESCAPE], &mut out);
        assert_eq!(out, "A \u{FFFD}\u{FFFD}");
        assert_eq!(bad, 2);
    }

    #[test]
    fn fill_bits_after_common_udhs() {
        assert_eq!(fill_bits(6), 1);
        assert_eq!(fill_bits(7), 0);
        assert_eq!(fill_bits(0), 0);
        assert_eq!(septet_capacity(140 - 6, 1), 153);
        assert_eq!(septet_capacity(140, 0), 160);
        assert_eq!(septet_capacity(140 - 7, 0), 152);
    }
}
