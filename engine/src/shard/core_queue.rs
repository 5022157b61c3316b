//! The shard's queue of core calls: inserts and delivery status updates made by any
//! connection of the shard wait here, and one flush task hands all that are waiting to the
//! core pool as one job ([`Job::InsertEach`] / [`Job::StatusEach`]), then hands each answer to
//! its waiter (`core_waiters`).
//!
//! This replaces a task, a oneshot channel and a pool job per message with a push onto a
//! `Vec`: under load one job carries up to [`MAX_BATCH`] messages (one batch HTTP call when
//! the core advertises it). Nothing waits to fill a batch: the first message schedules a flush,
//! which runs as soon as the current task yields, so at low load a message goes out alone
//! right away. At most [`MAX_IN_FLIGHT`] jobs of each kind per shard are at the pool at once
//! (more when the core takes no batches, so that one-by-one calls still use every worker),
//! and the second only once [`MIN_SECOND_BATCH`] messages wait; what arrives meanwhile makes
//! the next job bigger rather than waking more workers.
//!
//! Each flush is a counted core call (`ShardContext::spawn_core_call`), so a stopping shard
//! waits for the answers as before.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::SystemTime;

use core_api::{BatchStatusUpdate, DeliveryStatusUpdate, InsertMessage};

use super::context::ShardContext;
use super::core_waiters::{InsertWaiter, StatusWaiter};
use crate::coreclient::{CoreError, Job, Reply};

/// Most messages in one job when the core takes batches.
pub(crate) const MAX_BATCH: usize = 256;
/// Most messages in one job when it will make one call per message (no batch endpoint): keeps
/// the calls spread over the pool's workers.
const SINGLES_PER_JOB: usize = 8;
/// Jobs of one kind a shard has at the pool at once when the core takes batches.
pub(crate) const MAX_IN_FLIGHT: usize = 2;
/// With a batch job already at the pool, a second one goes only once this many messages
/// wait: fewer ride with the next job when the first comes back. A second call for one or
/// two messages cost a worker wake-up and an HTTP round trip each, and under load most of
/// the calls were such stragglers.
pub(crate) const MIN_SECOND_BATCH: usize = 32;
/// The same without batches: each job makes its calls one after another on one worker, so
/// more jobs are let out to keep every worker of the pool (8 by default) busy with a slow core.
const SINGLE_JOBS_IN_FLIGHT: usize = 16;

/// One shard's waiting core calls (see the module doc).
#[derive(Default)]
pub(crate) struct CoreQueue {
    inserts: RefCell<Vec<InsertMessage>>,
    insert_waiters: RefCell<Vec<InsertWaiter>>,
    insert_flow: Flow,
    statuses: RefCell<Vec<BatchStatusUpdate>>,
    status_waiters: RefCell<Vec<StatusWaiter>>,
    status_flow: Flow,
    /// Bind names shared by the status waiters that log under them.
    names: RefCell<HashMap<String, Rc<str>>>,
}

impl std::fmt::Debug for CoreQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreQueue")
            .field("inserts", &self.inserts.borrow().len())
            .field("statuses", &self.statuses.borrow().len())
            .finish_non_exhaustive()
    }
}

/// The flush state of one kind.
#[derive(Debug, Default)]
struct Flow {
    /// A flush task is spawned and has not yet taken its batch.
    scheduled: Cell<bool>,
    /// Jobs at the pool.
    in_flight: Cell<usize>,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Insert,
    Status,
}

impl CoreQueue {
    fn flow(&self, kind: Kind) -> &Flow {
        match kind {
            Kind::Insert => &self.insert_flow,
            Kind::Status => &self.status_flow,
        }
    }

    fn waiting(&self, kind: Kind) -> usize {
        match kind {
            Kind::Insert => self.inserts.borrow().len(),
            Kind::Status => self.statuses.borrow().len(),
        }
    }
}

/// Queues an insert; `waiter` gets the core's answer (or the cache's, see `InsertWaiter`).
pub(crate) fn insert(ctx: &Rc<ShardContext>, message: InsertMessage, waiter: InsertWaiter) {
    if waiter.caching_bind().is_some() {
        let down = ctx
            .shared
            .caches
            .shard(ctx.index)
            .is_some_and(|shard| shard.core_known_down(SystemTime::now()));
        if down {
            // The core failed a moment ago: straight to the cache, no time-out per message.
            waiter.store_then_answer(ctx, message, None);
            return;
        }
    }
    let queue = &ctx.core_queue;
    queue.inserts.borrow_mut().push(message);
    queue.insert_waiters.borrow_mut().push(waiter);
    schedule(ctx, Kind::Insert);
}

/// Queues a delivery status update of core message `id`.
pub(crate) fn status(
    ctx: &Rc<ShardContext>,
    id: String,
    update: DeliveryStatusUpdate,
    waiter: StatusWaiter,
) {
    let queue = &ctx.core_queue;
    queue
        .statuses
        .borrow_mut()
        .push(BatchStatusUpdate { id, update });
    queue.status_waiters.borrow_mut().push(waiter);
    schedule(ctx, Kind::Status);
}

/// The shard's shared copy of bind name `name` (no allocation once known).
pub(crate) fn bind_name(ctx: &ShardContext, name: &str) -> Rc<str> {
    let mut names = ctx.core_queue.names.borrow_mut();
    if let Some(shared) = names.get(name) {
        return Rc::clone(shared);
    }
    let shared: Rc<str> = Rc::from(name);
    names.insert(name.to_owned(), Rc::clone(&shared));
    shared
}

/// Spawns a flush of `kind` when [`flush_due`] says so.
fn schedule(ctx: &Rc<ShardContext>, kind: Kind) {
    let queue = &ctx.core_queue;
    let flow = queue.flow(kind);
    let due = flush_due(
        ctx.core.supports_batch(),
        flow.scheduled.get(),
        flow.in_flight.get(),
        queue.waiting(kind),
    );
    if !due {
        return;
    }
    flow.scheduled.set(true);
    let shard = Rc::clone(ctx);
    ctx.spawn_core_call(async move {
        match kind {
            Kind::Insert => flush_inserts(shard).await,
            Kind::Status => flush_statuses(shard).await,
        }
    });
}

/// Whether a new flush should start: something waits, none is scheduled, the pool holds fewer
/// than the limit of this shard's jobs of the kind, and a second batch job would not carry
/// fewer than [`MIN_SECOND_BATCH`] messages.
fn flush_due(batch: bool, scheduled: bool, in_flight: usize, waiting: usize) -> bool {
    let limit = if batch {
        MAX_IN_FLIGHT
    } else {
        SINGLE_JOBS_IN_FLIGHT
    };
    let straggler = batch && in_flight > 0 && waiting < MIN_SECOND_BATCH;
    waiting > 0 && !scheduled && in_flight < limit && !straggler
}

/// How many messages the next job takes.
fn job_size(ctx: &ShardContext) -> usize {
    if ctx.core.supports_batch() {
        MAX_BATCH
    } else {
        SINGLES_PER_JOB
    }
}

/// Takes the first `limit` items of `items` and of their `waiters`.
fn take<T, W>(
    items: &RefCell<Vec<T>>,
    waiters: &RefCell<Vec<W>>,
    limit: usize,
) -> (Vec<T>, Vec<W>) {
    let mut items = items.borrow_mut();
    let mut waiters = waiters.borrow_mut();
    if items.len() <= limit {
        let capacity = items.len();
        (
            std::mem::replace(&mut *items, Vec::with_capacity(capacity)),
            std::mem::replace(&mut *waiters, Vec::with_capacity(capacity)),
        )
    } else {
        (
            items.drain(..limit).collect(),
            waiters.drain(..limit).collect(),
        )
    }
}

/// Sends one job of `kind` to the pool, counted in flight while it is there; what is left in
/// the queue goes out in parallel meanwhile.
async fn dispatch(ctx: &Rc<ShardContext>, kind: Kind, job: Job) -> Result<Reply, CoreError> {
    let flow = ctx.core_queue.flow(kind);
    flow.in_flight.set(flow.in_flight.get() + 1);
    schedule(ctx, kind);
    let reply = ctx.core.submit(job).await;
    flow.in_flight.set(flow.in_flight.get().saturating_sub(1));
    reply
}

async fn flush_inserts(ctx: Rc<ShardContext>) {
    let queue = &ctx.core_queue;
    queue.insert_flow.scheduled.set(false);
    let (messages, waiters) = take(&queue.inserts, &queue.insert_waiters, job_size(&ctx));
    if messages.is_empty() {
        return;
    }
    let count = messages.len();
    match dispatch(&ctx, Kind::Insert, Job::InsertEach(messages)).await {
        Ok(Reply::InsertEach { messages, results })
            if messages.len() == count && results.len() == count =>
        {
            for ((waiter, message), result) in waiters.into_iter().zip(messages).zip(results) {
                waiter.complete(&ctx, Some(message), result);
            }
        }
        other => {
            let error = whole_failure(other);
            for waiter in waiters {
                waiter.complete(&ctx, None, Err(error.clone()));
            }
        }
    }
    schedule(&ctx, Kind::Insert);
}

async fn flush_statuses(ctx: Rc<ShardContext>) {
    let queue = &ctx.core_queue;
    queue.status_flow.scheduled.set(false);
    let (updates, waiters) = take(&queue.statuses, &queue.status_waiters, job_size(&ctx));
    if updates.is_empty() {
        return;
    }
    let count = updates.len();
    match dispatch(&ctx, Kind::Status, Job::StatusEach(updates)).await {
        Ok(Reply::StatusEach { updates, results })
            if updates.len() == count && results.len() == count =>
        {
            for ((waiter, update), result) in waiters.into_iter().zip(updates).zip(results) {
                waiter.complete(update.id, result);
            }
        }
        other => {
            // The updates did not come back (cannot happen with this pool): no id to name.
            let error = whole_failure(other);
            for waiter in waiters {
                waiter.complete(String::from("?"), Err(error.clone()));
            }
        }
    }
    schedule(&ctx, Kind::Status);
}

/// The error every waiter gets when the job's answer is not one result per message.
fn whole_failure(reply: Result<Reply, CoreError>) -> CoreError {
    match reply {
        Err(error) => error,
        Ok(other) => CoreError::Other {
            detail: format!(
                "internal: unexpected {} reply to a queued batch",
                other.name()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_queue_sends_its_first_message_at_once() {
        assert!(flush_due(true, false, 0, 1));
        assert!(flush_due(false, false, 0, 1));
        assert!(!flush_due(true, false, 0, 0), "nothing waits");
        assert!(!flush_due(true, true, 0, 5), "a flush is already scheduled");
    }

    #[test]
    fn a_second_batch_job_waits_for_enough_messages() {
        assert!(!flush_due(true, false, 1, 1));
        assert!(!flush_due(true, false, 1, MIN_SECOND_BATCH - 1));
        assert!(flush_due(true, false, 1, MIN_SECOND_BATCH));
        assert!(!flush_due(true, false, MAX_IN_FLIGHT, 10 * MAX_BATCH));
    }

    #[test]
    fn without_batches_calls_spread_over_the_workers() {
        assert!(flush_due(false, false, 1, 1));
        assert!(flush_due(false, false, SINGLE_JOBS_IN_FLIGHT - 1, 1));
        assert!(!flush_due(false, false, SINGLE_JOBS_IN_FLIGHT, 100));
    }
}
