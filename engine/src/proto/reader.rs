//! A checked cursor over a received frame: every read is bounds-checked and names the field
//! it was reading, and slices share the frame's memory.

use bytes::Bytes;

use super::cstring::{COctetString, SmppTime};
use super::error::DecodeErrorKind;

/// A cursor over `frame[pos..end]`; it never reads past `end`.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    frame: &'a Bytes,
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `frame`.
    pub fn new(frame: &'a Bytes) -> Self {
        Self {
            frame,
            pos: 0,
            end: frame.len(),
        }
    }

    /// Octets left to read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// True when everything has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// The unread octets, without consuming them.
    #[inline]
    pub fn peek_rest(&self) -> &'a [u8] {
        self.frame.get(self.pos..self.end).unwrap_or_default()
    }

    /// Takes the next `len` octets as a zero-copy slice of the frame.
    #[inline]
    pub fn take(&mut self, len: usize, field: &'static str) -> Result<Bytes, DecodeErrorKind> {
        if len > self.remaining() {
            return Err(DecodeErrorKind::UnexpectedEnd { field });
        }
        let start = self.pos;
        self.pos += len;
        Ok(self.frame.slice(start..self.pos))
    }

    /// Takes everything that is left.
    pub fn take_rest(&mut self) -> Bytes {
        let start = self.pos;
        self.pos = self.end;
        self.frame.slice(start..self.end)
    }

    /// A reader over the next `len` octets, consuming them from this one.
    pub fn sub(&mut self, len: usize, field: &'static str) -> Result<Reader<'a>, DecodeErrorKind> {
        if len > self.remaining() {
            return Err(DecodeErrorKind::UnexpectedEnd { field });
        }
        let sub = Reader {
            frame: self.frame,
            pos: self.pos,
            end: self.pos + len,
        };
        self.pos += len;
        Ok(sub)
    }

    /// Reads one octet.
    #[inline]
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeErrorKind> {
        let [b] = self.array::<1>(field)?;
        Ok(b)
    }

    /// Reads a big-endian u16.
    #[inline]
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeErrorKind> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian u32.
    #[inline]
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeErrorKind> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    #[inline]
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeErrorKind> {
        let bytes = self
            .frame
            .get(self.pos..self.end)
            .and_then(|rest| rest.get(..N))
            .ok_or(DecodeErrorKind::UnexpectedEnd { field })?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        self.pos += N;
        Ok(out)
    }

    /// Reads a C-Octet String of at most `MAX` octets including its NUL.
    #[inline]
    pub fn c_string<const MAX: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<COctetString<MAX>, DecodeErrorKind> {
        let rest = self.peek_rest();
        let window = rest.get(..MAX).unwrap_or(rest);
        match find_nul(window) {
            Some(nul) => {
                let content = window.get(..nul).unwrap_or_default();
                self.pos += nul + 1;
                Ok(COctetString::from_checked(content))
            }
            None if rest.len() > MAX => Err(DecodeErrorKind::StringTooLong { field, max: MAX }),
            None => Err(DecodeErrorKind::Unterminated { field }),
        }
    }

    /// Reads an SMPP time: a C-Octet String that is empty or exactly 16 characters.
    #[inline]
    pub fn smpp_time(&mut self, field: &'static str) -> Result<SmppTime, DecodeErrorKind> {
        // Most times on the wire are empty (a lone NUL): nothing to slice or check.
        if self.peek_rest().first() == Some(&0) {
            self.pos += 1;
            return Ok(SmppTime::empty());
        }
        let text = self.c_string::<17>(field)?;
        if !super::cstring::is_valid_time(text.as_bytes()) {
            return Err(DecodeErrorKind::InvalidTime { field });
        }
        Ok(SmppTime::from_checked(text))
    }

    /// Fails unless everything has been read (for PDUs without TLVs).
    pub fn expect_end(&self) -> Result<(), DecodeErrorKind> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeErrorKind::TrailingBytes {
                len: self.remaining(),
            })
        }
    }
}

/// The index of the first NUL in `octets`, eight octets at a time: in each little-endian
/// word, `(w - 0x01..01) & !w & 0x80..80` has its lowest set bit in the first zero octet
/// (borrows can only mark octets above a real zero, never below it).
#[inline]
fn find_nul(octets: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut chunks = octets.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let zeros = word.wrapping_sub(ONES) & !word & HIGHS;
        if zeros != 0 {
            // trailing_zeros is at most 63 here, so the octet index is below 8.
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == 0)
        .map(|i| offset + i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let frame = Bytes::from_static(&[0, 1, 0, 0, 0, 2, 9]);
        let mut r = Reader::new(&frame);
        assert_eq!(r.u16("a").unwrap(), 1);
        assert_eq!(r.u32("b").unwrap(), 2);
        assert_eq!(
            r.u16("c"),
            Err(DecodeErrorKind::UnexpectedEnd { field: "c" })
        );
        assert_eq!(r.u8("d").unwrap(), 9);
        assert!(r.is_empty());
        assert!(r.u8("e").is_err());
    }

    #[test]
    fn sub_reader_stops_at_its_end() {
        let frame = Bytes::from_static(b"ab\0cd");
        let mut r = Reader::new(&frame);
        let mut sub = r.sub(2, "x").unwrap();
        assert_eq!(
            sub.c_string::<5>("s"),
            Err(DecodeErrorKind::Unterminated { field: "s" })
        );
        assert_eq!(r.take_rest(), Bytes::from_static(b"\0cd"));
    }

    #[test]
    fn find_nul_agrees_with_a_plain_search() {
        // Every position of the first NUL, in windows around the 8-octet word boundaries,
        // with 0x80 and 0x01 octets around it (the values the word trick could confuse).
        for len in 0..26 {
            for nul in 0..=len {
                for filler in [0x01u8, 0x80, 0xFF, b'a'] {
                    let mut octets = vec![filler; len];
                    if nul < len {
                        octets[nul] = 0;
                        if nul + 1 < len {
                            octets[nul + 1] = 0;
                        }
                    }
                    let expected = octets.iter().position(|&b| b == 0);
                    assert_eq!(find_nul(&octets), expected, "{octets:02X?}");
                }
            }
        }
    }

    #[test]
    fn empty_time_takes_one_octet() {
        let frame = Bytes::from_static(b"\0\0x");
        let mut r = Reader::new(&frame);
        assert!(r.smpp_time("t").unwrap().is_empty());
        assert!(r.smpp_time("t").unwrap().is_empty());
        assert_eq!(r.remaining(), 1);
        assert_eq!(
            r.smpp_time("t"),
            Err(DecodeErrorKind::Unterminated { field: "t" })
        );
    }

    #[test]
    fn c_string_limits() {
        let frame = Bytes::from_static(b"abc\0");
        assert_eq!(Reader::new(&frame).c_string::<4>("s").unwrap(), "abc");
        assert_eq!(
            Reader::new(&frame).c_string::<3>("s"),
            Err(DecodeErrorKind::StringTooLong { field: "s", max: 3 })
        );
        let frame = Bytes::from_static(b"abc");
        assert_eq!(
            Reader::new(&frame).c_string::<3>("s"),
            Err(DecodeErrorKind::Unterminated { field: "s" })
        );
    }
}
