//! The worker threads, their job channel, and shutdown.
//!
//! Shutdown is race-free without locks: a submitter raises `submitting` before it checks
//! `closed` and lowers it after its `try_send`. A stopping worker waits until `submitting` is
//! zero after `closed` was set, so every job that will ever enter the channel is in it when the
//! worker drains it; later submitters see `closed` and get [`CoreError::Shutdown`].

use super::client::{CoreClient, Envelope};
use super::coalesce::{batch_unsupported, BatchKind, Gathered};
use super::config::{ConfigError, CoreClientConfig};
use super::endpoint::Endpoint;
use super::error::{CoreError, ErrorKind};
use super::http::CoreHttp;
use super::job::Reply;
use super::stats::PoolStats;
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// State shared by the workers and every [`CoreClient`] handle.
pub(crate) struct Shared {
    pub(crate) stats: PoolStats,
    pub(crate) closed: AtomicBool,
    pub(crate) submitting: AtomicUsize,
    pub(crate) supports_batch: AtomicBool,
    pub(crate) smsc_name: String,
    error_log: [LogLimiter; Endpoint::COUNT],
    started: Instant,
}

/// Lets one failure line per endpoint and second through, and counts the rest, so an outage
/// at high TPS does not flood the log while `api <endpoint> timeout` still shows every second.
#[derive(Default)]
struct LogLimiter {
    last_second: AtomicU64,
    suppressed: AtomicU64,
}

impl Shared {
    pub(crate) fn log_failure(&self, endpoint: Endpoint, error: &CoreError) {
        let second = self.started.elapsed().as_secs() + 1;
        let limiter = &self.error_log[endpoint.index()];
        let last = limiter.last_second.load(Ordering::Relaxed);
        if last == second
            || limiter
                .last_second
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            limiter.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let suppressed = limiter.suppressed.swap(0, Ordering::Relaxed);
        let level = if error.is_temporary() {
            log::Level::Warn
        } else {
            log::Level::Error
        };
        if suppressed == 0 {
            log::log!(level, "api {endpoint} {error}");
        } else {
            log::log!(
                level,
                "api {endpoint} {error} (+{suppressed} failures not logged)"
            );
        }
    }
}

/// The core-API client pool: owns the worker threads. Hand [`CorePool::client`] handles to
/// the shards. Dropping the pool stops it like [`CorePool::shutdown`] without waiting for the
/// threads.
pub struct CorePool {
    client: CoreClient,
    stop: Option<Sender<Option<Instant>>>,
    workers: Vec<JoinHandle<()>>,
}

impl CorePool {
    /// Validates `config`, builds the shared agent and starts the worker threads.
    pub fn start(config: &CoreClientConfig) -> Result<CorePool, StartError> {
        config.validate()?;
        let http = Arc::new(CoreHttp::new(config).map_err(StartError::Http)?);
        let (jobs_tx, jobs_rx) = crossbeam_channel::bounded(config.queue_capacity);
        let (stop_tx, stop_rx) = crossbeam_channel::bounded(config.threads);
        let shared = Arc::new(Shared {
            stats: PoolStats::default(),
            closed: AtomicBool::new(false),
            submitting: AtomicUsize::new(0),
            supports_batch: AtomicBool::new(false),
            smsc_name: config.smsc_name.clone(),
            error_log: Default::default(),
            started: Instant::now(),
        });
        let mut pool = CorePool {
            client: CoreClient::new(jobs_tx, Arc::clone(&shared)),
            stop: Some(stop_tx),
            workers: Vec::with_capacity(config.threads),
        };
        for n in 0..config.threads {
            let worker = Worker {
                http: Arc::clone(&http),
                jobs: jobs_rx.clone(),
                stop: stop_rx.clone(),
                shared: Arc::clone(&shared),
            };
            let handle = std::thread::Builder::new()
                .name(format!("core-api-{n}"))
                .spawn(move || worker.run())
                .map_err(|e| StartError::Spawn(e.to_string()))?;
            pool.workers.push(handle);
        }
        Ok(pool)
    }

    /// A handle to submit jobs from any thread (cheap to clone).
    pub fn client(&self) -> CoreClient {
        self.client.clone()
    }

    /// Stops taking jobs, lets the workers finish every queued job, and waits for them.
    /// Each queued job is bounded by the per-phase time-outs, so this ends, but against a
    /// hanging core it may take queued jobs times the time-outs divided by the threads.
    pub fn shutdown(mut self) {
        self.close(None);
        self.join();
    }

    /// Like [`CorePool::shutdown`], but queued jobs not started within `grace` are answered
    /// with [`CoreError::Shutdown`] without being sent. Returns after at most `grace` plus one
    /// request's time-outs.
    pub fn shutdown_within(mut self, grace: Duration) {
        self.close(Some(Instant::now() + grace));
        self.join();
    }

    fn close(&mut self, deadline: Option<Instant>) {
        self.client.shared().closed.store(true, Ordering::SeqCst);
        if let Some(stop) = self.stop.take() {
            if deadline.is_some() {
                // One message per worker; the channel holds that many, so this never blocks.
                for _ in 0..self.workers.len() {
                    let _ = stop.try_send(deadline);
                }
            }
            // Dropping the sender wakes any worker that did not get a message.
        }
    }

    fn join(&mut self) {
        for handle in self.workers.drain(..) {
            if handle.join().is_err() {
                log::error!("core client worker thread panicked");
            }
        }
    }
}

impl Drop for CorePool {
    fn drop(&mut self) {
        self.close(None);
    }
}

/// Why the pool could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTP agent could not be built.
    #[error("core client: {0}")]
    Http(CoreError),
    /// The operating system refused a thread.
    #[error("core client: cannot start a worker thread: {0}")]
    Spawn(String),
}

struct Worker {
    http: Arc<CoreHttp>,
    jobs: Receiver<Envelope>,
    stop: Receiver<Option<Instant>>,
    shared: Arc<Shared>,
}

impl Worker {
    fn run(self) {
        let (deadline, first) = loop {
            crossbeam_channel::select! {
                recv(self.jobs) -> envelope => {
                    // Every handle is gone: nothing can arrive any more.
                    let Ok(envelope) = envelope else { return };
                    // A stop outranks queued work, or a grace of zero would still send a job.
                    match self.stop_requested() {
                        Some(deadline) => break (deadline, Some(envelope)),
                        None => self.execute(envelope),
                    }
                },
                recv(self.stop) -> message => break (message.unwrap_or(None), None),
            }
        };
        while self.shared.submitting.load(Ordering::SeqCst) != 0 {
            std::thread::yield_now();
        }
        for envelope in first
            .into_iter()
            .chain(std::iter::from_fn(|| self.jobs.try_recv().ok()))
        {
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                let endpoint = envelope.job.endpoint();
                self.shared
                    .stats
                    .record_unsent(endpoint, ErrorKind::Shutdown);
                let _ = envelope
                    .reply
                    .send(super::each::refused(envelope.job, CoreError::Shutdown));
            } else {
                self.execute(envelope);
            }
        }
    }

    /// `Some(deadline)` once the pool is stopping (`Some(None)`: drain without a deadline).
    fn stop_requested(&self) -> Option<Option<Instant>> {
        match self.stop.try_recv() {
            Ok(deadline) => Some(deadline),
            Err(TryRecvError::Disconnected) => Some(None),
            Err(TryRecvError::Empty) => None,
        }
    }

    /// Runs `envelope`; with a batch-capable core, a single insert or status update takes the
    /// same-kind jobs already queued behind it into one batch call (see `coalesce`).
    fn execute(&self, envelope: Envelope) {
        let mut next = Some(envelope);
        while let Some(envelope) = next.take() {
            if super::each::is_each(&envelope.job) {
                let reply = super::each::run(&self.http, &self.shared, envelope.job);
                // The caller may have stopped waiting; the job ran anyway.
                let _ = envelope.reply.send(reply);
                continue;
            }
            let kind = BatchKind::of(&envelope.job)
                .filter(|_| self.shared.supports_batch.load(Ordering::Relaxed));
            let Some(kind) = kind else {
                self.execute_single(envelope);
                continue;
            };
            let mut group = Gathered::new(kind, envelope);
            while group.has_room() {
                let Ok(queued) = self.jobs.try_recv() else {
                    break;
                };
                if let Err(other) = group.offer(queued) {
                    next = Some(other);
                    break;
                }
            }
            match group.into_single() {
                Ok(single) => self.execute_single(single),
                Err(group) => self.execute_batch(group),
            }
        }
    }

    fn execute_batch(&self, mut group: Gathered) {
        let job = group.take_batch_job();
        let endpoint = job.endpoint();
        let started = Instant::now();
        let result =
            catch_unwind(AssertUnwindSafe(|| self.http.execute(&job))).unwrap_or_else(|_| {
                Err(CoreError::Other {
                    detail: "panic while calling the core".to_owned(),
                })
            });
        let took = started.elapsed();
        if let Err(error) = &result {
            if batch_unsupported(error) {
                // Advertised but not served: stop batching until the next health answer says
                // otherwise, and make the calls one by one.
                self.shared.supports_batch.store(false, Ordering::Relaxed);
                group.restore(job);
                for envelope in group.into_envelopes() {
                    self.execute_single(envelope);
                }
                return;
            }
            self.shared.log_failure(endpoint, error);
        }
        let outcome = result.as_ref().map(|_| ()).map_err(CoreError::error_kind);
        self.shared.stats.record(endpoint, outcome, took);
        group.answer(result);
    }

    fn execute_single(&self, envelope: Envelope) {
        let endpoint = envelope.job.endpoint();
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| self.http.execute(&envelope.job)))
            .unwrap_or_else(|_| {
                Err(CoreError::Other {
                    detail: "panic while calling the core".to_owned(),
                })
            });
        let took = started.elapsed();
        match &result {
            Ok(Reply::Health(health)) => self
                .shared
                .supports_batch
                .store(health.supports_batch(), Ordering::Relaxed),
            Ok(_) => {}
            Err(error) => self.shared.log_failure(endpoint, error),
        }
        let outcome = result.as_ref().map(|_| ()).map_err(CoreError::error_kind);
        self.shared.stats.record(endpoint, outcome, took);
        // The caller may have stopped waiting; the job ran anyway (see `CoreClient`).
        let _ = envelope.reply.send(result);
    }
}
