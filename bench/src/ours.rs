//! Our codec's side of each measurement, shaped like the other codecs' adapters in
//! `benches/peers/`: decode what one read put in the receive buffer, encode into a reused send
//! buffer, or both (a relay's path).

use std::hint::black_box;

use bytes::BytesMut;
use engine::proto::{DecodeError, Decoder, Pdu};

/// Decodes every complete PDU in `rx`, consuming it; returns how many. Each PDU is dropped
/// before the next is decoded, as a session that has acted on it would.
pub fn decode_burst(decoder: &Decoder, rx: &mut BytesMut) -> Result<usize, DecodeError> {
    let mut count = 0;
    // One `match` on the result, as the session's input loop (`Connection::handle_input`)
    // does; the peers' adapters have the same shape.
    loop {
        match decoder.decode(rx) {
            Ok(Some(pdu)) => {
                black_box(&pdu);
                count += 1;
            }
            Ok(None) => return Ok(count),
            Err(err) => return Err(err),
        }
    }
}

/// Encodes already-built PDUs into `tx`, which is cleared first and keeps its capacity.
pub fn encode_all(pdus: &[Pdu], tx: &mut BytesMut) {
    tx.clear();
    for pdu in pdus {
        pdu.encode(tx);
    }
}

/// Decodes every complete PDU in `rx` and encodes each into `tx` (cleared first); returns
/// how many.
pub fn relay_burst(
    decoder: &Decoder,
    rx: &mut BytesMut,
    tx: &mut BytesMut,
) -> Result<usize, DecodeError> {
    tx.clear();
    let mut count = 0;
    loop {
        match decoder.decode(rx) {
            Ok(Some(pdu)) => {
                pdu.encode(tx);
                count += 1;
            }
            Ok(None) => return Ok(count),
            Err(err) => return Err(err),
        }
    }
}
