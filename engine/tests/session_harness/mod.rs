//! Virtual-time test harness: an ESME machine and an SMSC machine joined by in-memory pipes.
//!
//! `transfer` moves bytes both ways and collects events; `drive` repeats it until nothing
//! moves; `run_for` also jumps the clock from deadline to deadline, so timer tests run in
//! microseconds without sockets or sleeping.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use engine::proto::{
    Address, Bind, Body, CommandStatus, Decoder, Pdu, ShortMessage, SubmitSm, SubmitSmResp,
    SystemId,
};
use engine::session::{BindType, EsmeSession, Event, SessionConfig, SmscSession};

/// The settings most tests use: small window, round timeouts.
pub fn test_config() -> SessionConfig {
    SessionConfig {
        window_size: 8,
        response_timeout: Duration::from_secs(10),
        enquire_link_interval: Duration::from_secs(30),
        bind_timeout: Duration::from_secs(5),
        unbind_timeout: Duration::from_secs(3),
        ..SessionConfig::default()
    }
}

/// Two machines, two pipes and a clock.
pub struct Pair {
    pub esme: EsmeSession,
    pub smsc: SmscSession,
    pub epoch: Instant,
    pub now: Instant,
    pub esme_events: VecDeque<Event>,
    pub smsc_events: VecDeque<Event>,
    /// Bytes on their way to the SMSC (its read buffer).
    pub to_smsc: BytesMut,
    /// Bytes on their way to the ESME (its read buffer).
    pub to_esme: BytesMut,
    /// When false, what the ESME sends is lost (a peer that went silent from the SMSC's view).
    pub esme_to_smsc_open: bool,
    /// When false, what the SMSC sends is lost.
    pub smsc_to_esme_open: bool,
}

impl Pair {
    pub fn new(config: SessionConfig) -> Self {
        let epoch = Instant::now();
        Self {
            esme: EsmeSession::new(config.clone(), epoch),
            smsc: SmscSession::new(config, epoch),
            epoch,
            now: epoch,
            esme_events: VecDeque::new(),
            smsc_events: VecDeque::new(),
            to_smsc: BytesMut::new(),
            to_esme: BytesMut::new(),
            esme_to_smsc_open: true,
            smsc_to_esme_open: true,
        }
    }

    /// Time since the pair was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.epoch
    }

    /// One round: ESME output to the SMSC, SMSC output to the ESME. True if bytes moved.
    pub fn transfer(&mut self) -> bool {
        let mut moved = false;
        if self.esme.poll_transmit(&mut self.to_smsc) > 0 {
            moved = true;
            if !self.esme_to_smsc_open {
                self.to_smsc.clear();
            }
        }
        if !self.to_smsc.is_empty() {
            self.smsc.handle_input(&mut self.to_smsc, self.now);
        }
        self.collect();
        if self.smsc.poll_transmit(&mut self.to_esme) > 0 {
            moved = true;
            if !self.smsc_to_esme_open {
                self.to_esme.clear();
            }
        }
        if !self.to_esme.is_empty() {
            self.esme.handle_input(&mut self.to_esme, self.now);
        }
        self.collect();
        moved
    }

    fn collect(&mut self) {
        while let Some(event) = self.esme.poll_event() {
            self.esme_events.push_back(event);
        }
        while let Some(event) = self.smsc.poll_event() {
            self.smsc_events.push_back(event);
        }
    }

    /// Moves bytes until both pipes are quiet, without touching the clock.
    pub fn drive(&mut self) {
        while self.transfer() {}
    }

    /// The earlier of the two machines' next deadlines.
    pub fn next_deadline(&self) -> Option<Instant> {
        match (self.esme.poll_timeout(), self.smsc.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Jumps the clock to `at` (if later) and fires both machines' due timers.
    pub fn advance_to(&mut self, at: Instant) {
        self.now = self.now.max(at);
        self.esme.handle_timeout(self.now);
        self.smsc.handle_timeout(self.now);
        self.collect();
    }

    /// Jumps to the next deadline and fires it; false when no timer runs.
    pub fn step_time(&mut self) -> bool {
        match self.next_deadline() {
            Some(at) => {
                self.advance_to(at);
                true
            }
            None => false,
        }
    }

    /// Drives traffic and timers until `duration` of virtual time has passed.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            self.drive();
            match self.next_deadline() {
                Some(at) if at <= end => self.advance_to(at),
                _ => break,
            }
        }
        self.now = end;
    }

    /// Drives traffic and timers until `done` holds, giving up after `limit` of virtual time.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Self) -> bool) {
        let end = self.now + limit;
        loop {
            self.drive();
            if done(self) {
                return;
            }
            match self.next_deadline() {
                Some(at) if at <= end => self.advance_to(at),
                _ => panic!(
                    "condition not reached within {limit:?} (at {:?})",
                    self.elapsed()
                ),
            }
        }
    }

    /// Binds with `bind_type` and credentials the SMSC side accepts; asserts both sides bound.
    pub fn bind(&mut self, bind_type: BindType) {
        let bind = Bind::new("esme01", "secret").unwrap();
        self.esme.bind(bind_type, bind, self.now).unwrap();
        self.drive();
        match self.smsc_events.pop_front() {
            Some(Event::BindRequested {
                bind_type: requested,
                bind,
                ..
            }) => {
                assert_eq!(requested, bind_type);
                assert_eq!(bind.system_id, "esme01");
                assert_eq!(bind.password, "secret");
            }
            other => panic!("expected BindRequested, got {other:?}"),
        }
        let smsc_id = SystemId::new("smsc01").unwrap();
        self.smsc.accept_bind(smsc_id, self.now).unwrap();
        self.drive();
        assert_eq!(
            self.smsc_events.pop_front(),
            Some(Event::Bound {
                bind_type,
                system_id: SystemId::new("esme01").unwrap()
            })
        );
        assert_eq!(
            self.esme_events.pop_front(),
            Some(Event::Bound {
                bind_type,
                system_id: SystemId::new("smsc01").unwrap()
            })
        );
    }
}

/// A submit_sm whose short_message is `text`.
pub fn submit_sm(text: &str) -> SubmitSm {
    SubmitSm {
        source_addr: Address::new("12345").unwrap(),
        destination_addr: Address::new("61400000001").unwrap(),
        short_message: ShortMessage::new(Bytes::copy_from_slice(text.as_bytes())).unwrap(),
        ..SubmitSm::default()
    }
}

/// A successful submit_sm_resp (or deliver_sm_resp) body carrying `message_id`.
pub fn sm_resp(message_id: &str) -> SubmitSmResp {
    SubmitSmResp {
        message_id: engine::proto::MessageId::new(message_id).unwrap(),
        ..SubmitSmResp::default()
    }
}

/// Either machine, seen as a byte-in/byte-out box.
pub trait Machine {
    fn feed(&mut self, buf: &mut BytesMut, now: Instant);
    fn drain(&mut self, out: &mut BytesMut) -> usize;
}

impl Machine for EsmeSession {
    fn feed(&mut self, buf: &mut BytesMut, now: Instant) {
        self.handle_input(buf, now);
    }
    fn drain(&mut self, out: &mut BytesMut) -> usize {
        self.poll_transmit(out)
    }
}

impl Machine for SmscSession {
    fn feed(&mut self, buf: &mut BytesMut, now: Instant) {
        self.handle_input(buf, now);
    }
    fn drain(&mut self, out: &mut BytesMut) -> usize {
        self.poll_transmit(out)
    }
}

/// Feeds raw `input` to `machine` and decodes every PDU it sends back.
pub fn exchange(machine: &mut impl Machine, now: Instant, input: &[u8]) -> Vec<Pdu> {
    let mut buf = BytesMut::from(input);
    machine.feed(&mut buf, now);
    let mut out = BytesMut::new();
    machine.drain(&mut out);
    decode_all(&mut out)
}

/// Decodes every whole PDU in `buf`.
pub fn decode_all(buf: &mut BytesMut) -> Vec<Pdu> {
    let decoder = Decoder::default();
    let mut pdus = Vec::new();
    while let Some(pdu) = decoder.decode(buf).unwrap() {
        pdus.push(pdu);
    }
    pdus
}

/// The encoded bytes of a request PDU.
pub fn encoded(seq: u32, body: Body) -> Vec<u8> {
    Pdu::new(CommandStatus::ESME_ROK, seq, body)
        .to_bytes()
        .to_vec()
}
