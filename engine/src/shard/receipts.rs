//! The shard's durable receipt map: `engine::store::ReceiptMap` (fjall) run on a thread of
//! its own, since every fjall call blocks. The shard sends records without waiting (a full
//! queue drops the record: a lost mapping only sends a late receipt to
//! `POST /api/delivery_receipts`) and awaits lookups through a oneshot.
//!
//! Fresh mappings are also kept in the connection's in-memory [`super::idmap::IdMap`], which
//! answers the common case without a thread hop; this store answers receipts that arrive
//! after a reconnect or a restart. The thread holds each new mapping in memory for a second
//! before writing it (`receipt_hold`), so one whose final receipt comes back at once never
//! reaches fjall.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use futures_channel::oneshot;

use super::receipt_hold::HeldMappings;
use crate::store::{self, CoreRef, ReceiptMap};

/// Jobs queued to the store thread before records are dropped.
const QUEUE: usize = 65_536;
/// Jobs taken from the queue per round at most.
const BATCH: usize = 512;
/// How often expired mappings are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

enum Job {
    Record(String, CoreRef),
    Forget(String),
    Lookup(String, oneshot::Sender<Option<CoreRef>>),
    Flush(oneshot::Sender<()>),
}

/// The shard's handle on its store thread.
#[derive(Debug, Clone)]
pub(crate) struct ReceiptStore {
    jobs: Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Record(id, _) => write!(f, "Record({id})"),
            Job::Forget(id) => write!(f, "Forget({id})"),
            Job::Lookup(id, _) => write!(f, "Lookup({id})"),
            Job::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl ReceiptStore {
    /// Starts the thread that opens the database in `dir`; `None` if the thread cannot start.
    pub(crate) fn start(dir: PathBuf, shard: usize) -> Option<Self> {
        let (jobs, queue) = crossbeam_channel::bounded(QUEUE);
        std::thread::Builder::new()
            .name(format!("omsmpp-store-{shard}"))
            .spawn(move || serve(&dir, &queue))
            .map_err(|error| log::error!("shard {shard}: cannot start the store thread: {error}"))
            .ok()?;
        Some(Self { jobs })
    }

    /// Records a mapping; never waits.
    pub(crate) fn record(&self, carrier_id: &str, core: CoreRef) {
        if let Err(TrySendError::Full(_)) =
            self.jobs.try_send(Job::Record(carrier_id.to_owned(), core))
        {
            log::debug!("receipt store queue full: mapping of {carrier_id} not kept");
        }
    }

    /// Forgets a carrier id whose final receipt the core has taken (its mapping would otherwise
    /// stay on disk for the whole TTL); never waits. A full queue keeps the mapping until the
    /// purge.
    pub(crate) fn forget(&self, carrier_id: &str) {
        if let Err(TrySendError::Full(_)) = self.jobs.try_send(Job::Forget(carrier_id.to_owned())) {
            log::debug!("receipt store queue full: mapping of {carrier_id} kept until it expires");
        }
    }

    /// Looks a receipt's id up (`None` when unknown or the store is unavailable).
    pub(crate) async fn lookup(&self, receipt_id: &str) -> Option<CoreRef> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job::Lookup(receipt_id.to_owned(), reply))
            .ok()?;
        answer.await.ok().flatten()
    }

    /// Writes every held mapping (see `receipt_hold`) and waits until it is written: a
    /// stopping shard calls it so that a restart finds them. A full queue skips it.
    pub(crate) async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        if self.jobs.try_send(Job::Flush(reply)).is_ok() {
            let _ = done.await;
        }
    }
}

fn open(dir: &std::path::Path) -> Option<ReceiptMap> {
    let map = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|()| store::open_database(dir).map_err(|e| e.to_string()))
        .and_then(|db| {
            ReceiptMap::open(&db, store::DEFAULT_RECEIPT_TTL).map_err(|e| e.to_string())
        });
    match map {
        Ok(map) => Some(map),
        Err(error) => {
            log::error!(
                "receipt store in {} unavailable ({error}); receipts after a restart go unmatched",
                dir.display()
            );
            None
        }
    }
}

fn serve(dir: &std::path::Path, queue: &Receiver<Job>) {
    let map = open(dir);
    let mut held = HeldMappings::default();
    let mut last_purge = Instant::now();
    let mut forgets: Vec<String> = Vec::new();
    let mut lookups = Vec::new();
    let mut flushes = Vec::new();
    loop {
        let first = match held.next_due() {
            Some(due) => match queue.recv_deadline(due) {
                Ok(job) => Some(job),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match queue.recv() {
                Ok(job) => Some(job),
                Err(_) => break,
            },
        };
        let now = Instant::now();
        let mut next = first;
        let mut taken = 0;
        while let Some(job) = next.take() {
            match job {
                Job::Record(id, core) => held.record(id, core, now),
                Job::Forget(id) => {
                    if !held.forget(&id) {
                        forgets.push(id);
                    }
                }
                Job::Lookup(id, reply) => lookups.push((id, reply)),
                Job::Flush(reply) => flushes.push(reply),
            }
            taken += 1;
            if taken < BATCH && forgets.len() < BATCH {
                next = queue.try_recv().ok();
            }
        }
        let records = if flushes.is_empty() {
            held.take_due(now)
        } else {
            held.take_all()
        };
        write(map.as_ref(), &records, &mut forgets);
        let wall = SystemTime::now();
        for (id, reply) in lookups.drain(..) {
            let found = held.lookup(&id).or_else(|| {
                map.as_ref()
                    .and_then(|map| map.lookup(&id, wall).ok().flatten())
            });
            let _ = reply.send(found);
        }
        for reply in flushes.drain(..) {
            let _ = reply.send(());
        }
        if last_purge.elapsed() >= PURGE_EVERY {
            last_purge = Instant::now();
            if let Some(map) = &map {
                if let Err(error) = map.purge_expired(wall) {
                    log::warn!("receipt store: purge failed: {error}");
                }
            }
        }
    }
    // Every handle is gone (the shard stopped): what is still held goes to disk.
    write(map.as_ref(), &held.take_all(), &mut forgets);
}

/// Writes `records`, then removes `forgets` (an id is forgotten only once its final receipt
/// came back, which is after it was recorded).
fn write(map: Option<&ReceiptMap>, records: &[(String, CoreRef)], forgets: &mut Vec<String>) {
    let Some(map) = map else {
        forgets.clear();
        return;
    };
    if !records.is_empty() {
        let batch = records.iter().map(|(id, core)| (id.as_str(), core));
        if let Err(error) = map.record_batch(batch, SystemTime::now()) {
            log::warn!(
                "receipt store: {} mapping(s) not written: {error}",
                records.len()
            );
        }
    }
    if !forgets.is_empty() {
        if let Err(error) = map.forget_batch(forgets.iter().map(String::as_str)) {
            log::warn!(
                "receipt store: {} answered mapping(s) not removed: {error}",
                forgets.len()
            );
        }
        forgets.clear();
    }
}
