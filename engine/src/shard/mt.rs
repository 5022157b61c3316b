//! MT on a client bind: poll the core's queue, split items into submit_sm parts, send them
//! under the TPS limit and the window, and report each message once its last part is answered.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use core_api::{DeliveryStatusUpdate, QueueItem};

use super::client::{ClientConnection, ClientMsg};
use super::context::ShardContext;
use super::core_waiters::StatusWaiter;
use super::idmap::MappedPart;
use super::shared::ClientBindRuntime;
use crate::coreclient::CoreError;
use crate::proto::concat::ConcatMode;
use crate::proto::{Body, CommandStatus, Pdu, SubmitSm};
use crate::translate::status::{rejected_update, submit_update, unanswered_update, PartResponse};
use crate::translate::{self, BindContext, MtOptions};

/// First pause after the carrier throttles us (0x58/0x14); doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// One queue item on its way to the carrier.
#[derive(Debug)]
struct MtMessage {
    core_id: String,
    responses: Vec<Option<PartResponse>>,
    answered: usize,
}

/// The MT pipeline of a client bind; survives reconnects (the reference counter and rng do).
#[derive(Debug)]
pub(crate) struct MtState {
    poll_in_flight: bool,
    next_poll: Instant,
    poll_limit: u32,
    paused_until: Option<Instant>,
    pause: Duration,
    tps_wait_until: Option<Instant>,
    outbox: VecDeque<(u64, SubmitSm)>,
    messages: HashMap<u64, MtMessage>,
    next_key: u64,
    reference: u16,
    pub(crate) rng: u64,
}

impl MtState {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            poll_in_flight: false,
            next_poll: Instant::now(),
            poll_limit: 1,
            paused_until: None,
            pause: FIRST_PAUSE,
            tps_wait_until: None,
            outbox: VecDeque::new(),
            messages: HashMap::new(),
            next_key: 1,
            // The concatenation reference starts somewhere else after each start.
            reference: u16::try_from(seed % 65_536).unwrap_or(0),
            rng: seed,
        }
    }

    /// Reports every message not fully answered as failed (temporary): the core sends it
    /// again. Called when the session ended.
    pub(crate) fn fail_all_unsent(
        &mut self,
        ctx: &Rc<ShardContext>,
        bind: &Arc<ClientBindRuntime>,
    ) {
        self.outbox.clear();
        self.poll_in_flight = false;
        self.tps_wait_until = None;
        let context = BindContext {
            bind_name: &bind.config.name,
            smsc_name: &ctx.shared.config.smsc_name,
            now: SystemTime::now(),
        };
        for (_, message) in self.messages.drain() {
            bind.stats.add_delivery_failures(1);
            let update = unanswered_update(message.responses.len(), &context);
            report(ctx, &bind.config.name, message.core_id, update);
        }
    }
}

fn tag_of(key: u64, part: usize) -> u64 {
    (key << 8) | u64::try_from(part & 0xFF).unwrap_or(0)
}

fn concat_mode(concatenation: smpp_config::Concatenation) -> ConcatMode {
    match concatenation {
        smpp_config::Concatenation::Udh8 => ConcatMode::Udh8,
        smpp_config::Concatenation::Udh16 => ConcatMode::Udh16,
        smpp_config::Concatenation::Sar => ConcatMode::Sar,
        smpp_config::Concatenation::Payload => ConcatMode::MessagePayload,
    }
}

/// Sends `update` for core message `id`; a failure is logged (the lease lapses and the core
/// offers the message again).
pub(super) fn report(
    ctx: &Rc<ShardContext>,
    bind_name: &str,
    id: String,
    update: DeliveryStatusUpdate,
) {
    let waiter = StatusWaiter::Report {
        bind_name: super::core_queue::bind_name(ctx, bind_name),
    };
    super::core_queue::status(ctx, id, update, waiter);
}

impl ClientConnection {
    /// When the MT pipeline next needs a turn (poll due, TPS budget back, pause over).
    pub(super) fn mt_deadline(&self, now: Instant) -> Option<Instant> {
        if !self.session.state().is_bound() || !self.transmits || self.unbinding {
            return None;
        }
        let mt = &self.mt;
        let mut next: Option<Instant> = mt.tps_wait_until;
        if let Some(paused) = mt.paused_until {
            next = Some(next.map_or(paused, |n| n.min(paused)));
        } else if !mt.poll_in_flight && mt.outbox.is_empty() && mt.next_poll > now {
            next = Some(next.map_or(mt.next_poll, |n| n.min(mt.next_poll)));
        }
        next
    }

    /// Sends what the window and the TPS budget allow, then polls the queue if it is time.
    pub(super) fn pump_mt(&mut self, now: Instant) {
        if !self.session.state().is_bound() || !self.transmits || self.unbinding {
            return;
        }
        if let Some(paused) = self.mt.paused_until {
            if now < paused {
                return;
            }
            self.mt.paused_until = None;
        }
        self.mt.tps_wait_until = None;
        while self.session.has_window_room() {
            let Some((tag, _)) = self.mt.outbox.front() else {
                break;
            };
            let tag = *tag;
            if let Err(wait) = self.bind.limiter.try_acquire(1, now) {
                self.mt.tps_wait_until = Some(now + wait);
                break;
            }
            let Some((_, sm)) = self.mt.outbox.pop_front() else {
                break;
            };
            if self.session.submit(sm, tag, now).is_err() {
                // Not allowed any more (closing): the close reports the message.
                break;
            }
        }
        let room = self
            .session
            .window_capacity()
            .saturating_sub(self.session.in_flight() + self.mt.outbox.len());
        if self.mt.poll_in_flight
            || now < self.mt.next_poll
            || room == 0
            || !self.mt.outbox.is_empty()
        {
            return;
        }
        // Ask for what can go out within about a second: leased items must not wait long.
        let per_second = usize::try_from(self.bind.config.tps_limit).unwrap_or(usize::MAX);
        let limit = u32::try_from(room.min(per_second).max(1)).unwrap_or(1);
        self.mt.poll_in_flight = true;
        let ctx = Rc::clone(&self.ctx);
        let mailbox = self.mailbox.sender();
        let name = self.bind.config.name.clone();
        self.mt.poll_limit = limit;
        self.ctx.spawn_core_call(async move {
            let result = ctx.core.get_queue(&name, limit).await;
            if let Err(ClientMsg::Queue(Ok(items))) = mailbox.send(ClientMsg::Queue(result)) {
                // The session ended meanwhile: hand the items back (failed, temporary) rather
                // than leave them leased to nobody until the lease lapses.
                let context = BindContext {
                    bind_name: &name,
                    smsc_name: &ctx.shared.config.smsc_name,
                    now: SystemTime::now(),
                };
                for item in items {
                    report(&ctx, &name, item.id, unanswered_update(1, &context));
                }
            }
        });
    }

    /// The queue poll's answer: split the items into parts and queue them for sending.
    pub(super) fn on_queue(&mut self, result: Result<Vec<QueueItem>, CoreError>, now: Instant) {
        self.mt.poll_in_flight = false;
        log::debug!(
            "{}: queue poll answered: {:?}",
            self.bind.config.name,
            result.as_ref().map(Vec::len)
        );
        let frequency = self.bind.config.queue_check_frequency;
        let items = match result {
            Ok(items) => items,
            Err(_) => {
                // The pool logs the failure; try again after the normal interval.
                self.mt.next_poll = now + frequency;
                return;
            }
        };
        // A full page means more is waiting: ask again as soon as there is room; a partial
        // one, after the short poll interval; an empty one, after queue_check_frequency.
        let full = u32::try_from(items.len()).unwrap_or(u32::MAX) >= self.mt.poll_limit;
        self.mt.next_poll = if full {
            now
        } else if items.is_empty() {
            now + frequency
        } else {
            now + self.ctx.shared.config.smpp_poll_interval
        };
        if self.unbinding || !self.session.state().is_bound() {
            self.fail_items(&items);
            return;
        }
        for item in items {
            self.queue_item(item);
        }
        self.pump_mt(now);
    }

    fn queue_item(&mut self, item: QueueItem) {
        let options = MtOptions::new(
            concat_mode(self.bind.config.concatenation),
            self.mt.reference,
        );
        self.mt.reference = self.mt.reference.wrapping_add(1);
        match translate::mt(&item, &options) {
            Ok(parts) if !parts.is_empty() => {
                let key = self.mt.next_key;
                self.mt.next_key += 1;
                self.mt.messages.insert(
                    key,
                    MtMessage {
                        core_id: item.id,
                        responses: vec![None; parts.len()],
                        answered: 0,
                    },
                );
                for (index, sm) in parts.into_iter().enumerate() {
                    self.mt.outbox.push_back((tag_of(key, index), sm));
                }
            }
            Ok(_) => {}
            Err(error) => {
                log::warn!(
                    "{}: message {} cannot be sent: {error}",
                    self.bind.config.name,
                    item.id
                );
                self.bind.stats.add_delivery_failures(1);
                let update = rejected_update(&error, &self.bind_context());
                report(&self.ctx, &self.bind.config.name, item.id, update);
            }
        }
    }

    /// Items leased but never started: reported failed (temporary) so they come back at once.
    pub(super) fn fail_items(&self, items: &[QueueItem]) {
        for item in items {
            let update = unanswered_update(1, &self.bind_context());
            report(&self.ctx, &self.bind.config.name, item.id.clone(), update);
        }
    }

    /// A part's submit_sm_resp (or generic_nack).
    pub(super) fn on_submit_response(&mut self, tag: u64, pdu: &Pdu) {
        let status = pdu.command_status;
        let message_id = match &pdu.body {
            Body::SubmitSmResp(resp) => resp.message_id.to_string_lossy().into_owned(),
            _ => String::new(),
        };
        if status.is_ok() {
            self.bind.stats.add_sent(1);
            self.mt.pause = FIRST_PAUSE;
        } else {
            self.bind.stats.add_delivery_failures(1);
            if matches!(
                status,
                CommandStatus::ESME_RTHROTTLED | CommandStatus::ESME_RMSGQFUL
            ) {
                let now = Instant::now();
                self.mt.paused_until = Some(now + self.mt.pause);
                log::info!(
                    "{}: carrier answered {status}; pausing submits for {:?}",
                    self.bind.config.name,
                    self.mt.pause
                );
                self.mt.pause = (self.mt.pause * 2).min(MAX_PAUSE);
            }
        }
        self.record_part(tag, PartResponse { status, message_id });
    }

    /// A part that got no answer (timeout or lost link).
    pub(super) fn on_submit_unanswered(&mut self, tag: u64) {
        self.bind.stats.add_delivery_failures(1);
        let key = tag >> 8;
        log::debug!("{}: submit {tag:#x} unanswered", self.bind.config.name);
        if let Some(message) = self.mt.messages.remove(&key) {
            // Its other parts may still be queued: drop them, the message is resent whole.
            self.mt.outbox.retain(|(t, _)| t >> 8 != key);
            let update = unanswered_update(message.responses.len(), &self.bind_context());
            report(&self.ctx, &self.bind.config.name, message.core_id, update);
        }
    }

    fn record_part(&mut self, tag: u64, response: PartResponse) {
        let key = tag >> 8;
        let index = usize::try_from(tag & 0xFF).unwrap_or(0);
        let Some(message) = self.mt.messages.get_mut(&key) else {
            return;
        };
        let parts = message.responses.len();
        if response.status.is_ok() && !response.message_id.is_empty() {
            let mapped = MappedPart {
                core_id: Rc::from(message.core_id.as_str()),
                part: u8::try_from(index + 1).unwrap_or(u8::MAX),
                parts: u8::try_from(parts).unwrap_or(u8::MAX),
            };
            if let Some(store) = &self.ctx.receipts {
                store.record(
                    &response.message_id,
                    crate::store::CoreRef {
                        core_id: message.core_id.clone(),
                        part: mapped.part,
                        parts: mapped.parts,
                    },
                );
            }
            self.idmap
                .borrow_mut()
                .insert(&response.message_id, mapped, Instant::now());
        }
        if let Some(slot) = message.responses.get_mut(index) {
            if slot.is_none() {
                message.answered += 1;
            }
            *slot = Some(response);
        }
        if message.answered < parts {
            return;
        }
        let Some(message) = self.mt.messages.remove(&key) else {
            return;
        };
        let responses: Vec<PartResponse> = message.responses.into_iter().flatten().collect();
        let update = submit_update(&responses, &self.bind_context());
        report(&self.ctx, &self.bind.config.name, message.core_id, update);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_carry_message_and_part() {
        let tag = tag_of(12345, 7);
        assert_eq!(tag >> 8, 12345);
        assert_eq!(tag & 0xFF, 7);
    }
}
