//! Jobs that carry many messages for one answer each: [`Job::InsertEach`] and
//! [`Job::StatusEach`], submitted by a shard that gathered them (one job, one reply, for a
//! whole batch of its messages).
//!
//! With a core that advertises `features:["batch"]` the worker sends one batch call and maps
//! the answer's elements back to the messages; otherwise, or when the batch endpoint turns out
//! to be missing (404/405/501), it makes one single call per message. Either way every message
//! gets its own result, classified exactly as its single call would be, and the counters are
//! kept per endpoint actually called (a batch call counts once under its batch endpoint).

use super::coalesce::{batch_unsupported, insert_answer, status_answer};
use super::endpoint::Endpoint;
use super::error::CoreError;
use super::http::CoreHttp;
use super::job::{Job, Reply};
use super::pool::Shared;
use core_api::{BatchStatusUpdate, InsertMessage, InsertResponse};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Whether `job` is one of this module's.
pub(crate) fn is_each(job: &Job) -> bool {
    matches!(job, Job::InsertEach(_) | Job::StatusEach(_))
}

/// Runs an each-job to the end; any other job is refused (the caller routes with
/// [`is_each`]).
pub(crate) fn run(http: &CoreHttp, shared: &Shared, job: Job) -> Result<Reply, CoreError> {
    match job {
        Job::InsertEach(messages) => Ok(insert_each(http, shared, messages)),
        Job::StatusEach(updates) => Ok(status_each(http, shared, updates)),
        _ => Err(CoreError::Other {
            detail: "internal: not an each-job".to_owned(),
        }),
    }
}

/// The answer to a job that will not be sent (`error`, a shutdown): an each-job hands its
/// messages back with `error` for every one, so the caller can still cache them.
pub(crate) fn refused(job: Job, error: CoreError) -> Result<Reply, CoreError> {
    match job {
        Job::InsertEach(messages) => {
            let results = vec![Err(error); messages.len()];
            Ok(Reply::InsertEach { messages, results })
        }
        Job::StatusEach(updates) => {
            let results = vec![Err(error); updates.len()];
            Ok(Reply::StatusEach { updates, results })
        }
        _ => Err(error),
    }
}

fn insert_each(http: &CoreHttp, shared: &Shared, messages: Vec<InsertMessage>) -> Reply {
    let count = messages.len();
    if count > 1 && shared.supports_batch.load(Ordering::Relaxed) {
        if let Some(answer) = call(shared, Endpoint::InsertBatch, || {
            http.insert_batch(&messages)
        }) {
            let results = match answer {
                Ok(elements) if elements.len() == count => {
                    elements.into_iter().map(inserted).collect()
                }
                Ok(elements) => vec![Err(short_answer(elements.len(), count)); count],
                Err(error) => vec![Err(error); count],
            };
            return Reply::InsertEach { messages, results };
        }
    }
    let results: Vec<Result<InsertResponse, CoreError>> = messages
        .iter()
        .map(|message| {
            call(shared, Endpoint::InsertMessage, || http.insert(message)).unwrap_or_else(|| {
                // Only a batch call can be "unsupported"; a single 404 is an answer.
                Err(CoreError::Other {
                    detail: "internal: single insert refused as a batch".to_owned(),
                })
            })
        })
        .collect();
    Reply::InsertEach { messages, results }
}

fn status_each(http: &CoreHttp, shared: &Shared, updates: Vec<BatchStatusUpdate>) -> Reply {
    let count = updates.len();
    if count > 1 && shared.supports_batch.load(Ordering::Relaxed) {
        if let Some(answer) = call(shared, Endpoint::ProcessMessageBatch, || {
            http.status_batch(&updates)
        }) {
            let results = match answer {
                Ok(elements) if elements.len() == count => elements
                    .into_iter()
                    .map(|element| status_answer(element).map(drop))
                    .collect(),
                Ok(elements) => vec![Err(short_answer(elements.len(), count)); count],
                Err(error) => vec![Err(error); count],
            };
            return Reply::StatusEach { updates, results };
        }
    }
    let results: Vec<Result<(), CoreError>> = updates
        .iter()
        .map(|u| {
            call(shared, Endpoint::ProcessMessage, || {
                http.put_status(&u.id, &u.update)
            })
            .unwrap_or_else(|| {
                Err(CoreError::Other {
                    detail: "internal: single status refused as a batch".to_owned(),
                })
            })
        })
        .collect();
    Reply::StatusEach { updates, results }
}

/// Makes one call to `endpoint`, counted and logged like every pool call. `None` when a batch
/// endpoint turned out to be missing: batching is then off until the next health answer, and
/// the caller falls back to single calls (that failed call is not counted, as in `coalesce`).
fn call<T>(
    shared: &Shared,
    endpoint: Endpoint,
    exchange: impl FnOnce() -> Result<T, CoreError>,
) -> Option<Result<T, CoreError>> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(exchange)).unwrap_or_else(|_| {
        Err(CoreError::Other {
            detail: "panic while calling the core".to_owned(),
        })
    });
    let took = started.elapsed();
    if let Err(error) = &result {
        let is_batch = matches!(
            endpoint,
            Endpoint::InsertBatch | Endpoint::ProcessMessageBatch
        );
        if is_batch && batch_unsupported(error) {
            shared.supports_batch.store(false, Ordering::Relaxed);
            return None;
        }
        shared.log_failure(endpoint, error);
    }
    let outcome = result.as_ref().map(|_| ()).map_err(CoreError::error_kind);
    shared.stats.record(endpoint, outcome, took);
    Some(result)
}

/// An insert element's result as the single call would give it.
fn inserted(element: core_api::BatchInsertResult) -> Result<InsertResponse, CoreError> {
    match insert_answer(element)? {
        Reply::Inserted(response) => Ok(response),
        other => Err(CoreError::Other {
            detail: format!("internal: unexpected {} reply", other.name()),
        }),
    }
}

fn short_answer(got: usize, count: usize) -> CoreError {
    CoreError::Parse {
        detail: format!("the batch answer carries {got} results for {count} elements"),
    }
}
