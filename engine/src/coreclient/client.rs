//! The submitting side: [`CoreClient`] handles, back-pressure and the typed calls.

use super::error::{CoreError, ErrorKind};
use super::job::{Job, Reply};
use super::pool::Shared;
use super::registration::{frontend_registration, BindState, HealthProbe};
use super::stats::StatsSnapshot;
use core_api::{
    BatchInsertResult, BatchStatusResult, BatchStatusUpdate, DeliveryReceiptPost,
    DeliveryStatusUpdate, FrontendRegistration, Health, InsertMessage, InsertResponse, QueueItem,
};
use crossbeam_channel::{Sender, TrySendError};
use futures_channel::oneshot;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

type ReplyResult = Result<Reply, CoreError>;

/// A job on its way to a worker, with the channel for its answer.
pub(crate) struct Envelope {
    pub(crate) job: Job,
    pub(crate) reply: oneshot::Sender<ReplyResult>,
}

/// The answer to a submitted job. Await it from any executor; a worker thread completes it.
/// Dropping it does not cancel the job: a job that reached the channel is sent to the core.
#[derive(Debug)]
#[must_use = "the reply carries the core's answer or the error to handle"]
pub struct ReplyFuture {
    reply: oneshot::Receiver<ReplyResult>,
}

impl Future for ReplyFuture {
    type Output = ReplyResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ReplyResult> {
        // A dropped sender means the job was discarded by a shutdown.
        Pin::new(&mut self.reply)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(CoreError::Shutdown)))
    }
}

/// A handle on the pool, cheap to clone, usable from any thread and any async executor.
/// Every call carries `User-Agent: omnimessage-smpp/<version>` and `X-Frontend: <smsc_name>`;
/// failures are counted per endpoint and kind, and logged (at most one line per endpoint and
/// second) as `api <endpoint> connection refused|timeout|http 503|parse error ...`.
#[derive(Clone)]
pub struct CoreClient {
    jobs: Sender<Envelope>,
    shared: Arc<Shared>,
}

impl CoreClient {
    pub(crate) fn new(jobs: Sender<Envelope>, shared: Arc<Shared>) -> CoreClient {
        CoreClient { jobs, shared }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Queues `job` without waiting. A full channel hands the job back (back-pressure: retry
    /// later, never queue without bound). After a shutdown the future resolves at once to
    /// [`CoreError::Shutdown`].
    // The job comes back by value so a retry costs a move, not an allocation.
    #[allow(clippy::result_large_err)]
    pub fn try_submit(&self, job: Job) -> Result<ReplyFuture, Job> {
        let (reply_tx, reply_rx) = oneshot::channel();
        let envelope = Envelope {
            job,
            reply: reply_tx,
        };
        let shared = &*self.shared;
        shared.submitting.fetch_add(1, Ordering::SeqCst);
        let sent = if shared.closed.load(Ordering::SeqCst) {
            Err(TrySendError::Disconnected(envelope))
        } else {
            self.jobs.try_send(envelope)
        };
        shared.submitting.fetch_sub(1, Ordering::SeqCst);
        match sent {
            Ok(()) => {}
            Err(TrySendError::Full(envelope)) => {
                shared.stats.record_queue_full();
                return Err(envelope.job);
            }
            Err(TrySendError::Disconnected(envelope)) => {
                shared
                    .stats
                    .record_unsent(envelope.job.endpoint(), ErrorKind::Shutdown);
                // An each-job gets its items back; any other the plain shutdown error.
                let answer = super::each::refused(envelope.job, CoreError::Shutdown);
                let _ = envelope.reply.send(answer);
            }
        }
        Ok(ReplyFuture { reply: reply_rx })
    }

    /// Queues `job`, yielding to the executor and retrying while the channel is full; returns
    /// the future of its answer (to keep several jobs in flight).
    pub async fn enqueue(&self, job: Job) -> ReplyFuture {
        let mut job = job;
        loop {
            match self.try_submit(job) {
                Ok(reply) => return reply,
                Err(returned) => {
                    job = returned;
                    futures_lite::future::yield_now().await;
                }
            }
        }
    }

    /// Queues `job` (yielding while the channel is full) and waits for its answer.
    pub async fn submit(&self, job: Job) -> Result<Reply, CoreError> {
        self.enqueue(job).await.await
    }

    /// `GET /api/system/health`; also updates [`CoreClient::supports_batch`].
    pub async fn health(&self) -> Result<Health, CoreError> {
        match self.submit(Job::Health).await? {
            Reply::Health(health) => Ok(health),
            other => Err(mismatch(&other)),
        }
    }

    /// Runs the health call and summarises it for metrics and the status page; never fails.
    pub async fn probe_health(&self) -> HealthProbe {
        let started = Instant::now();
        let result = self.health().await;
        HealthProbe::from_result(result, started.elapsed())
    }

    /// `POST /api/frontends` (the heartbeat).
    pub async fn register_frontend(
        &self,
        registration: FrontendRegistration,
    ) -> Result<(), CoreError> {
        match self.submit(Job::RegisterFrontend(registration)).await? {
            Reply::Registered => Ok(()),
            other => Err(mismatch(&other)),
        }
    }

    /// `GET /api/message_queue?destination_smsc=<dest_smsc>&limit=<limit>`: leases the items.
    pub async fn get_queue(
        &self,
        dest_smsc: &str,
        limit: u32,
    ) -> Result<Vec<QueueItem>, CoreError> {
        let job = Job::GetQueue {
            dest_smsc: dest_smsc.to_owned(),
            limit,
        };
        match self.submit(job).await? {
            Reply::Queue(items) => Ok(items),
            other => Err(mismatch(&other)),
        }
    }

    /// `PUT /api/messages/<id>/delivery_status`.
    pub async fn put_delivery_status(
        &self,
        id: &str,
        update: DeliveryStatusUpdate,
    ) -> Result<(), CoreError> {
        let job = Job::PutDeliveryStatus {
            id: id.to_owned(),
            update,
        };
        match self.submit(job).await? {
            Reply::StatusAccepted => Ok(()),
            other => Err(mismatch(&other)),
        }
    }

    /// `POST /api/messages`: returns the core id.
    pub async fn insert_message(
        &self,
        message: InsertMessage,
    ) -> Result<InsertResponse, CoreError> {
        match self.submit(Job::InsertMessage(message)).await? {
            Reply::Inserted(response) => Ok(response),
            other => Err(mismatch(&other)),
        }
    }

    /// `POST /api/delivery_receipts` (a receipt no message matched).
    pub async fn post_delivery_receipt(
        &self,
        receipt: DeliveryReceiptPost,
    ) -> Result<InsertResponse, CoreError> {
        match self.submit(Job::PostDeliveryReceipt(receipt)).await? {
            Reply::ReceiptAccepted(response) => Ok(response),
            other => Err(mismatch(&other)),
        }
    }

    /// `POST /api/messages/batch`: one result per message, in order. Only when
    /// [`CoreClient::supports_batch`] is true.
    pub async fn insert_batch(
        &self,
        messages: Vec<InsertMessage>,
    ) -> Result<Vec<BatchInsertResult>, CoreError> {
        match self.submit(Job::InsertBatch(messages)).await? {
            Reply::InsertBatch(results) => Ok(results),
            other => Err(mismatch(&other)),
        }
    }

    /// `PUT /api/delivery_status/batch`: one result per update, in order. Only when
    /// [`CoreClient::supports_batch`] is true.
    pub async fn delivery_status_batch(
        &self,
        updates: Vec<BatchStatusUpdate>,
    ) -> Result<Vec<BatchStatusResult>, CoreError> {
        match self.submit(Job::DeliveryStatusBatch(updates)).await? {
            Reply::StatusBatch(results) => Ok(results),
            other => Err(mismatch(&other)),
        }
    }

    /// Whether the core advertised `features:["batch"]` in its last successful health answer.
    pub fn supports_batch(&self) -> bool {
        self.shared.supports_batch.load(Ordering::Relaxed)
    }

    /// The frontend name sent as `X-Frontend`.
    pub fn smsc_name(&self) -> &str {
        &self.shared.smsc_name
    }

    /// The heartbeat body for this frontend and its binds.
    pub fn registration<'a>(
        &self,
        ttl_seconds: u64,
        binds: impl IntoIterator<Item = BindState<'a>>,
    ) -> FrontendRegistration {
        frontend_registration(&self.shared.smsc_name, ttl_seconds, binds)
    }

    /// Jobs waiting in the channel.
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// A copy of the pool's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared
            .stats
            .snapshot(self.jobs.len(), self.supports_batch())
    }
}

/// A worker answered a job with another job's reply: a bug, reported rather than panicking.
fn mismatch(reply: &Reply) -> CoreError {
    CoreError::Other {
        detail: format!("internal: unexpected {} reply", reply.name()),
    }
}
