//! Per-bind counters (SPEC.md section 6), updated lock-free from any shard.
//!
//! Each bind owns one [`BindStats`] behind an `Arc`; sessions bump its atomics with relaxed
//! ordering (they are counters, not synchronisation) and the metrics sidecar reads
//! [`BindStats::snapshot`]s. Counters start at zero on every start of the gateway.

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

/// How a bind's connection stands, as shown on the status page and in the heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Not connected (a server bind with no session, a client bind before its first try).
    Disconnected = 0,
    /// A client bind is connecting or binding.
    Connecting = 1,
    /// Bound (a server bind: at least one bound session).
    Connected = 2,
    /// A client bind is waiting to retry after a failure.
    Reconnecting = 3,
    /// A client bind configured with `enabled = false`.
    Disabled = 4,
}

impl ConnectionStatus {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::Connecting,
            2 => Self::Connected,
            3 => Self::Reconnecting,
            4 => Self::Disabled,
            _ => Self::Disconnected,
        }
    }

    /// The lower-case name (`connected`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disconnected => "disconnected",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Disabled => "disabled",
        }
    }
}

/// The live counters of one bind.
#[derive(Debug)]
pub struct BindStats {
    messages_sent: AtomicU64,
    messages_received: AtomicU64,
    delivery_failures: AtomicU64,
    bind_success: AtomicU64,
    bind_failures: AtomicU64,
    connection_attempts: AtomicU64,
    disconnections: AtomicU64,
    enquire_link_sent: AtomicU64,
    enquire_link_received: AtomicU64,
    throttled: AtomicU64,
    rejected: AtomicU64,
    bound_sessions: AtomicU64,
    status: AtomicU8,
    status_since_ms: AtomicI64,
    /// Requests awaiting their response over all the bind's sessions (a gauge).
    in_flight: AtomicU64,
    /// The last error met and when (Unix ms); written on failures only, never per PDU.
    last_error: Mutex<Option<(i64, String)>>,
}

/// A copy of a bind's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BindStatsSnapshot {
    /// Messages sent: submit_sm accepted by a carrier (client) or deliver_sm accepted by a
    /// partner (server).
    pub messages_sent: u64,
    /// Messages received: submit_sm from a partner or MO/receipt deliver_sm from a carrier.
    pub messages_received: u64,
    /// Sends that failed (error status, timeout, lost link).
    pub delivery_failures: u64,
    /// Successful binds.
    pub bind_success: u64,
    /// Refused or failed binds.
    pub bind_failures: u64,
    /// TCP connections opened (client) or accepted (server).
    pub connection_attempts: u64,
    /// Sessions that ended.
    pub disconnections: u64,
    /// enquire_link requests we sent.
    pub enquire_link_sent: u64,
    /// enquire_link requests the peer sent.
    pub enquire_link_received: u64,
    /// Requests answered or held back because of the TPS limit.
    pub throttled: u64,
    /// Requests refused for another reason (whitelist, core refusal).
    pub rejected: u64,
    /// Sessions currently bound.
    pub bound_sessions: u64,
    /// Connection status.
    pub status: u8,
    /// Unix milliseconds when the status last changed.
    pub status_since_ms: i64,
}

impl BindStatsSnapshot {
    /// The connection status.
    pub fn connection_status(&self) -> ConnectionStatus {
        ConnectionStatus::from_u8(self.status)
    }
}

macro_rules! counter_methods {
    ($($name:ident => $field:ident),* $(,)?) => {
        $(
            #[doc = concat!("Adds `n` to `", stringify!($field), "`.")]
            pub fn $name(&self, n: u64) {
                self.$field.fetch_add(n, Ordering::Relaxed);
            }
        )*
    };
}

impl Default for BindStats {
    fn default() -> Self {
        Self::new()
    }
}

impl BindStats {
    /// Zeroed counters, status disconnected since now.
    pub fn new() -> Self {
        Self {
            messages_sent: AtomicU64::new(0),
            messages_received: AtomicU64::new(0),
            delivery_failures: AtomicU64::new(0),
            bind_success: AtomicU64::new(0),
            bind_failures: AtomicU64::new(0),
            connection_attempts: AtomicU64::new(0),
            disconnections: AtomicU64::new(0),
            enquire_link_sent: AtomicU64::new(0),
            enquire_link_received: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            bound_sessions: AtomicU64::new(0),
            status: AtomicU8::new(ConnectionStatus::Disconnected as u8),
            status_since_ms: AtomicI64::new(core_api::rfc3339::now_millis()),
            in_flight: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// Moves the in-flight gauge by the change of one session's window from `before` to
    /// `after` (each session reports its own changes, so the gauge is their sum).
    pub fn move_in_flight(&self, before: usize, after: usize) {
        let (before, after) = (before as u64, after as u64);
        if after > before {
            self.in_flight.fetch_add(after - before, Ordering::Relaxed);
        } else if before > after {
            let _ = self
                .in_flight
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(before - after))
                });
        }
    }

    /// Requests awaiting their response over all the bind's sessions.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Records the error the bind just met (for the status page).
    pub fn set_last_error(&self, error: impl Into<String>) {
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *last = Some((core_api::rfc3339::now_millis(), error.into()));
    }

    /// The last error the bind met and when (Unix ms), if any.
    pub fn last_error(&self) -> Option<(i64, String)> {
        self.last_error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    counter_methods! {
        add_sent => messages_sent,
        add_received => messages_received,
        add_delivery_failures => delivery_failures,
        add_bind_success => bind_success,
        add_bind_failures => bind_failures,
        add_connection_attempts => connection_attempts,
        add_disconnections => disconnections,
        add_enquire_link_sent => enquire_link_sent,
        add_enquire_link_received => enquire_link_received,
        add_throttled => throttled,
        add_rejected => rejected,
    }

    /// Sets the connection status (and its since-time when it changes).
    pub fn set_status(&self, status: ConnectionStatus) {
        let previous = self.status.swap(status as u8, Ordering::Relaxed);
        if previous != status as u8 {
            self.status_since_ms
                .store(core_api::rfc3339::now_millis(), Ordering::Relaxed);
        }
    }

    /// The connection status now.
    pub fn status(&self) -> ConnectionStatus {
        ConnectionStatus::from_u8(self.status.load(Ordering::Relaxed))
    }

    /// A session of this (server) bind became bound: the bind is connected.
    pub fn session_bound(&self) {
        self.bind_success.fetch_add(1, Ordering::Relaxed);
        self.bound_sessions.fetch_add(1, Ordering::Relaxed);
        self.set_status(ConnectionStatus::Connected);
    }

    /// A bound session of this (server) bind ended; the bind is disconnected when it was the
    /// last one.
    pub fn session_unbound(&self) {
        let before = self
            .bound_sessions
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(1))
            })
            .unwrap_or(0);
        if before <= 1 {
            self.set_status(ConnectionStatus::Disconnected);
        }
    }

    /// Sessions bound now.
    pub fn bound_sessions(&self) -> u64 {
        self.bound_sessions.load(Ordering::Relaxed)
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> BindStatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        BindStatsSnapshot {
            messages_sent: load(&self.messages_sent),
            messages_received: load(&self.messages_received),
            delivery_failures: load(&self.delivery_failures),
            bind_success: load(&self.bind_success),
            bind_failures: load(&self.bind_failures),
            connection_attempts: load(&self.connection_attempts),
            disconnections: load(&self.disconnections),
            enquire_link_sent: load(&self.enquire_link_sent),
            enquire_link_received: load(&self.enquire_link_received),
            throttled: load(&self.throttled),
            rejected: load(&self.rejected),
            bound_sessions: load(&self.bound_sessions),
            status: self.status.load(Ordering::Relaxed),
            status_since_ms: self.status_since_ms.load(Ordering::Relaxed),
        }
    }
}

/// Counters of the shared listener (not of any one bind).
#[derive(Debug, Default)]
pub struct ListenerStats {
    /// Connections accepted.
    pub accepted: AtomicU64,
    /// Connections closed at once because `max_connections` were open.
    pub refused_max_connections: AtomicU64,
    /// Connections refused because no server bind whitelists the peer address.
    pub refused_ip: AtomicU64,
    /// Binds refused (unknown system_id, wrong password, bind type not allowed).
    pub bind_refused: AtomicU64,
    /// Connections closed at accept because their address is locked out after failed binds.
    pub refused_locked_out: AtomicU64,
    /// Lockouts begun (`listen.bind_failure_limit` failed binds from one address).
    pub lockouts: AtomicU64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_status_round_trip() {
        let stats = BindStats::new();
        stats.add_sent(3);
        stats.add_received(2);
        stats.session_bound();
        stats.session_bound();
        let snap = stats.snapshot();
        assert_eq!(snap.messages_sent, 3);
        assert_eq!(snap.messages_received, 2);
        assert_eq!(snap.bind_success, 2);
        assert_eq!(snap.connection_status(), ConnectionStatus::Connected);
        stats.session_unbound();
        assert_eq!(stats.status(), ConnectionStatus::Connected);
        stats.session_unbound();
        assert_eq!(stats.status(), ConnectionStatus::Disconnected);
        stats.session_unbound();
        assert_eq!(stats.bound_sessions(), 0);
    }

    #[test]
    fn in_flight_sums_each_sessions_changes_and_never_goes_negative() {
        let stats = BindStats::new();
        stats.move_in_flight(0, 3);
        stats.move_in_flight(0, 2);
        assert_eq!(stats.in_flight(), 5);
        stats.move_in_flight(3, 1);
        assert_eq!(stats.in_flight(), 3);
        stats.move_in_flight(9, 0);
        assert_eq!(stats.in_flight(), 0);
        assert_eq!(stats.last_error(), None);
        stats.set_last_error("bind refused");
        assert_eq!(
            stats.last_error().map(|e| e.1).as_deref(),
            Some("bind refused")
        );
    }
}
