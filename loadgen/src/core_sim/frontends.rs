//! Registry of frontends (`POST /api/frontends`) with TTL expiry.

use crate::core_sim::admin_types::FrontendView;
use crate::core_sim::store::lock;
use core_api::rfc3339::format_millis;
use core_api::FrontendRegistration;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most frontends remembered at once (a registration beyond it is refused).
const MAX_FRONTENDS: usize = 10_000;
/// Longest TTL honoured (a day); longer ones are cut to it.
const MAX_TTL_SECONDS: u64 = 86_400;

struct Entry {
    registration: FrontendRegistration,
    first_seen_ms: i64,
    last_seen_ms: i64,
    expires_ms: i64,
    registrations: u64,
}

/// Registered frontends by name.
#[derive(Default)]
pub(crate) struct Frontends {
    entries: Mutex<HashMap<String, Entry>>,
}

/// Outcome of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Registered {
    /// First registration (or the previous one had lapsed).
    New,
    /// A renewal.
    Renewed,
}

impl Frontends {
    /// Records a registration; returns whether it is new and when it lapses.
    pub(crate) fn register(
        &self,
        registration: FrontendRegistration,
        now_ms: i64,
    ) -> Result<(Registered, i64, u64), String> {
        if registration.name.trim().is_empty() {
            return Err("name is empty".to_owned());
        }
        if registration.ttl_seconds == 0 {
            return Err("ttl_seconds must be at least 1".to_owned());
        }
        let ttl = registration.ttl_seconds.min(MAX_TTL_SECONDS);
        let expires_ms = now_ms.saturating_add(i64::try_from(ttl * 1000).unwrap_or(i64::MAX));
        let mut entries = lock(&self.entries);
        entries.retain(|_, e| e.expires_ms > now_ms);
        match entries.get_mut(&registration.name) {
            Some(entry) => {
                entry.registration = registration;
                entry.last_seen_ms = now_ms;
                entry.expires_ms = expires_ms;
                entry.registrations += 1;
                Ok((Registered::Renewed, expires_ms, ttl))
            }
            None => {
                if entries.len() >= MAX_FRONTENDS {
                    return Err(format!("more than {MAX_FRONTENDS} frontends registered"));
                }
                entries.insert(
                    registration.name.clone(),
                    Entry {
                        registration,
                        first_seen_ms: now_ms,
                        last_seen_ms: now_ms,
                        expires_ms,
                        registrations: 1,
                    },
                );
                Ok((Registered::New, expires_ms, ttl))
            }
        }
    }

    /// Frontends whose registration has not lapsed, by name.
    pub(crate) fn live(&self, now_ms: i64) -> Vec<FrontendView> {
        let mut entries = lock(&self.entries);
        entries.retain(|_, e| e.expires_ms > now_ms);
        let mut views: Vec<FrontendView> = entries
            .values()
            .map(|e| FrontendView {
                registration: e.registration.clone(),
                first_seen: format_millis(e.first_seen_ms),
                last_seen: format_millis(e.last_seen_ms),
                expires_at: format_millis(e.expires_ms),
                registrations: e.registrations,
            })
            .collect();
        views.sort_by(|a, b| a.registration.name.cmp(&b.registration.name));
        views
    }

    /// Number of live frontends.
    pub(crate) fn count(&self, now_ms: i64) -> u64 {
        let entries = lock(&self.entries);
        entries.values().filter(|e| e.expires_ms > now_ms).count() as u64
    }

    /// Forgets every frontend.
    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}
