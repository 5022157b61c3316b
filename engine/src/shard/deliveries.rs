//! Deliveries to partners: while a shard holds a bound receiver/transceiver session of a
//! server bind, a poller on that shard takes the core's queue for the bind (MO routed to the
//! partner, receipts of its submits) and hands each message to a session with window room,
//! round-robin, under the bind's TPS limit (each part counts). The session sends the
//! deliver_sm parts and reports `delivered` once every part is acknowledged, or `failed`
//! (temporary) on an error status, a timeout or a lost link.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use core_api::QueueItem;

use super::context::{Command, ShardContext};
use super::mailbox::MailboxSender;
use super::mt::report;
use super::server::ServerConnection;
use super::shared::ServerBindRuntime;
use crate::proto::concat::ConcatMode;
use crate::proto::{CommandStatus, DeliverSm};
use crate::translate::status::{partner_delivery_update, rejected_update, unanswered_update};
use crate::translate::{self, BindContext, MtOptions};

/// A bound session that can take deliveries, as the poller sees it.
#[derive(Debug)]
pub(crate) struct Receiver {
    pub(crate) id: u64,
    pub(crate) sender: MailboxSender<Command>,
    pub(crate) slots: Rc<Slots>,
}

/// Window accounting shared by a session and its bind's poller.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    /// Requests the session has in flight (set by the session).
    pub(crate) in_flight: Cell<usize>,
    /// Parts handed to the session and not yet sent (poller adds, session removes).
    pub(crate) reserved: Cell<usize>,
    /// The session's window size.
    pub(crate) capacity: Cell<usize>,
}

impl Slots {
    fn free(&self) -> usize {
        self.capacity
            .get()
            .saturating_sub(self.in_flight.get() + self.reserved.get())
    }
}

/// One message being delivered by a session.
#[derive(Debug)]
pub(crate) struct Delivery {
    core_id: String,
    parts: usize,
    answered: usize,
    failure: Option<CommandStatus>,
}

/// The receivers of each server bind on this shard.
pub(crate) type Receivers = HashMap<String, Vec<Receiver>>;

impl ShardContext {
    /// Adds a bound receiver/transceiver session; starts the bind's poller if it is the first.
    pub(crate) fn add_receiver(self: &Rc<Self>, bind: &Arc<ServerBindRuntime>, receiver: Receiver) {
        let first = {
            let mut receivers = self.receivers.borrow_mut();
            let list = receivers.entry(bind.config.name.clone()).or_default();
            list.push(receiver);
            list.len() == 1
        };
        // The borrow ends before the poller starts: it reads the same map.
        if first {
            glommio::spawn_local(poll_deliveries(Rc::clone(self), Arc::clone(bind))).detach();
        }
    }

    /// Removes a session's entry.
    pub(crate) fn remove_receiver(&self, bind_name: &str, id: u64) {
        if let Some(list) = self.receivers.borrow_mut().get_mut(bind_name) {
            list.retain(|r| r.id != id);
        }
    }
}

fn concat_mode(concatenation: smpp_config::Concatenation) -> ConcatMode {
    match concatenation {
        smpp_config::Concatenation::Udh8 => ConcatMode::Udh8,
        smpp_config::Concatenation::Udh16 => ConcatMode::Udh16,
        smpp_config::Concatenation::Sar => ConcatMode::Sar,
        smpp_config::Concatenation::Payload => ConcatMode::MessagePayload,
    }
}

/// The poller of one server bind on one shard; ends when the shard has no receiver of it.
async fn poll_deliveries(ctx: Rc<ShardContext>, bind: Arc<ServerBindRuntime>) {
    let name = bind.config.name.clone();
    let mut reference: u16 = 0;
    let mut next_turn = 0usize;
    loop {
        if ctx.shared.stopping() {
            return;
        }
        let free: usize = match ctx.receivers.borrow().get(&name) {
            Some(list) if !list.is_empty() => list.iter().map(|r| r.slots.free()).sum(),
            _ => return,
        };
        if free == 0 {
            glommio::timer::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let per_second = usize::try_from(bind.config.tps_limit).unwrap_or(usize::MAX);
        let limit = u32::try_from(free.min(per_second).max(1)).unwrap_or(1);
        let items = match ctx.core.get_queue(&name, limit).await {
            Ok(items) => items,
            Err(_) => {
                glommio::timer::sleep(bind.config.queue_check_frequency).await;
                continue;
            }
        };
        let count = items.len();
        for item in items {
            reference = reference.wrapping_add(1);
            hand_out(&ctx, &bind, item, reference, &mut next_turn).await;
        }
        let pause = if count >= limit as usize {
            Duration::ZERO
        } else if count > 0 {
            ctx.shared.config.smpp_poll_interval
        } else {
            bind.config.queue_check_frequency
        };
        if !pause.is_zero() {
            glommio::timer::sleep(pause).await;
        }
    }
}

/// Translates one item, waits for its TPS budget and gives it to a session with room.
async fn hand_out(
    ctx: &Rc<ShardContext>,
    bind: &Arc<ServerBindRuntime>,
    item: QueueItem,
    reference: u16,
    next_turn: &mut usize,
) {
    let name = &bind.config.name;
    let context = BindContext {
        bind_name: name,
        smsc_name: &ctx.shared.config.smsc_name,
        now: SystemTime::now(),
    };
    let options = MtOptions::new(concat_mode(bind.config.concatenation), reference);
    let parts = match translate::partner_delivery(&item, &options, SystemTime::now()) {
        Ok(parts) if !parts.is_empty() => parts,
        Ok(_) => return,
        Err(error) => {
            log::warn!("{name}: message {} cannot be delivered: {error}", item.id);
            report(ctx, name, item.id, rejected_update(&error, &context));
            return;
        }
    };
    let units = u32::try_from(parts.len()).unwrap_or(u32::MAX);
    while let Err(wait) = bind.deliver_limiter.try_acquire(units, Instant::now()) {
        bind.stats.add_throttled(1);
        glommio::timer::sleep(wait).await;
    }
    // Round-robin over the sessions with room for every part.
    let chosen = {
        let receivers = ctx.receivers.borrow();
        receivers.get(name.as_str()).and_then(|list| {
            let n = list.len();
            (0..n)
                .map(|i| (*next_turn + i) % n.max(1))
                .find(|&i| list.get(i).is_some_and(|r| r.slots.free() >= parts.len()))
                .and_then(|i| {
                    *next_turn = i + 1;
                    list.get(i).map(|r| (r.sender.clone(), Rc::clone(&r.slots)))
                })
        })
    };
    let Some((sender, slots)) = chosen else {
        // Every session is full or gone: give it back for a later poll.
        report(ctx, name, item.id, unanswered_update(parts.len(), &context));
        return;
    };
    slots.reserved.set(slots.reserved.get() + parts.len());
    let count = parts.len();
    if let Err(Command::Deliver { core_id, .. }) = sender.send(Command::Deliver {
        core_id: item.id,
        parts,
    }) {
        slots
            .reserved
            .set(slots.reserved.get().saturating_sub(count));
        report(ctx, name, core_id, unanswered_update(count, &context));
    }
}

impl ServerConnection {
    /// Sends the parts of one message handed out by the poller.
    pub(super) fn on_deliver(&mut self, core_id: String, parts: Vec<DeliverSm>) {
        let count = parts.len();
        self.slots
            .reserved
            .set(self.slots.reserved.get().saturating_sub(count));
        let key = self.next_delivery;
        self.next_delivery += 1;
        let now = Instant::now();
        let mut sent = 0;
        for (index, sm) in parts.into_iter().enumerate() {
            let tag = (key << 8) | u64::try_from(index & 0xFF).unwrap_or(0);
            if self.session.deliver(sm, tag, now).is_err() {
                break;
            }
            sent += 1;
        }
        if sent == 0 {
            self.report_delivery(core_id, None);
            return;
        }
        self.deliveries.insert(
            key,
            Delivery {
                core_id,
                parts: sent,
                answered: 0,
                failure: (sent < count).then_some(CommandStatus::ESME_RSYSERR),
            },
        );
    }

    /// A deliver_sm_resp (or nack) for a part.
    pub(super) fn on_delivery_response(&mut self, tag: u64, status: CommandStatus) {
        let key = tag >> 8;
        let Some(delivery) = self.deliveries.get_mut(&key) else {
            return;
        };
        delivery.answered += 1;
        if !status.is_ok() && delivery.failure.is_none() {
            delivery.failure = Some(status);
        }
        if delivery.answered < delivery.parts {
            return;
        }
        if let Some(delivery) = self.deliveries.remove(&key) {
            let status = delivery.failure.unwrap_or(CommandStatus::ESME_ROK);
            self.report_delivery(delivery.core_id, Some(status));
        }
    }

    /// A part got no answer: the whole message is reported failed (temporary) once.
    pub(super) fn on_delivery_unanswered(&mut self, tag: u64) {
        if let Some(delivery) = self.deliveries.remove(&(tag >> 8)) {
            self.report_delivery(delivery.core_id, None);
        }
    }

    /// Reports every message still being delivered as failed (the session ended).
    pub(super) fn fail_deliveries(&mut self) {
        let pending: Vec<Delivery> = self.deliveries.drain().map(|(_, d)| d).collect();
        for delivery in pending {
            self.report_delivery(delivery.core_id, None);
        }
    }

    fn report_delivery(&self, core_id: String, status: Option<CommandStatus>) {
        let Some(bind) = &self.bind else {
            return;
        };
        if status.is_some_and(CommandStatus::is_ok) {
            bind.stats.add_sent(1);
        } else {
            bind.stats.add_delivery_failures(1);
        }
        let context = BindContext {
            bind_name: &bind.config.name,
            smsc_name: &self.ctx.shared.config.smsc_name,
            now: SystemTime::now(),
        };
        let update = partner_delivery_update(status, &context);
        report(&self.ctx, &bind.config.name, core_id, update);
    }
}
