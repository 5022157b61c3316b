//! Counters of the SMSC simulator: one set per connection (written only by its thread), summed
//! on demand into an [`SmscStats`] snapshot.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Live counters of one connection.
        #[derive(Debug, Default)]
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
        }

        /// A snapshot of the simulator's counters, summed over every connection so far.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
        pub struct SmscStats {
            $($(#[$doc])* pub $name: u64,)*
        }

        impl Counters {
            /// Adds this connection's counts into `total`.
            pub(crate) fn add_to(&self, total: &mut SmscStats) {
                $(total.$name += self.$name.load(Ordering::Relaxed);)*
            }
        }
    };
}

counters! {
    /// TCP connections accepted.
    connections,
    /// Binds accepted.
    binds,
    /// Binds refused (bad system_id or password).
    binds_rejected,
    /// submit_sm received.
    submits,
    /// submit_sm that were one part of a concatenated message (UDH or SAR).
    parts,
    /// submit_sm answered ESME_ROK.
    submits_ok,
    /// submit_sm answered ESME_RTHROTTLED by `--throttle-every`.
    throttled,
    /// submit_sm left unanswered by `--no-response-every`.
    unanswered,
    /// Connections closed by `--drop-after`.
    dropped_connections,
    /// Receipts owed (submit_sm with registered_delivery).
    receipts_queued,
    /// Receipt deliver_sm sent.
    receipts_sent,
    /// Receipt deliver_sm answered ESME_ROK.
    receipts_acked,
    /// MO deliver_sm sent.
    mo_sent,
    /// MO deliver_sm answered ESME_ROK.
    mo_acked,
    /// deliver_sm answered with an error status.
    deliver_errors,
    /// deliver_sm without a response in time, or in flight when the connection closed.
    deliver_lost,
    /// Other requests (data_sm, query_sm, ...) answered ESME_RINVCMDID.
    other_requests,
    /// PDUs that failed to decode.
    decode_errors,
}

impl Counters {
    /// Adds `n` to a counter owned by this connection's thread.
    pub(crate) fn bump(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

impl SmscStats {
    /// Errors injected on purpose: throttles, unanswered submits, dropped connections.
    pub fn injected_errors(&self) -> u64 {
        self.throttled + self.unanswered + self.dropped_connections
    }

    /// One human-readable line.
    pub fn line(&self) -> String {
        format!(
            "conns {} binds {} (rejected {}) submits {} parts {} ok {} | receipts sent {} acked {} \
             | mo sent {} acked {} | injected: throttled {} unanswered {} dropped {} | \
             deliver errors {} lost {}",
            self.connections,
            self.binds,
            self.binds_rejected,
            self.submits,
            self.parts,
            self.submits_ok,
            self.receipts_sent,
            self.receipts_acked,
            self.mo_sent,
            self.mo_acked,
            self.throttled,
            self.unanswered,
            self.dropped_connections,
            self.deliver_errors,
            self.deliver_lost,
        )
    }
}
