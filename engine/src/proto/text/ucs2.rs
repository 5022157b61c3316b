//! UCS-2 big-endian (SMPP `data_coding` 8), read and written as UTF-16BE so that characters
//! outside the BMP travel as surrogate pairs, as handsets do in practice.
//!
//! Encoding never fails. Decoding never panics: an unpaired surrogate becomes U+FFFD, and a
//! trailing odd octet (which cannot be half a character of anything) becomes one U+FFFD; each
//! such replacement is counted.

/// Appends `text` as UTF-16BE.
pub fn encode(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len() * 2);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
}

/// Whether a UTF-16 code unit is the first half of a surrogate pair.
pub fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..0xDC00).contains(&unit)
}

/// Appends the UTF-16BE `octets` to `out`; returns the number of replacements made.
pub fn decode(octets: &[u8], out: &mut String) -> usize {
    let (pairs, tail) = octets.as_chunks::<2>();
    let units = pairs.iter().map(|pair| u16::from_be_bytes(*pair));
    out.reserve(octets.len() / 2);
    let mut replaced = 0;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => out.push(c),
            Err(_) => {
                out.push(char::REPLACEMENT_CHARACTER);
                replaced += 1;
            }
        }
    }
    if !tail.is_empty() {
        out.push(char::REPLACEMENT_CHARACTER);
        replaced += 1;
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_pairs_both_ways() {
        let mut out = Vec::new();
        encode("a😀", &mut out);
        // U+1F600 = D83D DE00 in UTF-16.
        assert_eq!(out, [0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00]);
        let mut text = String::new();
        assert_eq!(decode(&out, &mut text), 0);
        assert_eq!(text, "a😀");
    }

    #[test]
    fn malformed_input_is_replaced_and_counted() {
        let mut text = String::new();
        // Lone high surrogate, then 'A', then an odd trailing octet.
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x41, 0x42], &mut text), 2);
        assert_eq!(text, "\u{FFFD}A\u{FFFD}");
        text.clear();
        // Lone low surrogate at the end.
        assert_eq!(decode(&[0xDE, 0x00], &mut text), 1);
        assert_eq!(text, "\u{FFFD}");
    }
}
