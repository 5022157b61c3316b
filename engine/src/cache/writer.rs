//! Group commit: one thread per shard owns the durable write path of new records.
//!
//! A store allocates the local id at once, then queues the record. The writer takes the
//! first waiting record, gathers more for up to `gather` (or `max_batch` records), writes them
//! in one batch together with the counter high-water mark and any overflow deletions, calls
//! `persist(SyncData)` once, and only then adds them to the index (so a flush never sends a
//! record that is not durable) and resolves every waiter. If the batch cannot be made durable
//! every waiter gets [`CacheError::NotDurable`] and the batch's records are taken out again.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use core_api::InsertMessage;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};
use fjall::PersistMode;
use futures_channel::oneshot;

use super::index::Entry;
use super::partition::{unix_ms, MessageCache, Store};
use super::record::{record_key, MessageState, StateRecord, NEXT_COUNTER_KEY};
use super::stats::CacheStats;
use super::CacheError;

/// Called before each persist; an error fails the batch as a failed fsync would (fault
/// injection for tests, or a free-space guard).
pub type PersistHook = Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// How the writer batches.
#[derive(Clone)]
pub struct WriterOptions {
    /// Most records per batch (one persist each).
    pub max_batch: usize,
    /// How long to wait for more records after the first one of a batch (0: take only what
    /// is already queued; batches still grow under load while a persist runs).
    pub gather: Duration,
    /// Capacity of the queue in front of the writer (a full queue makes stores wait).
    pub queue_capacity: usize,
    /// See [`PersistHook`].
    pub before_persist: Option<PersistHook>,
}

impl Default for WriterOptions {
    /// 4096 records or 1 ms per batch, a queue of 65536.
    fn default() -> Self {
        WriterOptions {
            max_batch: 4096,
            gather: Duration::from_millis(1),
            queue_capacity: 65_536,
            before_persist: None,
        }
    }
}

impl std::fmt::Debug for WriterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterOptions")
            .field("max_batch", &self.max_batch)
            .field("gather", &self.gather)
            .field("queue_capacity", &self.queue_capacity)
            .field("before_persist", &self.before_persist.is_some())
            .finish()
    }
}

type StoreResult = Result<i64, CacheError>;

struct StoreRequest {
    counter: u64,
    bind: Box<str>,
    body: Vec<u8>,
    created_ms: u64,
    reply: oneshot::Sender<StoreResult>,
}

/// The handle stores go through; cheap to clone, usable from any thread or executor. The
/// writer thread stops once every handle is dropped (after finishing what is queued).
#[derive(Clone)]
pub struct CacheWriter {
    requests: Sender<StoreRequest>,
    cache: MessageCache,
}

impl std::fmt::Debug for CacheWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheWriter")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// The answer to a store: the local id once the record is durable, or why it is not. Await it
/// from any executor (while the writer's queue is full it yields and tries again).
#[must_use = "the record is only durable once this resolves to Ok"]
pub struct StoreFuture {
    state: FutureState,
}

enum FutureState {
    Queueing {
        request: Option<StoreRequest>,
        requests: Sender<StoreRequest>,
        reply: oneshot::Receiver<StoreResult>,
    },
    Waiting(oneshot::Receiver<StoreResult>),
    Done(Option<CacheError>),
}

impl std::fmt::Debug for StoreFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreFuture").finish_non_exhaustive()
    }
}

impl StoreFuture {
    /// A store that fails at once with [`CacheError::WriterStopped`] (the writer is shut
    /// down).
    pub(crate) fn stopped() -> StoreFuture {
        StoreFuture {
            state: FutureState::Done(None),
        }
    }
}

impl Future for StoreFuture {
    type Output = StoreResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StoreResult> {
        if let FutureState::Queueing {
            request, requests, ..
        } = &mut self.state
        {
            let Some(pending) = request.take() else {
                return Poll::Ready(Err(CacheError::WriterStopped));
            };
            match requests.try_send(pending) {
                Ok(()) => {
                    let state = std::mem::replace(&mut self.state, FutureState::Done(None));
                    if let FutureState::Queueing { reply, .. } = state {
                        self.state = FutureState::Waiting(reply);
                    }
                }
                Err(TrySendError::Full(back)) => {
                    // Back-pressure: yield to the executor and try again.
                    *request = Some(back);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.state = FutureState::Done(None);
                    return Poll::Ready(Err(CacheError::WriterStopped));
                }
            }
        }
        match &mut self.state {
            FutureState::Waiting(reply) => Pin::new(reply)
                .poll(cx)
                .map(|answer| answer.unwrap_or(Err(CacheError::WriterStopped))),
            FutureState::Done(error) => {
                Poll::Ready(Err(error.take().unwrap_or(CacheError::WriterStopped)))
            }
            FutureState::Queueing { .. } => Poll::Ready(Err(CacheError::WriterStopped)),
        }
    }
}

/// The writer thread; [`WriterThread::join`] waits for it after the last [`CacheWriter`] is
/// dropped.
#[derive(Debug)]
pub struct WriterThread {
    handle: JoinHandle<()>,
}

impl WriterThread {
    /// Waits for the writer to finish the queued stores and stop.
    pub fn join(self) {
        if self.handle.join().is_err() {
            log::error!("cache writer thread panicked");
        }
    }
}

impl CacheWriter {
    /// Starts the group-commit writer of `cache` (a thread named `cache-writer-<shard>`).
    pub fn start(
        cache: &MessageCache,
        options: WriterOptions,
    ) -> Result<(CacheWriter, WriterThread), CacheError> {
        let (requests, queue) = crossbeam_channel::bounded(options.queue_capacity.max(1));
        let writer_cache = cache.clone();
        let handle = std::thread::Builder::new()
            .name(format!("cache-writer-{}", cache.shard()))
            .spawn(move || run(&writer_cache, &queue, &options))?;
        Ok((
            CacheWriter {
                requests,
                cache: cache.clone(),
            },
            WriterThread { handle },
        ))
    }

    /// The cache this writer stores into.
    pub fn cache(&self) -> &MessageCache {
        &self.cache
    }

    /// Stores `message` for `bind` (received at `now`): queues it at once (or, when the queue
    /// is full, on the future's first polls) and the future resolves to its local id once it
    /// is durable. The stored insert carries `frontend_message_id` = the local id: the one
    /// the message already carries when it is an id of this shard's
    /// [`MessageCache::reserve_id`], else a new one.
    pub fn store(&self, bind: &str, message: &InsertMessage, now: SystemTime) -> StoreFuture {
        // Queued right away when there is room, so stores issued together share a batch
        // even if their futures are awaited one after another.
        let reserved = self.reserved_counter(message);
        self.store_body(bind, message, reserved, now)
    }

    /// The counter of the reserved local id `message` carries as `frontend_message_id`.
    fn reserved_counter(&self, message: &InsertMessage) -> Option<u64> {
        let id: i64 = message.frontend_message_id.as_deref()?.parse().ok()?;
        self.cache.counter_of(id)
    }

    /// [`CacheWriter::store`] for a carrier receipt that matched no message (delivered
    /// later as `POST /api/delivery_receipts`). The future resolves to the record's local id.
    pub fn store_receipt(
        &self,
        bind: &str,
        receipt: &core_api::DeliveryReceiptPost,
        now: SystemTime,
    ) -> StoreFuture {
        let body = super::flush::StoredBody::Receipt {
            delivery_receipt: receipt.clone(),
        };
        self.store_body(bind, &body, None, now)
    }

    fn store_body(
        &self,
        bind: &str,
        body: &impl serde::Serialize,
        reserved: Option<u64>,
        now: SystemTime,
    ) -> StoreFuture {
        let state = match self.prepare(bind, body, reserved, now) {
            Ok((request, reply)) => match self.requests.try_send(request) {
                Ok(()) => FutureState::Waiting(reply),
                Err(TrySendError::Full(request)) => FutureState::Queueing {
                    request: Some(request),
                    requests: self.requests.clone(),
                    reply,
                },
                Err(TrySendError::Disconnected(_)) => FutureState::Done(None),
            },
            Err(e) => FutureState::Done(Some(e)),
        };
        StoreFuture { state }
    }

    /// [`CacheWriter::store`] for a blocking caller: waits for the queue and the persist.
    pub fn store_blocking(
        &self,
        bind: &str,
        message: &InsertMessage,
        now: SystemTime,
    ) -> Result<i64, CacheError> {
        let reserved = self.reserved_counter(message);
        let (request, reply) = self.prepare(bind, message, reserved, now)?;
        self.requests
            .send(request)
            .map_err(|_| CacheError::WriterStopped)?;
        futures_lite::future::block_on(reply).unwrap_or(Err(CacheError::WriterStopped))
    }

    fn prepare(
        &self,
        bind: &str,
        message: &impl serde::Serialize,
        reserved: Option<u64>,
        now: SystemTime,
    ) -> Result<(StoreRequest, oneshot::Receiver<StoreResult>), CacheError> {
        let (counter, id) = match reserved {
            Some(counter) => (counter, self.cache.id_of(counter)),
            None => self.cache.allocate()?,
        };
        let mut body = Vec::with_capacity(256);
        // The id travels in the record's key; the body is stored without it and gets it back
        // when read, so the JSON is serialised once, straight into the record.
        serde_json::to_writer(&mut body, message)
            .map_err(|e| CacheError::Encode(format!("message {id}: {e}")))?;
        let (reply_tx, reply_rx) = oneshot::channel();
        let request = StoreRequest {
            counter,
            bind: bind.into(),
            body,
            created_ms: unix_ms(now),
            reply: reply_tx,
        };
        Ok((request, reply_rx))
    }
}

fn run(cache: &MessageCache, queue: &Receiver<StoreRequest>, options: &WriterOptions) {
    let max_batch = options.max_batch.max(1);
    let mut high_written = 0;
    let mut batch = Vec::with_capacity(max_batch);
    while let Ok(first) = queue.recv() {
        batch.push(first);
        let deadline = Instant::now() + options.gather;
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(request) => batch.push(request),
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => match queue.recv_deadline(deadline) {
                    Ok(request) => batch.push(request),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                },
            }
        }
        write_batch(cache, &mut batch, options, &mut high_written);
    }
}

/// Free space kept on the cache's filesystem: a batch that would leave less is refused
/// before anything is written. fjall treats a failed write or persist as fatal and refuses
/// every later call on that database (the cache could not deliver what it holds until a
/// restart), and the flush's deletions and fjall's own memtable flushes need room too.
pub const DISK_RESERVE_BYTES: u64 = 8 * 1024 * 1024;

/// Refuses the batch (a temporary error to its senders, nothing written) when the cache's
/// filesystem has less than [`DISK_RESERVE_BYTES`] plus twice the batch's size free.
fn room_for(cache: &MessageCache, batch: &[StoreRequest]) -> Result<(), CacheError> {
    let Ok(fs) = rustix::fs::statvfs(cache.path()) else {
        // Cannot tell (e.g. the directory went away): let the write itself decide.
        return Ok(());
    };
    let free = fs.f_bavail.saturating_mul(fs.f_frsize);
    let bytes: u64 = batch.iter().map(|r| r.body.len() as u64 + 64).sum();
    let needed = DISK_RESERVE_BYTES.saturating_add(bytes.saturating_mul(2));
    if free < needed {
        return Err(CacheError::NotDurable(format!(
            "disk full: {free} bytes free on the filesystem of {}, the cache keeps \
             {DISK_RESERVE_BYTES} free (No space left on device)",
            cache.path().display()
        )));
    }
    Ok(())
}

/// Lines about batches not made durable: a full disk or a refused database fails every
/// batch, so at most 5 a second.
static NOT_DURABLE_LOG: crate::log_budget::LogBudget = crate::log_budget::LogBudget::new(5);

/// A record of the batch that is written (not dropped by its own batch's overflow).
struct Kept {
    position: usize,
    bind: std::sync::Arc<str>,
    record: StateRecord,
}

fn write_batch(
    cache: &MessageCache,
    batch: &mut Vec<StoreRequest>,
    options: &WriterOptions,
    high_written: &mut u64,
) {
    // One store for the whole batch, kept until its records are in the index: a reopen
    // (which deletes what is on disk but not in the index) waits until the batch is done.
    let outcome = room_for(cache, batch)
        .and_then(|()| cache.store())
        .and_then(|store| {
            let (kept, evicted, overflowed) = commit(cache, &store, batch, high_written)?;
            let durable = match &options.before_persist {
                Some(hook) => hook().map_err(CacheError::from),
                None => Ok(()),
            }
            .and_then(|()| cache.noted(store.db.persist(PersistMode::SyncData)));
            match durable {
                Ok(()) => Ok((kept, overflowed, store)),
                Err(e) => {
                    take_back(cache, &store, batch, &kept, evicted);
                    Err(e)
                }
            }
        });
    match outcome {
        Ok((kept, overflowed, _store)) => {
            let stats = &cache.inner.stats;
            {
                let mut index = cache.index();
                for bind in &overflowed {
                    CacheStats::bump(&stats.overflows);
                    index.count_for(bind, |c| c.overflow_total += 1);
                    log::warn!("Cache overflow for {bind}: deleted oldest message");
                }
                for k in &kept {
                    if let Some(request) = batch.get(k.position) {
                        let entry = Entry {
                            bind: k.bind.clone(),
                            record: k.record.clone(),
                        };
                        index.insert(request.counter, entry);
                        index.count_for(&k.bind, |c| c.stored_total += 1);
                    }
                }
            }
            stats
                .stored
                .fetch_add(kept.len() as u64, std::sync::atomic::Ordering::Relaxed);
            for request in batch.drain(..) {
                let id = cache.id_of(request.counter);
                log::info!("Message {id} cached for {}", request.bind);
                let _ = request.reply.send(Ok(id));
            }
        }
        Err(e) => {
            // The waiters' error says "not durable" itself; keep its reason from saying it twice.
            let reason = match e {
                CacheError::NotDurable(reason) => reason,
                CacheError::Fjall(fjall::Error::Poisoned) => format!(
                    "the cache database {} is poisoned (fjall refuses writes after a failed \
                     write) until it is reopened",
                    cache.path().display()
                ),
                other => other.to_string(),
            };
            if let Some(suppressed) = NOT_DURABLE_LOG.admit_now() {
                let more = if suppressed > 0 {
                    format!(" [{suppressed} similar lines not logged]")
                } else {
                    String::new()
                };
                log::error!(
                    "cache shard {}: {} messages not durable, answering a temporary error: \
                     {reason}{more}",
                    cache.shard(),
                    batch.len()
                );
            }
            for request in batch.drain(..) {
                let _ = request
                    .reply
                    .send(Err(CacheError::NotDurable(reason.clone())));
            }
        }
    }
}

/// Older records an overflow deleted to make room: counter, index entry and body (read before
/// the deletion, to put it back when the batch fails).
type Evicted = Vec<(u64, Entry, Option<fjall::Slice>)>;

/// What [`commit`] wrote: the records kept, the records evicted and the bind of every
/// overflow deletion.
type Committed = (Vec<Kept>, Evicted, Vec<std::sync::Arc<str>>);

/// Writes the batch (records, overflow deletions, counter mark) without persisting it.
fn commit(
    cache: &MessageCache,
    store: &Store,
    batch: &[StoreRequest],
    high_written: &mut u64,
) -> Result<Committed, CacheError> {
    let inner = store;
    let mut index = cache.index();
    let mut in_batch: HashMap<std::sync::Arc<str>, VecDeque<usize>> = HashMap::new();
    let mut dropped = vec![false; batch.len()];
    let mut evicted = Vec::new();
    let mut overflowed = Vec::new();
    for (position, request) in batch.iter().enumerate() {
        let bind = index.bind_name(&request.bind);
        let max = usize::try_from(index.settings(&bind).max_size.max(1)).unwrap_or(usize::MAX);
        let queued = in_batch.entry(bind.clone()).or_default();
        queued.push_back(position);
        while index.len_of(&bind) + queued.len() > max {
            if let Some(oldest) = index.oldest_of(&bind) {
                if let Some(entry) = index.remove(oldest) {
                    evicted.push((oldest, entry));
                }
            } else if let Some(first) = queued.pop_front() {
                if let Some(slot) = dropped.get_mut(first) {
                    *slot = true;
                }
            }
            overflowed.push(bind.clone());
        }
    }
    let evicted: Evicted = evicted
        .into_iter()
        .map(|(counter, entry)| {
            let body = inner
                .bodies
                .get(record_key(&entry.bind, counter))
                .ok()
                .flatten();
            (counter, entry, body)
        })
        .collect();
    let mut writes = inner.db.batch();
    for (counter, entry, _) in &evicted {
        let key = record_key(&entry.bind, *counter);
        writes.remove(&inner.states, key.clone());
        writes.remove(&inner.bodies, key);
    }
    let mut kept = Vec::with_capacity(batch.len());
    for (position, request) in batch.iter().enumerate() {
        if dropped.get(position).copied().unwrap_or(true) {
            continue;
        }
        let record = StateRecord {
            state: MessageState::Pending,
            retry_count: 0,
            next_retry_ms: request.created_ms,
            created_ms: request.created_ms,
            last_error: None,
        };
        let key = record_key(&request.bind, request.counter);
        writes.insert(&inner.states, key.clone(), record.encode());
        writes.insert(&inner.bodies, key, request.body.as_slice());
        *high_written = (*high_written).max(request.counter);
        kept.push(Kept {
            position,
            bind: index.bind_name(&request.bind),
            record,
        });
    }
    writes.insert(&inner.meta, NEXT_COUNTER_KEY, high_written.to_be_bytes());
    if let Err(e) = cache.noted(writes.commit()) {
        for (counter, entry, _) in evicted {
            index.insert(counter, entry);
        }
        return Err(e);
    }
    Ok((kept, evicted, overflowed))
}

/// Removes the records of a batch that could not be made durable (best effort: the database
/// may be failing), so that a crash-free run never delivers a message it did not acknowledge,
/// and puts the records its overflow evicted back in the index (a reopen keeps what the index
/// holds).
fn take_back(
    cache: &MessageCache,
    store: &Store,
    batch: &[StoreRequest],
    kept: &[Kept],
    evicted: Evicted,
) {
    let inner = store;
    let mut writes = inner.db.batch();
    {
        let mut index = cache.index();
        for (counter, entry, body) in evicted {
            // Without its body it cannot be delivered any more: leave it deleted.
            let Some(body) = body else { continue };
            let key = record_key(&entry.bind, counter);
            writes.insert(&inner.states, key.clone(), entry.record.encode());
            writes.insert(&inner.bodies, key, body);
            index.insert(counter, entry);
        }
    }
    for k in kept {
        if let Some(request) = batch.get(k.position) {
            let key = record_key(&request.bind, request.counter);
            writes.remove(&inner.states, key.clone());
            writes.remove(&inner.bodies, key);
        }
    }
    if let Err(e) = writes.commit() {
        log::error!(
            "cache shard {}: could not take back a failed batch: {e}",
            cache.shard()
        );
    }
}
