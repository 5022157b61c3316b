//! The fuzzing and corpus-replay oracle of the SMSC-side session machine: a byte string is read
//! as a script of peer input, clock steps and caller commands, and the session's promises are
//! checked after every step. Panics (on purpose) when one is broken.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::proto::{Address, CommandStatus, Decoder, DeliverSm, ShortMessage, SystemId};

use super::{Event, SessionConfig, SessionError, SessionState, SmscSession};

/// An SMPP header's size: the least a PDU can be.
const HEADER_LEN: usize = 16;

/// Runs the script `data` against one [`SmscSession`].
///
/// The first byte picks the caller's policy (bit 0: accept binds, bit 1: a window of 2 and a
/// 4 KiB PDU limit instead of the defaults). Then each byte is an opcode: `0..=3` feeds the
/// next `n` bytes (n = the byte after the opcode) as peer input, `4` moves the clock by
/// `k * 250 ms` and fires timers, `5` sends a deliver_sm, `6` unbinds, `7` reports the
/// transport lost. Promises checked: no panic; every byte we transmit decodes as a valid PDU;
/// `Closed` is the last event; the window never exceeds its capacity; an open session never
/// holds more unparsed input than one PDU may be long; `Bound` only follows our acceptance.
pub fn check_smsc_stream(data: &[u8]) {
    let Some((&policy, mut script)) = data.split_first() else {
        return;
    };
    let accept_binds = policy & 1 == 1;
    let config = if policy & 2 == 2 {
        SessionConfig {
            window_size: 2,
            max_pdu_len: 4096,
            ..SessionConfig::default()
        }
    } else {
        SessionConfig::default()
    };
    let start = Instant::now();
    let mut run = Run {
        session: SmscSession::new(config, start),
        now: start,
        input: BytesMut::new(),
        output: BytesMut::new(),
        checker: Decoder::new(u32::MAX),
        accept_binds,
        accepted: 0,
        bound_events: 0,
        closed: false,
    };
    while let Some((&op, rest)) = script.split_first() {
        script = rest;
        match op % 8 {
            0..=3 => {
                let (&len, rest) = script.split_first().unwrap_or((&0, &[]));
                let take = usize::from(len).min(rest.len());
                let (chunk, rest) = rest.split_at(take);
                script = rest;
                run.input.extend_from_slice(chunk);
                run.session.handle_input(&mut run.input, run.now);
            }
            4 => {
                let (&steps, rest) = script.split_first().unwrap_or((&1, &[]));
                script = rest;
                run.now += Duration::from_millis(250) * u32::from(steps);
                run.session.handle_timeout(run.now);
            }
            5 => {
                let _ = run.session.deliver(receipt_like(), u64::from(op), run.now);
            }
            6 => {
                let _ = run.session.unbind(run.now);
            }
            _ => run.session.connection_lost(),
        }
        run.drain();
    }
    run.session.connection_lost();
    run.drain();
    assert!(run.closed, "connection_lost did not close the session");
}

struct Run {
    session: SmscSession,
    now: Instant,
    input: BytesMut,
    output: BytesMut,
    checker: Decoder,
    accept_binds: bool,
    accepted: usize,
    bound_events: usize,
    closed: bool,
}

impl Run {
    /// Answering an event may only fail because a later event already closed the session.
    fn assert_answered(&self, error: Option<SessionError>, what: &str) {
        if let Some(error) = error {
            assert!(
                error == SessionError::Closed && self.session.state() == SessionState::Closed,
                "answering {what} failed: {error:?} in state {:?}",
                self.session.state()
            );
        }
    }

    fn drain(&mut self) {
        while let Some(event) = self.session.poll_event() {
            assert!(!self.closed, "event {event:?} after Closed");
            match event {
                Event::BindRequested { .. } => {
                    let answer = if self.accept_binds {
                        self.accepted += 1;
                        self.session
                            .accept_bind(SystemId::empty(), self.now)
                            .map(|_| ())
                    } else {
                        self.session.reject_bind(CommandStatus::ESME_RINVPASWD)
                    };
                    // A fatal PDU right behind the bind may already have closed the session.
                    self.assert_answered(answer.err(), "BindRequested");
                }
                Event::Bound { .. } => {
                    self.bound_events += 1;
                    assert!(
                        self.bound_events <= self.accepted,
                        "Bound without acceptance"
                    );
                }
                Event::RequestReceived(pdu) => {
                    let answer = self.session.respond_status(
                        pdu.sequence_number,
                        pdu.command_id(),
                        CommandStatus::ESME_ROK,
                    );
                    self.assert_answered(answer.err(), "RequestReceived");
                }
                Event::Closed(_) => self.closed = true,
                _ => {}
            }
        }
        assert!(
            self.session.in_flight() <= self.session.window_capacity(),
            "window overfull"
        );
        if self.closed {
            assert_eq!(self.session.state(), SessionState::Closed);
        } else {
            assert!(
                self.input.len() < self.session.config().max_pdu_len.max(HEADER_LEN),
                "{} unparsed input bytes held by an open session",
                self.input.len()
            );
        }
        self.session.poll_transmit(&mut self.output);
        self.check_output();
    }

    /// Everything we transmit must be PDUs our own decoder accepts.
    fn check_output(&mut self) {
        loop {
            match self.checker.decode(&mut self.output) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(error) => panic!("the session transmitted an undecodable PDU: {error}"),
            }
        }
        assert!(
            self.output.is_empty(),
            "the session transmitted a partial PDU"
        );
    }
}

fn receipt_like() -> DeliverSm {
    DeliverSm {
        source_addr: Address::new("61400000001").unwrap_or_default(),
        destination_addr: Address::new("MyBrand").unwrap_or_default(),
        esm_class: 0x04,
        short_message: ShortMessage::new(Bytes::from_static(b"id:1 stat:DELIVRD"))
            .unwrap_or_default(),
        ..DeliverSm::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bind_pdu() -> Vec<u8> {
        // bind_transceiver (0x09), seq 1: system_id "p", password "pw", system_type "",
        // interface_version 0x34, ton 0, npi 0, address_range "".
        let body = b"p\0pw\0\0\x34\0\0\0";
        let mut pdu = Vec::new();
        let len = u32::try_from(HEADER_LEN + body.len()).unwrap();
        pdu.extend_from_slice(&len.to_be_bytes());
        pdu.extend_from_slice(&9u32.to_be_bytes());
        pdu.extend_from_slice(&0u32.to_be_bytes());
        pdu.extend_from_slice(&1u32.to_be_bytes());
        pdu.extend_from_slice(body);
        pdu
    }

    #[test]
    fn a_bind_then_deliveries_then_timeouts_keeps_every_promise() {
        let bind = bind_pdu();
        let mut script = vec![1u8, 0, u8::try_from(bind.len()).unwrap()];
        script.extend_from_slice(&bind);
        script.extend_from_slice(&[5, 5, 5, 4, 200, 4, 200, 6, 4, 100]);
        check_smsc_stream(&script);
    }

    #[test]
    fn garbage_and_empty_scripts_keep_every_promise() {
        check_smsc_stream(&[]);
        check_smsc_stream(&[0]);
        check_smsc_stream(&[2, 0, 4, 0, 0, 0, 0]);
        check_smsc_stream(&[3, 1, 8, 0x80, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 4, 255]);
    }
}
