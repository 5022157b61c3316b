//! Framing: cuts whole PDUs off the front of a receive buffer and decodes them.

use bytes::{Buf, Bytes, BytesMut};

use super::command::CommandId;
use super::error::{DecodeError, DecodeErrorKind};
use super::pdu::{Pdu, HEADER_LEN};

/// The default largest accepted command_length: 64 KiB (a message_payload of 64 KiB fits).
pub const DEFAULT_MAX_COMMAND_LENGTH: u32 = 64 * 1024;

/// Splits a byte stream into PDUs; holds only its limit, so one per connection costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    max_command_length: u32,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_COMMAND_LENGTH)
    }
}

impl Decoder {
    /// A decoder that rejects PDUs longer than `max_command_length` (raised to 16, the header
    /// size, if lower).
    pub fn new(max_command_length: u32) -> Self {
        Self {
            max_command_length: max_command_length.max(HEADER_LEN as u32),
        }
    }

    /// The largest command_length accepted.
    pub fn max_command_length(&self) -> u32 {
        self.max_command_length
    }

    /// Decodes the first PDU in `buf`.
    ///
    /// - `Ok(None)`: the PDU is not complete yet; nothing was consumed.
    /// - `Ok(Some(pdu))`: one PDU was consumed from `buf`.
    /// - `Err(e)` with `!e.is_fatal()`: the bad PDU was consumed; answer with `e.reply()` and
    ///   call again for the next one.
    /// - `Err(e)` with `e.is_fatal()`: command_length is impossible, so the stream cannot be
    ///   resynchronised; nothing was consumed; send `e.reply()` and close.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Pdu>, DecodeError> {
        let Some(length_octets) = buf.get(..4) else {
            return Ok(None);
        };
        let mut command_length = [0u8; 4];
        command_length.copy_from_slice(length_octets);
        let command_length = u32::from_be_bytes(command_length);
        if command_length < HEADER_LEN as u32 || command_length > self.max_command_length {
            let (command_id, sequence_number) = match buf.get(..HEADER_LEN) {
                Some(mut header) => {
                    header.advance(4);
                    let command_id = CommandId(header.get_u32());
                    header.advance(4);
                    (Some(command_id), Some(header.get_u32()))
                }
                None => (None, None),
            };
            return Err(DecodeError::new(
                DecodeErrorKind::InvalidCommandLength {
                    command_length,
                    max: self.max_command_length,
                },
                command_id,
                sequence_number,
            ));
        }
        // The length fits in usize: it is at most max_command_length, a u32.
        let frame_len = command_length as usize;
        if buf.len() < frame_len {
            buf.reserve(frame_len - buf.len());
            return Ok(None);
        }
        let frame = buf.split_to(frame_len).freeze();
        Pdu::decode(frame).map(Some)
    }

    /// Decodes one complete frame: command_length must equal `frame.len()` and be within the
    /// limit (both failures are fatal, as on a stream).
    pub fn decode_frame(&self, frame: Bytes) -> Result<Pdu, DecodeError> {
        if frame.len() > self.max_command_length as usize {
            // Let the stream check judge the header so the error carries its fields.
            let mut header = BytesMut::from(frame.get(..HEADER_LEN).unwrap_or_default());
            self.decode(&mut header)?;
        }
        Pdu::decode(frame)
    }
}

/// The fuzzing and corpus-replay oracle: decode `data` as a stream; every PDU that decodes
/// must re-encode to something that decodes to the same PDU, and re-encoding that must give
/// the same bytes. Panics (on purpose) when the codec breaks that promise.
pub fn check_round_trip(data: &[u8]) {
    let decoder = Decoder::default();
    let mut buf = BytesMut::from(data);
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(pdu)) => {
                let encoded = pdu.to_bytes();
                assert_eq!(encoded.len(), pdu.encoded_len(), "encoded_len disagrees");
                let again = match decoder.decode_frame(encoded.clone()) {
                    Ok(again) => again,
                    Err(err) => panic!("re-encoded {pdu:?} fails to decode: {err}"),
                };
                assert_eq!(pdu, again, "round trip changed the PDU");
                assert_eq!(encoded, again.to_bytes(), "second encoding differs");
            }
            Ok(None) => break,
            Err(err) if err.is_fatal() => {
                let _ = err.reply();
                break;
            }
            Err(err) => {
                if let Some(reply) = err.reply() {
                    assert_eq!(reply.command_status, err.command_status());
                    let _ = reply.to_bytes();
                }
            }
        }
    }
}
