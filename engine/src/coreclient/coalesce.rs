//! Natural batching: when the core advertises the batch endpoints, a worker that picks up a
//! single insert or status update also takes the jobs of the same kind already waiting in the
//! channel and sends them as one `POST /api/messages/batch` or `PUT /api/delivery_status/batch`,
//! then answers each caller as if its single call had been made.
//!
//! Nothing waits to fill a batch: only jobs already queued are taken, so a lone job goes out at
//! once as a single call and latency at low load is unchanged, while under load one HTTP round
//! trip carries up to [`MAX_BATCH`] messages instead of one. Callers see no difference: each
//! gets `Reply::Inserted` / `Reply::StatusAccepted` or the error its element got.

use super::client::Envelope;
use super::error::CoreError;
use super::job::{Job, Reply};
use core_api::{BatchInsertResult, BatchStatusResult, BatchStatusUpdate, InsertResponse};

/// Most single jobs merged into one batch call (bounds the request body and the time one
/// worker holds the jobs).
pub(crate) const MAX_BATCH: usize = 256;

/// The kinds of single job that have a batch endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchKind {
    /// `POST /api/messages` -> `POST /api/messages/batch`.
    Insert,
    /// `PUT /api/messages/<id>/delivery_status` -> `PUT /api/delivery_status/batch`.
    Status,
}

impl BatchKind {
    /// The batch kind `job` belongs to, if any.
    pub(crate) fn of(job: &Job) -> Option<BatchKind> {
        match job {
            Job::InsertMessage(_) => Some(BatchKind::Insert),
            Job::PutDeliveryStatus { .. } => Some(BatchKind::Status),
            _ => None,
        }
    }
}

/// Single jobs of one kind gathered for one batch call, with their callers' reply channels.
/// The first job needs no allocation: most groups under light load stay single.
pub(crate) struct Gathered {
    kind: BatchKind,
    first: Envelope,
    rest: Vec<Envelope>,
}

impl Gathered {
    /// A group started by `first`, whose kind must be `kind`.
    pub(crate) fn new(kind: BatchKind, first: Envelope) -> Gathered {
        Gathered {
            kind,
            first,
            rest: Vec::new(),
        }
    }

    /// Takes `envelope` if it is of this group's kind and there is room; hands it back if not.
    // The envelope comes back by value so the caller can run it on its own without a copy.
    #[allow(clippy::result_large_err)]
    pub(crate) fn offer(&mut self, envelope: Envelope) -> Result<(), Envelope> {
        if self.has_room() && BatchKind::of(&envelope.job) == Some(self.kind) {
            self.rest.push(envelope);
            Ok(())
        } else {
            Err(envelope)
        }
    }

    /// Whether more jobs fit.
    pub(crate) fn has_room(&self) -> bool {
        self.len() < MAX_BATCH
    }

    /// Jobs gathered.
    pub(crate) fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// The lone envelope of a group of one (to run as a plain single call), else the group.
    // Both sides are moved once per batch; boxing would add the allocation this type avoids.
    #[allow(clippy::result_large_err)]
    pub(crate) fn into_single(self) -> Result<Envelope, Gathered> {
        if self.rest.is_empty() {
            Ok(self.first)
        } else {
            Err(self)
        }
    }

    fn envelopes_mut(&mut self) -> impl Iterator<Item = &mut Envelope> {
        std::iter::once(&mut self.first).chain(self.rest.iter_mut())
    }

    /// Moves every gathered body into one batch job (no copies); [`Gathered::restore`] puts
    /// them back for single calls.
    pub(crate) fn take_batch_job(&mut self) -> Job {
        let kind = self.kind;
        let mut inserts = Vec::new();
        let mut updates = Vec::new();
        for envelope in self.envelopes_mut() {
            match std::mem::replace(&mut envelope.job, Job::Health) {
                Job::InsertMessage(message) => inserts.push(message),
                Job::PutDeliveryStatus { id, update } => {
                    updates.push(BatchStatusUpdate { id, update });
                }
                // `offer` only admits the group's kind; put anything else back untouched.
                other => envelope.job = other,
            }
        }
        match kind {
            BatchKind::Insert => Job::InsertBatch(inserts),
            BatchKind::Status => Job::DeliveryStatusBatch(updates),
        }
    }

    /// Puts the bodies of `batch` (from [`Gathered::take_batch_job`]) back into the envelopes.
    pub(crate) fn restore(&mut self, batch: Job) {
        match batch {
            Job::InsertBatch(messages) => {
                for (envelope, message) in self.envelopes_mut().zip(messages) {
                    envelope.job = Job::InsertMessage(message);
                }
            }
            Job::DeliveryStatusBatch(updates) => {
                for (envelope, u) in self.envelopes_mut().zip(updates) {
                    envelope.job = Job::PutDeliveryStatus {
                        id: u.id,
                        update: u.update,
                    };
                }
            }
            _ => {}
        }
    }

    /// The envelopes, for a fall-back to single calls.
    pub(crate) fn into_envelopes(self) -> impl Iterator<Item = Envelope> {
        std::iter::once(self.first).chain(self.rest)
    }

    /// Answers every caller from the batch call's `result`.
    pub(crate) fn answer(self, result: Result<Reply, CoreError>) {
        let count = self.len();
        let envelopes = self.into_envelopes();
        let send = |envelope: Envelope, answer: Result<Reply, CoreError>| {
            // The caller may have stopped waiting; the job ran anyway.
            let _ = envelope.reply.send(answer);
        };
        match result {
            Ok(Reply::InsertBatch(results)) if results.len() == count => {
                for (envelope, r) in envelopes.zip(results) {
                    send(envelope, insert_answer(r));
                }
            }
            Ok(Reply::StatusBatch(results)) if results.len() == count => {
                for (envelope, r) in envelopes.zip(results) {
                    send(envelope, status_answer(r));
                }
            }
            Ok(other) => {
                let error = CoreError::Parse {
                    detail: format!(
                        "the batch answer ({}) does not carry one result per element ({count})",
                        describe(&other)
                    ),
                };
                for envelope in envelopes {
                    send(envelope, Err(error.clone()));
                }
            }
            Err(error) => {
                for envelope in envelopes {
                    send(envelope, Err(error.clone()));
                }
            }
        }
    }
}

/// Whether a failed batch call means "this core has no batch endpoint after all" (so the
/// singles should be sent one by one) rather than "the core is unavailable".
pub(crate) fn batch_unsupported(error: &CoreError) -> bool {
    matches!(
        error,
        CoreError::Http {
            status: 404 | 405 | 501,
            ..
        }
    )
}

fn describe(reply: &Reply) -> String {
    match reply {
        Reply::InsertBatch(r) => format!("{} insert results", r.len()),
        Reply::StatusBatch(r) => format!("{} status results", r.len()),
        other => other.name().to_owned(),
    }
}

pub(crate) fn insert_answer(result: BatchInsertResult) -> Result<Reply, CoreError> {
    match (result.status, result.id) {
        (200 | 201, Some(id)) => Ok(Reply::Inserted(InsertResponse { id })),
        (200 | 201, None) => Err(CoreError::Parse {
            detail: "batch insert element: status 2xx without an id".to_owned(),
        }),
        (status, _) => Err(CoreError::Http {
            status,
            body_reason: result.error.unwrap_or_default(),
        }),
    }
}

pub(crate) fn status_answer(result: BatchStatusResult) -> Result<Reply, CoreError> {
    if (200..300).contains(&result.status) {
        Ok(Reply::StatusAccepted)
    } else {
        Err(CoreError::Http {
            status: result.status,
            body_reason: result.error.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use core_api::{DeliveryStatus, DeliveryStatusUpdate};
    use futures_channel::oneshot;

    fn status_job(id: &str) -> (Envelope, oneshot::Receiver<Result<Reply, CoreError>>) {
        let (tx, rx) = oneshot::channel();
        let job = Job::PutDeliveryStatus {
            id: id.to_owned(),
            update: DeliveryStatusUpdate::new(DeliveryStatus::Sent),
        };
        (Envelope { job, reply: tx }, rx)
    }

    fn answer_of(mut rx: oneshot::Receiver<Result<Reply, CoreError>>) -> Result<Reply, CoreError> {
        rx.try_recv().unwrap().unwrap()
    }

    #[test]
    fn a_group_takes_only_its_own_kind_and_a_lone_job_stays_single() {
        let (first, _rx1) = status_job("1");
        let mut group = Gathered::new(BatchKind::Status, first);
        let (tx, _rx2) = oneshot::channel();
        let health = Envelope {
            job: Job::Health,
            reply: tx,
        };
        assert!(
            group.offer(health).is_err(),
            "a health check is not batched"
        );
        let group = match group.into_single() {
            Ok(single) => {
                assert_eq!(BatchKind::of(&single.job), Some(BatchKind::Status));
                return;
            }
            Err(group) => group,
        };
        panic!("a group of one must come back single, got {}", group.len());
    }

    #[test]
    fn each_caller_gets_its_own_element_answer() {
        let (first, rx1) = status_job("11");
        let (second, rx2) = status_job("12");
        let mut group = Gathered::new(BatchKind::Status, first);
        assert!(group.offer(second).is_ok());
        let batch = group.take_batch_job();
        let Job::DeliveryStatusBatch(updates) = &batch else {
            panic!("status jobs make a status batch");
        };
        let ids: Vec<&str> = updates.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["11", "12"], "request order kept");
        group.restore(batch);
        let restored: Vec<Option<&str>> = group
            .envelopes_mut()
            .map(|e| match &e.job {
                Job::PutDeliveryStatus { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            restored,
            [Some("11"), Some("12")],
            "singles come back for a fall-back"
        );
        group.answer(Ok(Reply::StatusBatch(vec![
            BatchStatusResult {
                id: "11".to_owned(),
                status: 200,
                error: None,
            },
            BatchStatusResult {
                id: "12".to_owned(),
                status: 404,
                error: Some("unknown id".to_owned()),
            },
        ])));
        assert_eq!(answer_of(rx1), Ok(Reply::StatusAccepted));
        let second = answer_of(rx2).unwrap_err();
        assert!(
            matches!(&second, CoreError::Http { status: 404, body_reason } if body_reason == "unknown id"),
            "{second:?}"
        );
    }

    #[test]
    fn a_short_batch_answer_fails_every_caller_and_a_whole_failure_reaches_all() {
        let (first, rx1) = status_job("1");
        let (second, rx2) = status_job("2");
        let mut group = Gathered::new(BatchKind::Status, first);
        assert!(group.offer(second).is_ok());
        group.answer(Ok(Reply::StatusBatch(vec![BatchStatusResult {
            id: "1".to_owned(),
            status: 200,
            error: None,
        }])));
        assert!(matches!(answer_of(rx1), Err(CoreError::Parse { .. })));
        assert!(matches!(answer_of(rx2), Err(CoreError::Parse { .. })));

        let (first, rx1) = status_job("3");
        let (second, rx2) = status_job("4");
        let mut group = Gathered::new(BatchKind::Status, first);
        assert!(group.offer(second).is_ok());
        let down = CoreError::Timeout {
            phase: "recv_response",
        };
        group.answer(Err(down.clone()));
        assert_eq!(answer_of(rx1), Err(down.clone()));
        assert_eq!(answer_of(rx2), Err(down));
    }

    #[test]
    fn insert_elements_map_to_ids_or_errors() {
        assert_eq!(
            insert_answer(BatchInsertResult {
                status: 201,
                id: Some("7".to_owned()),
                error: None
            }),
            Ok(Reply::Inserted(InsertResponse { id: "7".to_owned() }))
        );
        assert!(matches!(
            insert_answer(BatchInsertResult {
                status: 400,
                id: None,
                error: Some("destination: empty".to_owned())
            }),
            Err(CoreError::Http { status: 400, .. })
        ));
        assert!(matches!(
            insert_answer(BatchInsertResult {
                status: 201,
                id: None,
                error: None
            }),
            Err(CoreError::Parse { .. })
        ));
        assert!(batch_unsupported(&CoreError::Http {
            status: 404,
            body_reason: String::new()
        }));
        assert!(!batch_unsupported(&CoreError::Http {
            status: 503,
            body_reason: String::new()
        }));
    }
}
