//! ISO-8859-1 (Latin-1, SMPP `data_coding` 3): one octet per character, U+0000..U+00FF.
//!
//! Encoding writes `?` for each character above U+00FF and counts it. Decoding is total: every
//! octet is a character, so it never fails and never replaces. IA5 (`data_coding` 1) is decoded
//! with the same function, since ASCII is its lower half and keeping a stray high octet as its
//! Latin-1 character loses less than dropping it.

/// Appends `text` as Latin-1; returns how many characters were replaced by `?`.
pub fn encode(text: &str, out: &mut Vec<u8>) -> usize {
    let mut replaced = 0;
    out.reserve(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(octet) => out.push(octet),
            Err(_) => {
                out.push(b'?');
                replaced += 1;
            }
        }
    }
    replaced
}

/// Appends the Latin-1 `octets` to `out` as text.
pub fn decode(octets: &[u8], out: &mut String) {
    out.reserve(octets.len());
    out.extend(octets.iter().map(|&o| char::from(o)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_latin1_and_replaces_the_rest() {
        let mut out = Vec::new();
        assert_eq!(encode("Aé\u{FF}€ß", &mut out), 1);
        assert_eq!(out, [0x41, 0xE9, 0xFF, b'?', 0xDF]);
        let mut text = String::new();
        decode(&out, &mut text);
        assert_eq!(text, "Aé\u{FF}?ß");
    }
}
