//! Framing: cuts whole PDUs off the front of a receive buffer and decodes them.

use bytes::{Buf, Bytes, BytesMut};

use super::command::CommandId;
use super::error::{DecodeError, DecodeErrorKind};
use super::pdu::{Body, DeliverSmResp, Pdu, SubmitSmResp, HEADER_LEN};
use super::status::CommandStatus;

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
    #[inline]
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Pdu>, DecodeError> {
        // enquire_link, unbind and header-only responses are most of a link's small traffic:
        // build them straight from the header, without a frame `Bytes` (two atomic reference
        // count operations) or a `Reader`. Each arm writes its `Pdu` straight into the return
        // value: going through an `Option<Pdu>` or a shared `body` made LLVM assemble the
        // whole 192-byte value on the stack and `memcpy` it out, which cost enquire_link more
        // than the decoding itself.
        if buf.len() < 4 {
            // Not even command_length yet: the usual end of every read's burst.
            return Ok(None);
        }
        if let Some(&header) = buf.first_chunk::<HEADER_LEN>() {
            let [l0, l1, l2, l3, i0, i1, i2, i3, s0, s1, s2, s3, q0, q1, q2, q3] = header;
            if u32::from_be_bytes([l0, l1, l2, l3]) == HEADER_LEN as u32 {
                let status = CommandStatus(u32::from_be_bytes([s0, s1, s2, s3]));
                let sequence_number = u32::from_be_bytes([q0, q1, q2, q3]);
                // Same bodies as `Body::decode` on an empty body.
                macro_rules! header_only {
                    ($body:expr) => {{
                        buf.advance(HEADER_LEN);
                        return Ok(Some(Pdu {
                            command_status: status,
                            sequence_number,
                            body: $body,
                        }));
                    }};
                }
                match CommandId(u32::from_be_bytes([i0, i1, i2, i3])) {
                    CommandId::ENQUIRE_LINK => header_only!(Body::EnquireLink),
                    CommandId::ENQUIRE_LINK_RESP => header_only!(Body::EnquireLinkResp),
                    CommandId::UNBIND => header_only!(Body::Unbind),
                    CommandId::UNBIND_RESP => header_only!(Body::UnbindResp),
                    CommandId::GENERIC_NACK => header_only!(Body::GenericNack),
                    CommandId::CANCEL_SM_RESP => header_only!(Body::CancelSmResp),
                    CommandId::REPLACE_SM_RESP => header_only!(Body::ReplaceSmResp),
                    CommandId::SUBMIT_SM_RESP => {
                        header_only!(Body::SubmitSmResp(SubmitSmResp::default()))
                    }
                    CommandId::DELIVER_SM_RESP => {
                        header_only!(Body::DeliverSmResp(DeliverSmResp::default()))
                    }
                    // The rarer empty responses (bind, submit_multi, data_sm, query_sm) and
                    // everything else take the general path.
                    _ => {}
                }
            }
        }
        self.decode_framed(buf)
    }

    /// The general path of [`Decoder::decode`]: checks the length, cuts the frame, decodes it.
    /// Kept out of line so the header-only path above stays small enough to inline.
    #[inline(never)]
    fn decode_framed(&self, buf: &mut BytesMut) -> Result<Option<Pdu>, DecodeError> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header(command_length: u32, command_id: u32, status: u32, sequence: u32) -> Vec<u8> {
        [command_length, command_id, status, sequence]
            .iter()
            .flat_map(|word| word.to_be_bytes())
            .collect()
    }

    #[test]
    fn header_only_fast_path_matches_the_general_path() {
        let ids = (0..=0x0Bu32)
            .chain(0x102..=0x103)
            .chain(0x21..=0x22)
            .flat_map(|id| [id, id | 0x8000_0000])
            .chain([0x8000_0999, 0x0000_0999]);
        for id in ids {
            for status in [0, 0x45] {
                let frame = header(16, id, status, 7);
                let expected = Pdu::decode(Bytes::from(frame.clone()));
                let mut buf = BytesMut::from(&frame[..]);
                buf.extend_from_slice(&header(16, 0x15, 0, 8));
                let got = Decoder::default().decode(&mut buf);
                match expected {
                    Ok(pdu) => assert_eq!(got.unwrap(), Some(pdu), "command_id {id:#X}"),
                    Err(err) => assert_eq!(got.unwrap_err(), err, "command_id {id:#X}"),
                }
                // Whatever happened, exactly this frame was consumed.
                assert_eq!(&buf[..], &header(16, 0x15, 0, 8)[..], "command_id {id:#X}");
            }
        }
    }

    #[test]
    fn header_only_needs_the_whole_header() {
        let frame = header(16, 0x15, 0, 9);
        let mut buf = BytesMut::from(&frame[..15]);
        assert_eq!(Decoder::default().decode(&mut buf).unwrap(), None);
        assert_eq!(buf.len(), 15);
        buf.extend_from_slice(&frame[15..]);
        let pdu = Decoder::default().decode(&mut buf).unwrap().unwrap();
        assert_eq!(pdu, Pdu::ok(9, Body::EnquireLink));
        assert!(buf.is_empty());
    }
}

#[cfg(test)]
mod size_guard {
    /// Every decoded PDU is moved by value several times on its way out of the decoder: a
    /// field type that grows `Pdu` slows every decode (it was 248 bytes with `Bytes` strings).
    #[test]
    fn pdu_stays_small() {
        assert!(std::mem::size_of::<super::Pdu>() <= 192);
        assert!(std::mem::size_of::<crate::proto::SubmitSm>() <= 160);
    }
}
