//! One connection of the SMSC simulator: the read -> session -> answer -> write loop.

use bytes::Bytes;
use engine::proto::receipt::ReceiptState;
use engine::proto::{
    registered_delivery, Body, CommandId, CommandStatus, MessageId, Pdu, SubmitSm, SubmitSmResp,
    SystemId,
};
use engine::session::{BindType, Event, SessionConfig, SmscSession};
use std::collections::VecDeque;
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::mix::Rng;
use super::mo::MoSource;
use super::receipts::{self, PendingReceipt, ReceiptBuilder, WallClock};
use super::stats::Counters;
use super::wire::{Arena, ReadOutcome, Wire, MAX_WAIT};
use super::{Outbox, Shared, ID_BLOCK};

/// Tag of our receipt deliver_sm.
const TAG_RECEIPT: u64 = 1;
/// Tag of our MO deliver_sm.
const TAG_MO: u64 = 2;
/// How often a receiving session looks for receipts posted by transmitter sessions.
const OUTBOX_POLL: Duration = Duration::from_millis(1);
/// Receipts taken from the shared outbox per turn at most.
const OUTBOX_BATCH: usize = 256;

/// A submit_sm_resp held back by `--slow-ms`.
#[derive(Debug)]
struct HeldResponse {
    due: Instant,
    seq: u32,
    message_id: Bytes,
    receipt: Option<PendingReceipt>,
}

struct Conn<'a> {
    shared: &'a Shared,
    counters: &'a Counters,
    session: SmscSession,
    wire: Wire,
    bind_type: Option<BindType>,
    /// The shared outbox of our system_id, once bound.
    outbox: Option<Arc<Outbox>>,
    /// Receipts of this session's own submits (transceiver), in due order.
    receipts: VecDeque<PendingReceipt>,
    /// Due receipts taken from the shared outbox.
    from_outbox: VecDeque<PendingReceipt>,
    held: VecDeque<HeldResponse>,
    submits: u64,
    drop_now: bool,
    next_id: u64,
    ids_left: u64,
    arena: Arena,
    rng: Rng,
    clock: WallClock,
    builder: ReceiptBuilder,
    mo: Option<MoSource>,
    closed: bool,
}

/// Serves one accepted connection until it closes or the simulator stops.
pub(crate) fn serve(stream: TcpStream, shared: &Shared, counters: &Counters) {
    let Ok(wire) = Wire::new(stream) else {
        return;
    };
    let now = Instant::now();
    let config = SessionConfig {
        window_size: shared.config.window,
        enquire_link_interval: shared.config.enquire_link_interval,
        unbind_timeout: Duration::from_secs(1),
        ..SessionConfig::default()
    };
    let seed = shared.id_block();
    let mut conn = Conn {
        shared,
        counters,
        session: SmscSession::new(config, now),
        wire,
        bind_type: None,
        outbox: None,
        receipts: VecDeque::new(),
        from_outbox: VecDeque::new(),
        held: VecDeque::new(),
        submits: 0,
        drop_now: false,
        next_id: seed,
        ids_left: ID_BLOCK,
        arena: Arena::new(),
        rng: Rng::new(seed),
        clock: WallClock::new(),
        builder: ReceiptBuilder::new(shared.config.receipt_tlvs),
        mo: shared
            .config
            .mo
            .as_ref()
            .map(|mo| MoSource::new(mo, usize::try_from(seed).unwrap_or(0))),
        closed: false,
    };
    conn.run();
    conn.finish();
}

impl Conn<'_> {
    fn run(&mut self) {
        let mut unbinding = false;
        loop {
            let now = Instant::now();
            if self.session.poll_timeout().is_some_and(|t| t <= now) {
                self.session.handle_timeout(now);
            }
            self.drain_events(now);
            if !unbinding && self.shared.stop.load(Ordering::Relaxed) {
                unbinding = true;
                if self.session.unbind(now).is_err() {
                    self.session.connection_lost();
                    self.drain_events(now);
                }
            }
            self.release_held(now);
            self.deliver_receipts(now);
            self.deliver_mo(now);
            self.session.poll_transmit(&mut self.wire.output);
            if self.wire.flush().is_err() {
                self.session.connection_lost();
                self.drain_events(now);
            }
            if self.closed {
                return;
            }
            if self.drop_now {
                Counters::bump(&self.counters.dropped_connections, 1);
                self.wire.shutdown();
                self.session.connection_lost();
                self.drain_events(now);
                return;
            }
            let wait = self.wait(now);
            match self.wire.read(wait) {
                ReadOutcome::Data => self
                    .session
                    .handle_input(&mut self.wire.input, Instant::now()),
                ReadOutcome::Idle => {}
                ReadOutcome::Closed => self.session.connection_lost(),
            }
        }
    }

    /// Receipts this connection still owes go to the shared outbox for another receiver.
    fn finish(&mut self) {
        let owed = self
            .held
            .drain(..)
            .filter_map(|h| h.receipt)
            .chain(self.receipts.drain(..))
            .chain(self.from_outbox.drain(..));
        if let Some(outbox) = &self.outbox {
            outbox.post(owed);
            if self.bind_type == Some(BindType::Transmitter) {
                outbox.transmitters.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let stats = self.session.stats();
        Counters::bump(&self.counters.decode_errors, stats.decode_errors);
    }

    fn wait(&self, now: Instant) -> Duration {
        let mut wait = MAX_WAIT;
        let mut until = |at: Instant| wait = wait.min(at.saturating_duration_since(now));
        if let Some(t) = self.session.poll_timeout() {
            until(t);
        }
        if let Some(h) = self.held.front() {
            until(h.due);
        }
        let receives = self.bind_type.is_some_and(BindType::receives);
        if receives && self.session.has_window_room() {
            if let Some(r) = self.receipts.front() {
                until(r.due);
            }
            let fed_by_transmitters = self
                .outbox
                .as_ref()
                .is_some_and(|o| o.transmitters.load(Ordering::Relaxed) > 0);
            if fed_by_transmitters {
                wait = wait.min(OUTBOX_POLL);
            }
            if let Some(interval) = self.mo.as_ref().and_then(MoSource::interval) {
                wait = wait.min(interval);
            }
        }
        wait
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::BindRequested { bind, .. } => {
                    let config = &self.shared.config;
                    let wrong = |want: &Option<String>, got: &[u8]| {
                        want.as_ref().is_some_and(|w| w.as_bytes() != got)
                    };
                    let refusal = if wrong(&config.system_id, bind.system_id.as_bytes()) {
                        Some(CommandStatus::ESME_RINVSYSID)
                    } else if wrong(&config.password, bind.password.as_bytes()) {
                        Some(CommandStatus::ESME_RINVPASWD)
                    } else {
                        None
                    };
                    let answered = match refusal {
                        Some(status) => {
                            Counters::bump(&self.counters.binds_rejected, 1);
                            self.session.reject_bind(status)
                        }
                        None => {
                            let ours = SystemId::new(&config.smsc_system_id).unwrap_or_default();
                            self.session.accept_bind(ours, now)
                        }
                    };
                    if answered.is_err() {
                        self.session.connection_lost();
                    }
                }
                Event::Bound {
                    bind_type,
                    system_id,
                } => {
                    Counters::bump(&self.counters.binds, 1);
                    self.bind_type = Some(bind_type);
                    let outbox = self.shared.outbox(system_id.as_bytes());
                    if bind_type == BindType::Transmitter {
                        outbox.transmitters.fetch_add(1, Ordering::Relaxed);
                    }
                    self.outbox = Some(outbox);
                }
                Event::RequestReceived(pdu) => self.on_request(pdu, now),
                Event::Response { tag, pdu, .. } => {
                    let counter = if !pdu.command_status.is_ok() {
                        &self.counters.deliver_errors
                    } else if tag == TAG_RECEIPT {
                        &self.counters.receipts_acked
                    } else {
                        &self.counters.mo_acked
                    };
                    Counters::bump(counter, 1);
                }
                Event::RequestTimedOut { .. } | Event::RequestAborted { .. } => {
                    Counters::bump(&self.counters.deliver_lost, 1);
                }
                Event::Closed(_) => self.closed = true,
                Event::OutbindReceived(_) | Event::AlertReceived(_) | Event::BindFailed(_) => {}
            }
        }
    }

    fn on_request(&mut self, pdu: Pdu, now: Instant) {
        let seq = pdu.sequence_number;
        match pdu.body {
            Body::SubmitSm(submit) => self.on_submit(seq, &submit, now),
            other => {
                Counters::bump(&self.counters.other_requests, 1);
                let _ = self.session.respond_status(
                    seq,
                    other.command_id(),
                    CommandStatus::ESME_RINVCMDID,
                );
            }
        }
    }

    fn message_id(&mut self) -> Bytes {
        if self.ids_left == 0 {
            self.next_id = self.shared.id_block();
            self.ids_left = ID_BLOCK;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.ids_left -= 1;
        self.shared.config.id_format.write(id, &mut self.arena)
    }

    fn on_submit(&mut self, seq: u32, submit: &SubmitSm, now: Instant) {
        let counters = self.counters;
        Counters::bump(&counters.submits, 1);
        if submit.esm_class & engine::proto::esm_class::UDHI != 0
            || submit.tlvs.sar_total_segments().is_some()
        {
            Counters::bump(&counters.parts, 1);
        }
        self.submits += 1;
        let faults = self.shared.config.faults;
        if self.drop_now || (faults.drop_after > 0 && self.submits > faults.drop_after) {
            // This submit (and any behind it) stays unanswered: the connection goes down at
            // the end of this turn, after the answers to the first N are written.
            self.drop_now = true;
            return;
        }
        if faults.garbage_after > 0 && self.submits == faults.garbage_after + 1 {
            // command_length 0xFFFFFFFF: no SMPP peer can resynchronise after this.
            self.wire
                .output
                .extend_from_slice(b"\xFF\xFF\xFF\xFFgarbage from the carrier\x00");
            return;
        }
        let every = |n: u64| n > 0 && self.submits.is_multiple_of(n);
        if every(faults.no_response_every) {
            Counters::bump(&counters.unanswered, 1);
            return;
        }
        if every(faults.throttle_every) {
            Counters::bump(&counters.throttled, 1);
            let _ = self.session.respond_status(
                seq,
                CommandId::SUBMIT_SM,
                CommandStatus::ESME_RTHROTTLED,
            );
            return;
        }
        let message_id = self.message_id();
        let answer_at = now + faults.slow;
        let receipt = self.receipt_for(submit, &message_id, answer_at, now);
        if faults.slow.is_zero() {
            self.answer(seq, message_id);
            if let Some(receipt) = receipt {
                self.queue_receipt(receipt);
            }
        } else {
            let receipt = match receipt {
                Some(mut early) if faults.receipt_first => {
                    early.due = now;
                    self.queue_receipt(early);
                    None
                }
                other => other,
            };
            self.held.push_back(HeldResponse {
                due: answer_at,
                seq,
                message_id,
                receipt,
            });
        }
    }

    fn receipt_for(
        &mut self,
        submit: &SubmitSm,
        message_id: &Bytes,
        answer_at: Instant,
        now: Instant,
    ) -> Option<PendingReceipt> {
        let requested = submit.registered_delivery & registered_delivery::RECEIPT_MASK;
        if requested == 0 {
            return None;
        }
        let state = self
            .shared
            .config
            .receipt_mix
            .pick(&mut self.rng)
            .unwrap_or(ReceiptState::Delivered);
        if requested == registered_delivery::RECEIPT_ON_FAILURE && state == ReceiptState::Delivered
        {
            return None;
        }
        Counters::bump(&self.counters.receipts_queued, 1);
        Some(PendingReceipt {
            due: answer_at + self.shared.config.receipt_delay,
            message_id: message_id.clone(),
            source: submit.destination_addr.clone(),
            destination: submit.source_addr.clone(),
            state,
            submitted: self.clock.now(now),
            excerpt: receipts::excerpt(
                submit.short_message.bytes(),
                submit.data_coding,
                submit.esm_class,
            ),
        })
    }

    fn answer(&mut self, seq: u32, message_id: Bytes) {
        let Ok(message_id) = MessageId::from_bytes("message_id", message_id) else {
            return;
        };
        let body = Body::SubmitSmResp(SubmitSmResp {
            message_id,
            ..SubmitSmResp::default()
        });
        if self
            .session
            .respond(seq, CommandStatus::ESME_ROK, body)
            .is_ok()
        {
            Counters::bump(&self.counters.submits_ok, 1);
        }
    }

    fn queue_receipt(&mut self, receipt: PendingReceipt) {
        if self.bind_type == Some(BindType::Transceiver) {
            self.receipts.push_back(receipt);
        } else if let Some(outbox) = &self.outbox {
            outbox.post([receipt]);
        }
    }

    fn release_held(&mut self, now: Instant) {
        while self.held.front().is_some_and(|h| h.due <= now) {
            let Some(held) = self.held.pop_front() else {
                break;
            };
            self.answer(held.seq, held.message_id);
            if let Some(receipt) = held.receipt {
                self.queue_receipt(receipt);
            }
        }
    }

    fn deliver_receipts(&mut self, now: Instant) {
        if !self.bind_type.is_some_and(BindType::receives) {
            return;
        }
        let room = self
            .session
            .window_capacity()
            .saturating_sub(self.session.in_flight());
        if room > self.from_outbox.len() {
            // Top up from the outbox shared with the other sessions of this system_id.
            if let Some(outbox) = &self.outbox {
                let want = (room - self.from_outbox.len()).min(OUTBOX_BATCH);
                outbox.take_due(now, want, &mut self.from_outbox);
            }
        }
        let done = self.clock.now(now);
        while self.session.has_window_room() {
            let receipt = if !self.from_outbox.is_empty() {
                self.from_outbox.pop_front()
            } else if self.receipts.front().is_some_and(|r| r.due <= now) {
                self.receipts.pop_front()
            } else {
                None
            };
            let Some(receipt) = receipt else {
                break;
            };
            let deliver = self.builder.build(&receipt, done, &mut self.arena);
            if self.session.deliver(deliver, TAG_RECEIPT, now).is_ok() {
                Counters::bump(&self.counters.receipts_sent, 1);
            } else {
                self.from_outbox.push_front(receipt);
                break;
            }
        }
    }

    fn deliver_mo(&mut self, now: Instant) {
        if !self.bind_type.is_some_and(BindType::receives) {
            return;
        }
        let Some(mo) = self.mo.as_mut() else {
            return;
        };
        let room = self
            .session
            .window_capacity()
            .saturating_sub(self.session.in_flight());
        let count = mo.claim(self.shared, now, room);
        for _ in 0..count {
            let deliver = mo.next(&mut self.rng);
            if self.session.deliver(deliver, TAG_MO, now).is_ok() {
                Counters::bump(&self.counters.mo_sent, 1);
            }
        }
    }
}
