//! The shard's durable receipt map: `engine::store::ReceiptMap` (fjall) run on a thread of
//! its own, since every fjall call blocks. The shard sends records without waiting (a full
//! queue drops the record: a lost mapping only sends a late receipt to
//! `POST /api/delivery_receipts`) and awaits lookups through a oneshot.
//!
//! Fresh mappings are also kept in the connection's in-memory [`super::idmap::IdMap`], which
//! answers the common case without a thread hop; this store answers receipts that arrive
//! after a reconnect or a restart.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use futures_channel::oneshot;

use crate::store::{self, CoreRef, ReceiptMap};

/// Jobs queued to the store thread before records are dropped.
const QUEUE: usize = 65_536;
/// Records written per batch at most.
const BATCH: usize = 512;
/// How often expired mappings are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

enum Job {
    Record(String, CoreRef),
    Forget(String),
    Lookup(String, oneshot::Sender<Option<CoreRef>>),
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
}

fn serve(dir: &std::path::Path, queue: &Receiver<Job>) {
    let map = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|()| store::open_database(dir).map_err(|e| e.to_string()))
        .and_then(|db| {
            ReceiptMap::open(&db, store::DEFAULT_RECEIPT_TTL).map_err(|e| e.to_string())
        });
    let map = match map {
        Ok(map) => Some(map),
        Err(error) => {
            log::error!(
                "receipt store in {} unavailable ({error}); receipts after a restart go unmatched",
                dir.display()
            );
            None
        }
    };
    let mut last_purge = Instant::now();
    let mut records: Vec<(String, CoreRef)> = Vec::with_capacity(BATCH);
    let mut forgets: Vec<String> = Vec::new();
    let mut lookups = Vec::new();
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Record(id, core) => records.push((id, core)),
                Job::Forget(id) => forgets.push(id),
                Job::Lookup(id, reply) => lookups.push((id, reply)),
            }
            if records.len() < BATCH && forgets.len() < BATCH {
                next = queue.try_recv().ok();
            }
        }
        let now = SystemTime::now();
        if let Some(map) = &map {
            if !records.is_empty() {
                let batch = records.iter().map(|(id, core)| (id.as_str(), core));
                if let Err(error) = map.record_batch(batch, now) {
                    log::warn!(
                        "receipt store: {} mapping(s) not written: {error}",
                        records.len()
                    );
                }
            }
        }
        records.clear();
        // After the records: an id is forgotten only once its final receipt came back, which
        // is after it was recorded.
        if let Some(map) = &map {
            if !forgets.is_empty() {
                if let Err(error) = map.forget_batch(forgets.iter().map(String::as_str)) {
                    log::warn!(
                        "receipt store: {} answered mapping(s) not removed: {error}",
                        forgets.len()
                    );
                }
            }
        }
        forgets.clear();
        for (id, reply) in lookups.drain(..) {
            let found = map
                .as_ref()
                .and_then(|map| map.lookup(&id, now).ok().flatten());
            let _ = reply.send(found);
        }
        if last_purge.elapsed() >= PURGE_EVERY {
            last_purge = Instant::now();
            if let Some(map) = &map {
                if let Err(error) = map.purge_expired(now) {
                    log::warn!("receipt store: purge failed: {error}");
                }
            }
        }
    }
}
