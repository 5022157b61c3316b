//! One session of the generator: connect, bind, send, drain, wait for receipts, unbind.

use engine::proto::receipt::{Receipt, ReceiptText, ESM_CLASS_DELIVERY_RECEIPT};
use engine::proto::{esm_class, Bind, Body, CommandId, CommandStatus, DeliverSm, Pdu, SubmitSm};
use engine::session::{EsmeSession, Event, SessionConfig};
use hdrhistogram::Histogram;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::report::{new_histogram, status_name};
use super::traffic::Traffic;
use super::Shared;
use crate::smsc::mix::Rng;
use crate::smsc::wire::{Arena, ReadOutcome, Wire, MAX_WAIT};

/// What one session measured.
#[derive(Debug)]
pub(crate) struct SessionOutcome {
    pub(crate) bound: bool,
    pub(crate) failure: Option<String>,
    pub(crate) messages: u64,
    pub(crate) submitted: u64,
    pub(crate) acked: u64,
    pub(crate) errors: HashMap<u32, u64>,
    pub(crate) timed_out: u64,
    pub(crate) lost: u64,
    pub(crate) unsent: u64,
    pub(crate) receipts: u64,
    pub(crate) receipts_matched: u64,
    pub(crate) receipt_states: BTreeMap<&'static str, u64>,
    pub(crate) mo_received: u64,
    pub(crate) first_send: Option<u64>,
    pub(crate) last_response: u64,
    pub(crate) resp_histogram: Histogram<u64>,
    pub(crate) receipt_histogram: Histogram<u64>,
}

/// A session's outcome, or why it could not even start measuring.
pub(crate) type SessionResult = Result<SessionOutcome, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Binding,
    Sending,
    Draining(Instant),
    WaitingReceipts(Instant),
    Unbinding,
}

/// Longest wait for unanswered submits once sending stopped because of Ctrl-C.
const STOP_DRAIN: Duration = Duration::from_secs(1);

struct Client<'a> {
    shared: &'a Shared,
    index: usize,
    session: EsmeSession,
    wire: Wire,
    traffic: Traffic,
    phase: Phase,
    quota: u64,
    rate: f64,
    sending_since: Instant,
    pending_parts: VecDeque<SubmitSm>,
    arena: Arena,
    rng: Rng,
    out: SessionOutcome,
    counted_done: bool,
    closed: bool,
}

/// The system_id session `index` binds with: `--system-id a,b,c` spreads the sessions over
/// several binds in turn (one partner bind's TPS limit must not cap a benchmark).
pub(crate) fn session_system_id(list: &str, index: usize) -> &str {
    let count = list.split(',').count();
    list.split(',').nth(index % count.max(1)).unwrap_or(list)
}

/// How many of `total` fall to session `index` of `sessions`.
fn share(total: u64, index: usize, sessions: usize) -> u64 {
    let sessions = sessions.max(1) as u64;
    let index = index as u64;
    total / sessions + u64::from(index < total % sessions)
}

pub(crate) fn run_session(index: usize, shared: &Shared) -> SessionResult {
    let config = &shared.config;
    let mut out = SessionOutcome {
        bound: false,
        failure: None,
        messages: 0,
        submitted: 0,
        acked: 0,
        errors: HashMap::new(),
        timed_out: 0,
        lost: 0,
        unsent: 0,
        receipts: 0,
        receipts_matched: 0,
        receipt_states: BTreeMap::new(),
        mo_received: 0,
        first_send: None,
        last_response: 0,
        resp_histogram: new_histogram()?,
        receipt_histogram: new_histogram()?,
    };
    let quota = config
        .count
        .map_or(u64::MAX, |n| share(n, index, config.sessions));
    let stream = (config.host.as_str(), config.port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())
        .and_then(|mut addrs| addrs.next().ok_or_else(|| "no address".to_owned()))
        .and_then(|addr| {
            TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())
        });
    let wire = match stream.and_then(|s| Wire::new(s).map_err(|e| e.to_string())) {
        Ok(wire) => wire,
        Err(e) => {
            out.failure = Some(format!("connect {}:{}: {e}", config.host, config.port));
            out.unsent = quota.min(config.count.unwrap_or(0));
            shared.sending.fetch_sub(1, Ordering::SeqCst);
            return Ok(out);
        }
    };
    let now = Instant::now();
    let session_config = SessionConfig {
        window_size: config.window,
        response_timeout: config.response_timeout,
        enquire_link_interval: Duration::from_secs(30),
        bind_timeout: Duration::from_secs(10),
        unbind_timeout: Duration::from_secs(2),
        ..SessionConfig::default()
    };
    let mut session = EsmeSession::new(session_config, now);
    let bind = Bind::new(
        session_system_id(&config.system_id, index),
        &config.password,
    )
    .map_err(|e| e.to_string())?;
    session
        .bind(config.bind_type, bind, now)
        .map_err(|e| e.to_string())?;
    let traffic = Traffic::new(
        config.text_mix.clone(),
        &config.source,
        &config.dest,
        config.dest_range,
        config.registered_delivery,
    )?;
    #[allow(clippy::cast_precision_loss)]
    let rate = if config.rate == 0 {
        0.0
    } else {
        config.rate as f64 / config.sessions as f64
    };
    let mut client = Client {
        shared,
        index,
        session,
        wire,
        traffic,
        phase: Phase::Binding,
        quota,
        rate,
        sending_since: now,
        pending_parts: VecDeque::new(),
        arena: Arena::new(),
        rng: Rng::new(0x9E37_79B9_7F4A_7C15 ^ index as u64),
        out,
        counted_done: false,
        closed: false,
    };
    client.run();
    client.done_sending();
    let mut out = client.out;
    if config.count.is_some() {
        out.unsent = client.quota.saturating_sub(out.messages);
    }
    Ok(out)
}

impl Client<'_> {
    fn run(&mut self) {
        loop {
            let now = Instant::now();
            if self.session.poll_timeout().is_some_and(|t| t <= now) {
                self.session.handle_timeout(now);
            }
            self.drain_events(now);
            self.advance(now);
            if self.phase == Phase::Sending {
                self.fill_window(now);
            }
            self.session.poll_transmit(&mut self.wire.output);
            if self.wire.flush().is_err() {
                self.session.connection_lost();
                self.drain_events(now);
            }
            if self.closed {
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

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    fn done_sending(&mut self) {
        if !self.counted_done {
            self.counted_done = true;
            self.shared.sending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Moves between phases; each phase has a deadline so the run always ends.
    fn advance(&mut self, now: Instant) {
        let config = &self.shared.config;
        match self.phase {
            Phase::Binding => {
                if self.stopped() {
                    self.out.failure = Some("stopped before the bind was answered".to_owned());
                    self.session.connection_lost();
                }
            }
            Phase::Sending => {
                let finished = self.out.messages >= self.quota && self.pending_parts.is_empty();
                let timed_out =
                    now.saturating_duration_since(self.sending_since) >= config.duration;
                if finished || timed_out || self.stopped() {
                    let limit = if self.stopped() {
                        STOP_DRAIN
                    } else {
                        config.response_timeout
                    };
                    self.phase = Phase::Draining(now + limit);
                    self.advance(now);
                }
            }
            Phase::Draining(deadline) => {
                let deadline = if self.stopped() {
                    deadline.min(now + STOP_DRAIN)
                } else {
                    deadline
                };
                if self.session.in_flight() == 0 || now >= deadline {
                    self.done_sending();
                    self.phase = if config.registered_delivery && !config.wait_receipts.is_zero() {
                        Phase::WaitingReceipts(now + config.wait_receipts)
                    } else {
                        Phase::Unbinding
                    };
                    self.advance(now);
                } else {
                    self.phase = Phase::Draining(deadline);
                }
            }
            Phase::WaitingReceipts(deadline) => {
                let all_in = self.shared.sending.load(Ordering::SeqCst) == 0
                    && self.shared.receipts_matched.load(Ordering::Relaxed)
                        >= self.shared.receipts_expected.load(Ordering::Relaxed);
                if all_in || now >= deadline || self.stopped() {
                    self.phase = Phase::Unbinding;
                    self.advance(now);
                }
            }
            Phase::Unbinding => {
                if self.session.state().is_bound() && self.session.unbind(now).is_err() {
                    self.session.connection_lost();
                }
            }
        }
    }

    fn fill_window(&mut self, now: Instant) {
        if !self.shared.config.bind_type.transmits() {
            return;
        }
        let allowed = if self.rate > 0.0 {
            let secs = now
                .saturating_duration_since(self.sending_since)
                .as_secs_f64();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let due = (secs * self.rate) as u64 + 1;
            due.min(self.quota)
        } else {
            self.quota
        };
        let tag = self.shared.ns(now);
        while self.session.has_window_room() {
            if self.pending_parts.is_empty() {
                if self.out.messages >= allowed {
                    break;
                }
                let index =
                    self.out.messages * self.shared.config.sessions as u64 + self.index as u64;
                self.traffic.next(
                    index,
                    &mut self.rng,
                    &mut self.arena,
                    &mut self.pending_parts,
                );
                self.out.messages += 1;
            }
            let Some(submit) = self.pending_parts.pop_front() else {
                break;
            };
            match self.session.submit(submit, tag, now) {
                Ok(_) => {
                    self.out.submitted += 1;
                    self.out.first_send.get_or_insert(tag);
                }
                Err(_) => break,
            }
        }
    }

    fn wait(&self, now: Instant) -> Duration {
        let mut wait = MAX_WAIT;
        if let Some(t) = self.session.poll_timeout() {
            wait = wait.min(t.saturating_duration_since(now));
        }
        if self.phase == Phase::Sending && self.rate > 0.0 && self.session.has_window_room() {
            wait = wait.min(Duration::from_secs_f64((1.0 / self.rate).max(0.001)));
        }
        wait
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Bound { .. } => {
                    self.out.bound = true;
                    self.phase = Phase::Sending;
                    self.sending_since = now;
                }
                Event::BindFailed(status) => {
                    self.out.failure = Some(format!("bind refused: {}", status_name(status)));
                }
                Event::Response {
                    tag,
                    request: CommandId::SUBMIT_SM,
                    pdu,
                    ..
                } => self.on_submit_resp(tag, pdu, now),
                Event::Response { .. } => {}
                Event::RequestTimedOut { .. } => self.out.timed_out += 1,
                Event::RequestAborted {
                    request: CommandId::SUBMIT_SM,
                    ..
                } => self.out.lost += 1,
                Event::RequestAborted { .. } => {}
                Event::RequestReceived(pdu) => self.on_request(pdu, now),
                Event::Closed(reason) => {
                    self.closed = true;
                    if self.out.failure.is_none() && self.phase != Phase::Unbinding {
                        self.out.failure = Some(format!("closed: {reason:?}"));
                    }
                }
                Event::OutbindReceived(_)
                | Event::AlertReceived(_)
                | Event::BindRequested { .. } => {}
            }
        }
    }

    fn on_submit_resp(&mut self, sent: u64, pdu: Pdu, now: Instant) {
        let at = self.shared.ns(now);
        self.out.last_response = self.out.last_response.max(at);
        self.out
            .resp_histogram
            .saturating_record(at.saturating_sub(sent) / 1000);
        if !pdu.command_status.is_ok() {
            *self.out.errors.entry(pdu.command_status.0).or_default() += 1;
            return;
        }
        self.out.acked += 1;
        self.shared.acked.fetch_add(1, Ordering::Relaxed);
        if !self.shared.config.registered_delivery {
            return;
        }
        let Body::SubmitSmResp(resp) = pdu.body else {
            return;
        };
        let Some(id) = resp.message_id.to_str() else {
            return;
        };
        self.shared
            .receipts_expected
            .fetch_add(1, Ordering::Relaxed);
        if let Some((sent, arrived)) = self.shared.matcher.submitted(id, sent) {
            self.record_receipt(arrived.saturating_sub(sent));
        }
    }

    fn record_receipt(&mut self, latency_ns: u64) {
        self.out.receipts_matched += 1;
        self.shared.receipts_matched.fetch_add(1, Ordering::Relaxed);
        self.out
            .receipt_histogram
            .saturating_record(latency_ns / 1000);
    }

    fn on_request(&mut self, pdu: Pdu, now: Instant) {
        let seq = pdu.sequence_number;
        let status = match &pdu.body {
            Body::DeliverSm(deliver) => {
                self.on_deliver(deliver, now);
                CommandStatus::ESME_ROK
            }
            _ => CommandStatus::ESME_RINVCMDID,
        };
        let _ = self.session.respond_status(seq, pdu.command_id(), status);
    }

    fn on_deliver(&mut self, deliver: &DeliverSm, now: Instant) {
        if deliver.esm_class & esm_class::TYPE_MASK != ESM_CLASS_DELIVERY_RECEIPT {
            self.out.mo_received += 1;
            return;
        }
        self.out.receipts += 1;
        let text = deliver
            .tlvs
            .message_payload()
            .map_or(deliver.short_message.as_bytes(), |p| &p[..]);
        let text = std::str::from_utf8(text).unwrap_or_default();
        let tlv_id = deliver
            .tlvs
            .receipted_message_id()
            .and_then(|id| std::str::from_utf8(id).ok());
        let receipt = Receipt::new(
            ReceiptText::parse(text),
            tlv_id,
            deliver.tlvs.message_state().map(|s| s.0),
        );
        let state = receipt.state.map_or("none", |s| s.stat());
        *self.out.receipt_states.entry(state).or_default() += 1;
        let Some(id) = receipt.message_id else {
            return;
        };
        let at = self.shared.ns(now);
        if let Some(sent) = self.shared.matcher.receipt(id, at) {
            self.record_receipt(at.saturating_sub(sent));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::session_system_id;

    #[test]
    fn a_system_id_list_spreads_sessions_in_turn() {
        let ids: Vec<&str> = (0..5).map(|i| session_system_id("a,b,c", i)).collect();
        assert_eq!(ids, ["a", "b", "c", "a", "b"]);
        assert_eq!(session_system_id("partner", 7), "partner");
    }
}
