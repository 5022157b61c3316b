//! Recovery after fjall refused a shard's database.
//!
//! fjall treats a failed journal write or fsync (and a failed background flush or compaction)
//! as fatal: it marks the database poisoned and refuses every later write with
//! `Error::Poisoned`, until the database is closed and opened again. The writer's free-space
//! guard ([`super::DISK_RESERVE_BYTES`]) keeps the gateway's own stores from getting there,
//! but another process filling the disk still does (the flush's state changes and
//! deletions write too).
//!
//! [`MessageCache::maintain`], called by the shard's flush thread between rounds, notices it
//! (a cheap probe once a second), logs it once, and once the filesystem has the reserve free
//! again (tried at once, then after 1, 2, 4 and every 5 s) closes the database and opens it
//! from disk: journal recovery brings back everything that was persisted. The index in memory
//! is the reference for what is still owed: a record on disk that the index does not hold (a
//! batch that failed and was never acknowledged, a record delivered or deleted whose deletion
//! did not reach the disk) is deleted, and a record the index holds keeps its state
//! (`delivering` goes back to `pending`). Meanwhile stores get a temporary error (fjall's
//! `Poisoned`, or [`CacheError::Unavailable`] during the reopen), never an ack.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use fjall::PersistMode;

use super::partition::{recover, MessageCache, Store};
use super::record::{record_key, MessageState};
use super::{CacheError, DISK_RESERVE_BYTES};

/// How often a working database is probed for fjall's poisoned mark.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Longest wait between two reopen attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);
/// At most one "still waiting" line per this long.
const REMIND_EVERY: Duration = Duration::from_secs(60);
/// How long a reopen waits for the operations under way to let go of the old database
/// (`DRAIN_STEPS` sleeps of `DRAIN_STEP`).
const DRAIN_STEP: Duration = Duration::from_millis(5);
const DRAIN_STEPS: u32 = 400;

/// Whether the database works, as [`decide`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Health {
    /// Working; probe it again at `next_probe` (`None`: now).
    Working { next_probe: Option<Instant> },
    /// Refused by fjall; try to reopen at `next_attempt`.
    Failed { next_attempt: Instant },
}

/// What a maintenance tick does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Nothing is due.
    Nothing,
    /// Ask fjall whether the database is poisoned.
    Probe,
    /// Failed, but the filesystem has less than the reserve free: wait for room.
    WaitForRoom,
    /// Close and reopen the database.
    Reopen,
}

/// The maintenance decision at `now`, given the free bytes of the cache's filesystem (`None`
/// when unknown: then a reopen is tried and the open itself decides).
pub(super) fn decide(health: Health, now: Instant, free_bytes: Option<u64>) -> Action {
    match health {
        Health::Working { next_probe } => match next_probe {
            Some(at) if now < at => Action::Nothing,
            _ => Action::Probe,
        },
        Health::Failed { next_attempt } if now < next_attempt => Action::Nothing,
        Health::Failed { .. } => match free_bytes {
            Some(free) if free < DISK_RESERVE_BYTES => Action::WaitForRoom,
            _ => Action::Reopen,
        },
    }
}

/// The wait after the `attempts`-th unsuccessful reopen (or wait for room): 1, 2, 4, then 5 s.
pub(super) fn retry_delay(attempts: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX);
    Duration::from_secs(1)
        .saturating_mul(factor)
        .min(MAX_RETRY_DELAY)
}

/// The maintenance state kept in the cache.
#[derive(Debug)]
pub(super) struct HealthState {
    health: Health,
    /// Unsuccessful reopen attempts (and waits for room) since the failure.
    attempts: u32,
    /// When the failure was noticed.
    since: Option<Instant>,
    /// When the last "still waiting" line was written.
    reminded: Option<Instant>,
}

impl Default for HealthState {
    fn default() -> Self {
        HealthState {
            health: Health::Working { next_probe: None },
            attempts: 0,
            since: None,
            reminded: None,
        }
    }
}

impl HealthState {
    /// Counts an unsuccessful attempt (or a wait for room) and schedules the next one after
    /// [`retry_delay`]; `true` when a "still waiting" line is due (at most one per
    /// [`REMIND_EVERY`]), which it then counts as written.
    fn retry_later(&mut self, now: Instant) -> bool {
        self.attempts = self.attempts.saturating_add(1);
        self.health = Health::Failed {
            next_attempt: now + retry_delay(self.attempts),
        };
        let remind = self
            .reminded
            .is_none_or(|at| now.saturating_duration_since(at) >= REMIND_EVERY);
        if remind {
            self.reminded = Some(now);
        }
        remind
    }
}

/// What a reopen found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reconciled {
    /// Records the index holds, found on disk.
    kept: usize,
    /// Records on disk the index does not hold (never acknowledged, or already gone).
    discarded: usize,
    /// Records the index holds that the disk lost.
    missing: usize,
}

/// A readable cause for a fjall error (the I/O error itself when there is one).
fn describe(error: &fjall::Error) -> String {
    match error {
        fjall::Error::Io(e) => e.to_string(),
        other => match std::error::Error::source(other) {
            Some(source) => source.to_string(),
            None => other.to_string(),
        },
    }
}

fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let fs = rustix::fs::statvfs(path).ok()?;
    Some(fs.f_bavail.saturating_mul(fs.f_frsize))
}

impl MessageCache {
    /// Passes a fjall result on, remembering the error (the cause named when the database
    /// turns out poisoned).
    pub(super) fn noted<T>(&self, result: Result<T, fjall::Error>) -> Result<T, CacheError> {
        result.map_err(|e| {
            if !matches!(e, fjall::Error::Poisoned) {
                *self
                    .inner
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(describe(&e));
            }
            CacheError::Fjall(e)
        })
    }

    /// Whether the database works (false from the moment [`MessageCache::maintain`] noticed
    /// fjall refusing it until it is reopened).
    pub fn is_healthy(&self) -> bool {
        matches!(self.health().health, Health::Working { .. })
    }

    fn health(&self) -> std::sync::MutexGuard<'_, HealthState> {
        self.inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Watches the database and reopens it after fjall refused it (see the module doc). Call
    /// it often (every few hundred ms) from one blocking thread, the shard's flush thread;
    /// it does disk I/O only when something is due. Returns whether the database works.
    pub fn maintain(&self, now: Instant) -> bool {
        let mut state = self.health();
        let free = match state.health {
            Health::Failed { .. } => free_bytes(self.path()),
            Health::Working { .. } => None,
        };
        match decide(state.health, now, free) {
            Action::Nothing => {}
            Action::Probe => {
                state.health = Health::Working {
                    next_probe: now.checked_add(PROBE_EVERY),
                };
                if let Some(cause) = self.probe() {
                    log::error!(
                        "cache shard {}: the cache database {} is poisoned: fjall refuses every \
                         write after {cause}; new messages get a temporary error and the cached \
                         ones wait until the gateway reopens it, tried once {DISK_RESERVE_BYTES} bytes \
                         are free on its filesystem",
                        self.shard(),
                        self.path().display()
                    );
                    state.health = Health::Failed { next_attempt: now };
                    state.attempts = 0;
                    state.since = Some(now);
                    state.reminded = Some(now);
                }
            }
            Action::WaitForRoom => {
                if state.retry_later(now) {
                    log::warn!(
                        "cache shard {}: the cache database {} is still closed: {} bytes free, \
                         reopening once {DISK_RESERVE_BYTES} are",
                        self.shard(),
                        self.path().display(),
                        free.unwrap_or(0)
                    );
                }
            }
            Action::Reopen => match self.reopen() {
                Ok(done) => {
                    let down = state
                        .since
                        .map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
                    *state = HealthState::default();
                    log::warn!(
                        "cache shard {}: reopened the cache database {} after {} s: {} \
                         cached messages kept, {} on disk not owed any more deleted \
                         (never acknowledged, or delivered before the failure)",
                        self.shard(),
                        self.path().display(),
                        down.as_secs(),
                        done.kept,
                        done.discarded
                    );
                    if done.missing > 0 {
                        log::error!(
                            "cache shard {}: {} cached messages were not on disk any more after \
                             the reopen of {}",
                            self.shard(),
                            done.missing,
                            self.path().display()
                        );
                    }
                }
                Err(e) => {
                    // The first failed attempt is always told, whatever was logged before.
                    if state.retry_later(now) || state.attempts == 1 {
                        state.reminded = Some(now);
                        log::error!(
                            "cache shard {}: cannot reopen the cache database {} yet (attempt \
                             {}): {e}",
                            self.shard(),
                            self.path().display(),
                            state.attempts
                        );
                    }
                }
            },
        }
        matches!(state.health, Health::Working { .. })
    }

    /// `Some(cause)` when fjall refuses the database. An empty flush of the journal buffer:
    /// it fails with `Poisoned` once the database is, and writes nothing otherwise.
    fn probe(&self) -> Option<String> {
        let store = match self.store() {
            Ok(store) => store,
            Err(e) => return Some(e.to_string()),
        };
        let cause = match store.db.persist(PersistMode::Buffer) {
            Ok(()) => return None,
            Err(fjall::Error::Poisoned) => None,
            Err(e) => Some(describe(&e)),
        };
        let last = self
            .inner
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Some(match cause.or(last) {
            Some(cause) => format!("a failed write or fsync ({cause})"),
            None => "a failed background flush or compaction (see fjall's error above)".to_owned(),
        })
    }

    /// Closes the database (once the operations under way let go of it), opens it from disk
    /// and reconciles it with the index.
    fn reopen(&self) -> Result<Reconciled, CacheError> {
        if let Some(mut old) = self.take_store() {
            let mut steps = 0;
            let old = loop {
                match Arc::try_unwrap(old) {
                    Ok(store) => break store,
                    Err(back) if steps >= DRAIN_STEPS => {
                        self.put_store(back);
                        return Err(CacheError::Unavailable(format!(
                            "{} (still in use)",
                            self.path().display()
                        )));
                    }
                    Err(back) => {
                        old = back;
                        steps += 1;
                        std::thread::sleep(DRAIN_STEP);
                    }
                }
            };
            // Joins fjall's workers and writes out what its journal buffer still holds.
            drop(old);
        }
        let store = Store::open(self.path())?;
        let done = self.reconcile(&store)?;
        self.put_store(Arc::new(store));
        Ok(done)
    }

    /// Makes the reopened `store` hold what the index holds (see the module doc) and fsyncs.
    fn reconcile(&self, store: &Store) -> Result<Reconciled, CacheError> {
        let (disk, _, _) = recover(store)?;
        let mut done = Reconciled::default();
        let mut index = self.index();
        let mut batch = store.db.batch();
        for (counter, found) in &disk.entries {
            let key = record_key(&found.bind, *counter);
            match index.entries.get(counter) {
                None => {
                    batch.remove(&store.states, key.clone());
                    batch.remove(&store.bodies, key);
                    done.discarded += 1;
                }
                Some(held) => {
                    done.kept += 1;
                    let mut record = held.record.clone();
                    if record.state == MessageState::Delivering {
                        record.state = MessageState::Pending;
                    }
                    if record != found.record {
                        batch.insert(&store.states, key, record.encode());
                    }
                }
            }
        }
        let gone: Vec<u64> = index
            .entries
            .keys()
            .filter(|counter| !disk.entries.contains_key(counter))
            .copied()
            .collect();
        for counter in &gone {
            index.remove(*counter);
        }
        done.missing = gone.len();
        let delivering: Vec<(u64, super::record::StateRecord)> = index
            .entries
            .iter()
            .filter(|(_, e)| e.record.state == MessageState::Delivering)
            .map(|(counter, e)| (*counter, e.record.clone()))
            .collect();
        for (counter, mut record) in delivering {
            record.state = MessageState::Pending;
            index.update(counter, record);
        }
        batch.commit()?;
        store.db.persist(PersistMode::SyncData)?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_working_database_is_probed_once_a_second() {
        let now = Instant::now();
        let first = Health::Working { next_probe: None };
        assert_eq!(decide(first, now, None), Action::Probe);
        let later = Health::Working {
            next_probe: Some(now + PROBE_EVERY),
        };
        assert_eq!(decide(later, now, None), Action::Nothing);
        assert_eq!(decide(later, now + PROBE_EVERY, None), Action::Probe);
    }

    #[test]
    fn a_failed_database_is_reopened_only_when_due_and_with_room() {
        let now = Instant::now();
        let failed = Health::Failed {
            next_attempt: now + Duration::from_secs(2),
        };
        let room = Some(DISK_RESERVE_BYTES);
        assert_eq!(decide(failed, now, room), Action::Nothing);
        let due = now + Duration::from_secs(2);
        assert_eq!(decide(failed, due, room), Action::Reopen);
        assert_eq!(
            decide(failed, due, Some(DISK_RESERVE_BYTES - 1)),
            Action::WaitForRoom
        );
        assert_eq!(decide(failed, due, Some(0)), Action::WaitForRoom);
        // Free space unknown: try, the open decides.
        assert_eq!(decide(failed, due, None), Action::Reopen);
    }

    #[test]
    fn a_retry_is_scheduled_and_reminded_at_most_once_a_minute() {
        let now = Instant::now();
        let mut state = HealthState::default();
        assert!(state.retry_later(now), "the first wait is told");
        assert_eq!(
            state.health,
            Health::Failed {
                next_attempt: now + Duration::from_secs(1)
            }
        );
        assert!(!state.retry_later(now + Duration::from_secs(1)));
        assert_eq!(state.attempts, 2);
        assert!(!state.retry_later(now + Duration::from_secs(59)));
        assert!(state.retry_later(now + REMIND_EVERY));
        assert_eq!(
            state.health,
            Health::Failed {
                next_attempt: now + REMIND_EVERY + MAX_RETRY_DELAY
            }
        );
    }

    #[test]
    fn reopen_attempts_back_off_from_one_to_five_seconds() {
        let secs: Vec<u64> = (0..8).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 1, 2, 4, 5, 5, 5, 5]);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_DELAY);
    }
}
