//! The gateway's runtime: the only place with sockets and timers (glommio executors).
//!
//! One pinned executor ("shard") per core. Each shard binds the listener (SO_REUSEPORT lets
//! the kernel spread partners' connections), runs the client binds whose name hashes to it,
//! and drives each connection with one task that owns the TCP stream and the sans-io session
//! ([`crate::session`]). Shards share only immutable configuration and atomics
//! ([`Shared`]): per-bind rate limiters and counters, the listener's connection count and the
//! stop flag.
//!
//! Start with [`start`] after installing the logger ([`crate::logger`]); stop with
//! [`Running::stop`] and [`Running::wait`].
//!
//! # Behaviour choices
//!
//! - Listener gates: see [`authenticate`] (IP refused before bind when no server bind allows
//!   it; 0x0F unknown system_id, 0x0D address outside this bind's whitelist, 0x0E password,
//!   0x0D bind type). `max_connections` over: closed at accept, counted.
//! - Partner submit_sm/data_sm: source whitelist miss -> ESME_RINVSRCADR (0x0A) and the log
//!   line `Rejected submit_sm from <bind> - source_addr '<X>' not in whitelist`; over
//!   `tps_limit` -> ESME_RTHROTTLED (0x58); otherwise inserted into the core and answered with
//!   the core's id. Core unreachable/5xx/timeout -> ESME_RMSGQFUL (0x14, temporary); core 4xx
//!   -> ESME_RSUBMITFAIL (0x45). A PDU that cannot be translated gets the translator's status.
//! - Store-and-forward ([`Caches`], `cache_flow`, [`cache_flush`]): on a bind with
//!   `cache_enabled`, a temporary core failure stores the partner's submit (or the carrier's
//!   MO / unmatched receipt) in the shard's cache and answers ESME_ROK (a local id) after the
//!   group commit's fsync; the shard's flush thread delivers it later.
//! - Valid operations a stateless frontend cannot carry out get the failure status SMPP 3.4
//!   defines for that operation, never ESME_RINVCMDID: query_sm -> ESME_RQUERYFAIL (0x67),
//!   cancel_sm -> ESME_RCANCELFAIL (0x11), replace_sm -> ESME_RREPLACEFAIL (0x13).
//! - submit_multi: one core message per SME destination, distribution lists refused with
//!   ESME_RINVDLNAME in unsuccess_sme (see `multi.rs`).
//! - Carrier deliver_sm (MO or receipt): deliver_sm_resp ESME_ROK only after the core took it,
//!   else ESME_RSYSERR (0x08) so the carrier retries. A receipt that overtakes its
//!   submit_sm_resp is looked up again for up to 2 s; unmatched ones go to
//!   `POST /api/delivery_receipts`. The id map is in memory per bind plus, on disc storage, the
//!   shard's fjall `ReceiptMap` (receipts after a restart still match).
//! - A partner session runs with its server bind's `window_size`, `response_timeout` and
//!   `enquire_link_interval` from the moment its bind is accepted (`peer_settings.rs`).
//! - Carrier MO parts on a client bind with `mo_reassembly = true` are held in the shard's
//!   fjall store (`<cache_dir>/mo_parts/shard-<n>`) and acknowledged once on disk; a complete
//!   message is inserted as one, expired parts one by one (`mo_parts.rs`). Without it each part
//!   is its own message with its `concat` and `udh`.
//! - MT: a queue poll asks for what the window and one second of TPS can carry; a full page
//!   polls again at once, a partial one after `smpp_poll_interval`, an empty one after
//!   `queue_check_frequency`. Carrier 0x58/0x14 pause the bind's submits (0.5 s doubling to
//!   30 s). A message is reported once, after its last part; a part without answer (timeout,
//!   lost link, shutdown) reports the message failed (temporary) so the core resends it.
//! - Counters count PDUs: `messages_sent` is submit_sm accepted by the carrier (each part) or
//!   a message delivered to a partner; `messages_received` is a partner submit the core took or
//!   a carrier deliver_sm.
//! - Shutdown: stop polling, unbind every session (a partner session first waits for its
//!   inserts in flight), wait for the core calls already made, up to [`SHUTDOWN_GRACE`] each.

mod auth;
mod cache_flow;
pub mod cache_flush;
mod caches;
mod carrier;
mod client;
mod context;
mod control;
mod core_queue;
mod core_waiters;
mod deliveries;
mod driver;
mod heartbeat;
mod idmap;
mod mailbox;
mod mo_parts;
mod mt;
mod multi;
mod partner;
mod peer_settings;
mod receipt_hold;
mod receipts;
mod runtime;
mod server;
mod shared;

pub use auth::{address_allowed, authenticate, config_bind_type, session_bind_type, Refusal};
pub use caches::{
    cache_settings, configure_binds, CacheOpenError, Caches, ShardCache, CORE_DOWN_HOLD,
};
pub use heartbeat::CoreHealth;
pub use runtime::{
    prepare_memlock, start, Running, RuntimeError, RuntimeOptions, IO_MEMORY_PER_SHARD,
    SHUTDOWN_GRACE,
};
pub use shared::{
    home_shard, ClientBindRuntime, OperatorCommands, Peers, ServerBindRuntime, Shared,
};
