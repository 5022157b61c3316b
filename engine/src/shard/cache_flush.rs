//! The flush worker of one shard's cache: a thread (fjall calls block, so they stay off the
//! executor) that every `cache_flush_interval` takes the due records oldest first, inserts
//! them into the core with their `frontend_message_id` (a batch insert when the core offers
//! it, else concurrent single inserts through the pool) and settles each answer with the
//! cache's state machine, which writes the SPEC section 5 log lines.
//!
//! A round goes on while full pages are due; it stops early when a whole page failed
//! temporarily (the core is down: the rest keep their turn and their retry count for the next
//! round instead of each burning an attempt on the same outage).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use core_api::{BatchInsertResult, InsertMessage, InsertResponse};
use futures_lite::future::block_on;

use super::caches::ShardCache;
use crate::cache::{CachedPayload, DueMessage};
use crate::coreclient::{CoreClient, CoreError, Job, Reply};

/// Records taken per page of a round.
pub const FLUSH_PAGE: usize = 256;
/// How often a waiting flush thread looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Starts shard `cache`'s flush thread (`cache-flush-<shard>`); it stops when `stop` is set.
pub(super) fn start(
    cache: Arc<ShardCache>,
    core: CoreClient,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("cache-flush-{}", cache.cache().shard()))
        .spawn(move || {
            let interval = interval.max(Duration::from_millis(10));
            let mut next = Instant::now() + interval;
            while !stop.load(Ordering::SeqCst) {
                let now = Instant::now();
                // Notices a database fjall refused and reopens it (see `cache::heal`).
                let working = cache.cache().maintain(now);
                if now < next || !working {
                    let wait = next.saturating_duration_since(now);
                    std::thread::sleep(if working {
                        wait.min(STOP_POLL)
                    } else {
                        STOP_POLL
                    });
                    continue;
                }
                flush_round(&cache, &core, &stop);
                next = Instant::now() + interval;
            }
        })
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundOutcome {
    /// Records the core took.
    pub delivered: usize,
    /// Records that failed (rescheduled or failed_permanent).
    pub failed: usize,
}

/// Delivers what is due now, page after page; see the module doc.
pub fn flush_round(shard: &ShardCache, core: &CoreClient, stop: &AtomicBool) -> RoundOutcome {
    let cache = shard.cache();
    let mut outcome = RoundOutcome::default();
    loop {
        let due = match cache.due(SystemTime::now(), FLUSH_PAGE) {
            Ok(due) => due,
            Err(error) => {
                // While the database is closed after a failure `maintain` does the logging.
                if cache.is_healthy() {
                    log::error!("cache shard {}: flush: {error}", cache.shard());
                }
                return outcome;
            }
        };
        if due.is_empty() {
            return outcome;
        }
        let full_page = due.len() == FLUSH_PAGE;
        let answers = deliver(core, &due);
        let now = SystemTime::now();
        let mut delivered = Vec::with_capacity(due.len());
        let mut temporary_failures = 0;
        for (message, answer) in due.iter().zip(&answers) {
            match answer {
                Ok(api_id) => delivered.push((message.id, api_id.as_str())),
                Err(error) => {
                    temporary_failures += usize::from(error.is_temporary());
                    outcome.failed += 1;
                    if let Err(e) =
                        cache.failed(message.id, &error.to_string(), error.is_temporary(), now)
                    {
                        log::error!("cache shard {}: flush: {e}", cache.shard());
                    }
                }
            }
        }
        if !delivered.is_empty() {
            shard.mark_core_up();
            outcome.delivered += delivered.len();
            if let Err(e) = cache.delivered_many(&delivered) {
                log::error!("cache shard {}: flush: {e}", cache.shard());
            }
        } else if temporary_failures > 0 {
            shard.mark_core_down(now);
            return outcome;
        }
        if !full_page || stop.load(Ordering::SeqCst) {
            return outcome;
        }
    }
}

/// Sends `due` to the core (inserts, and receipt posts); one answer (the core's id) per
/// record, in order.
fn deliver(core: &CoreClient, due: &[DueMessage]) -> Vec<Result<String, CoreError>> {
    let mut inserts = Vec::with_capacity(due.len());
    let mut receipts = Vec::new();
    for (at, record) in due.iter().enumerate() {
        match &record.payload {
            CachedPayload::Insert(message) => inserts.push((at, message.clone())),
            CachedPayload::Receipt(receipt) => receipts.push((at, receipt.clone())),
        }
    }
    let mut answers: Vec<Result<String, CoreError>> = due
        .iter()
        .map(|_| {
            Err(CoreError::Other {
                detail: "not sent".to_owned(),
            })
        })
        .collect();
    let (positions, messages): (Vec<usize>, Vec<InsertMessage>) = inserts.into_iter().unzip();
    for (at, answer) in positions.into_iter().zip(insert_all(core, messages)) {
        if let Some(slot) = answers.get_mut(at) {
            *slot = answer.map(|inserted| inserted.id);
        }
    }
    // Queue every post first so the pool works on them concurrently, then collect.
    let posts: Vec<_> = receipts
        .into_iter()
        .map(|(at, receipt)| {
            (
                at,
                block_on(core.enqueue(Job::PostDeliveryReceipt(receipt))),
            )
        })
        .collect();
    for (at, reply) in posts {
        let answer = match block_on(reply) {
            Ok(Reply::ReceiptAccepted(accepted)) => Ok(accepted.id),
            Ok(other) => Err(unexpected(&other)),
            Err(error) => Err(error),
        };
        if let Some(slot) = answers.get_mut(at) {
            *slot = answer;
        }
    }
    answers
}

fn unexpected(reply: &Reply) -> CoreError {
    CoreError::Other {
        detail: format!("unexpected answer from the core pool: {reply:?}"),
    }
}

/// Inserts `messages`; one answer per message, in order.
fn insert_all(
    core: &CoreClient,
    messages: Vec<InsertMessage>,
) -> Vec<Result<InsertResponse, CoreError>> {
    if messages.is_empty() {
        return Vec::new();
    }
    let count = messages.len();
    if core.supports_batch() && count > 1 {
        match block_on(core.insert_batch(messages.clone())) {
            Ok(results) if results.len() == count => {
                return results.into_iter().map(batch_answer).collect();
            }
            Ok(results) => log::warn!(
                "core answered {} results to a batch of {count}; inserting one by one",
                results.len(),
            ),
            Err(error) if error.is_temporary() => {
                return messages.iter().map(|_| Err(error.clone())).collect();
            }
            // The batch itself was refused (endpoint gone, body too large): not a verdict on
            // each message, so ask again one by one.
            Err(error) => log::warn!("batch insert refused ({error}); inserting one by one"),
        }
    }
    // Queue every insert first so the pool works on them concurrently, then collect.
    let replies: Vec<_> = messages
        .into_iter()
        .map(|message| block_on(core.enqueue(Job::InsertMessage(message))))
        .collect();
    replies
        .into_iter()
        .map(|reply| match block_on(reply)? {
            Reply::Inserted(inserted) => Ok(inserted),
            other => Err(unexpected(&other)),
        })
        .collect()
}

/// One element of a batch insert's answer: 200/201 with an id is taken, a 4xx element is
/// refused for good, anything else is temporary.
fn batch_answer(result: BatchInsertResult) -> Result<InsertResponse, CoreError> {
    match (result.status, result.id) {
        (200 | 201, Some(id)) => Ok(InsertResponse { id }),
        (200 | 201, None) => Err(CoreError::Parse {
            detail: "batch element accepted without an id".to_owned(),
        }),
        (status, _) => Err(CoreError::Http {
            status,
            body_reason: result.error.unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn batch_elements_map_to_taken_refused_or_temporary() {
        let taken = batch_answer(BatchInsertResult {
            status: 201,
            id: Some("7".into()),
            error: None,
        });
        assert_eq!(taken, Ok(InsertResponse { id: "7".into() }));
        let refused = batch_answer(BatchInsertResult {
            status: 400,
            id: None,
            error: Some("bad".into()),
        });
        assert!(!refused.unwrap_err().is_temporary());
        let busy = batch_answer(BatchInsertResult {
            status: 503,
            id: None,
            error: None,
        });
        assert!(busy.unwrap_err().is_temporary());
        assert!(batch_answer(BatchInsertResult {
            status: 200,
            id: None,
            error: None
        })
        .unwrap_err()
        .is_temporary());
    }
}
