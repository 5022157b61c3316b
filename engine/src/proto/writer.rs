//! Writers for the body field types, straight into the output buffer.

use bytes::{BufMut, BytesMut};

use super::cstring::{COctetString, ShortMessage, SmppTime};
use super::error::DecodeErrorKind;
use super::reader::Reader;

/// Writes a C-Octet String and its NUL.
pub(crate) fn put_c_string<const MAX: usize>(out: &mut BytesMut, value: &COctetString<MAX>) {
    out.put_slice(value.with_nul());
}

/// Writes an SMPP time and its NUL.
pub(crate) fn put_time(out: &mut BytesMut, value: &SmppTime) {
    put_c_string(out, value.inner());
}

/// Writes sm_length and short_message.
pub(crate) fn put_short_message(out: &mut BytesMut, value: &ShortMessage) {
    // ShortMessage holds at most 254 octets.
    out.put_u8(u8::try_from(value.len()).unwrap_or(u8::MAX));
    out.put_slice(value.as_bytes());
}

/// Reads sm_length and short_message.
pub(crate) fn read_short_message(reader: &mut Reader<'_>) -> Result<ShortMessage, DecodeErrorKind> {
    let sm_length = reader.u8("sm_length")?;
    if usize::from(sm_length) > ShortMessage::MAX_LEN {
        return Err(DecodeErrorKind::ShortMessageTooLong { sm_length });
    }
    let octets = reader.take(usize::from(sm_length), "short_message")?;
    Ok(ShortMessage::from_checked(octets))
}

/// The encoded length of sm_length plus short_message.
pub(crate) fn short_message_len(value: &ShortMessage) -> usize {
    1 + value.len()
}
