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

mod auth;
mod carrier;
mod client;
mod context;
mod deliveries;
mod driver;
mod heartbeat;
mod idmap;
mod mailbox;
mod mt;
mod partner;
mod receipts;
mod runtime;
mod server;
mod shared;

pub use auth::{address_allowed, authenticate, config_bind_type, session_bind_type, Refusal};
pub use heartbeat::CoreHealth;
pub use runtime::{
    prepare_memlock, start, Running, RuntimeError, RuntimeOptions, IO_MEMORY_PER_SHARD,
    SHUTDOWN_GRACE,
};
pub use shared::{home_shard, ClientBindRuntime, Peers, ServerBindRuntime, Shared};
