//! The core-API client pool: blocking HTTP calls to the OmniMessage core, made by a few std
//! threads on behalf of async callers (the glommio shards).
//!
//! A caller turns a [`Job`] into a [`ReplyFuture`] with [`CoreClient::try_submit`] (which hands
//! the job back when the bounded channel is full) or [`CoreClient::enqueue`] /
//! [`CoreClient::submit`] (which yield and retry), and awaits the answer without blocking its
//! executor. The typed calls ([`CoreClient::insert_message`], [`CoreClient::get_queue`], ...)
//! wrap `submit`. All workers share one keep-alive `ureq::Agent` with per-phase time-outs.
//! Errors are classified for retry decisions and metrics ([`CoreError`]); per-endpoint counters
//! and latency histograms are read with [`CoreClient::stats`].

mod client;
mod coalesce;
mod config;
mod each;
mod endpoint;
mod error;
mod http;
mod job;
mod pool;
mod registration;
mod stats;

pub use client::{CoreClient, ReplyFuture};
pub use config::{ConfigError, CoreClientConfig, DEFAULT_TIMEOUT};
pub use endpoint::Endpoint;
pub use error::{CoreError, ErrorKind};
pub use job::{Job, Reply};
pub use pool::{CorePool, StartError};
pub use registration::{
    frontend_registration, BindState, BindStatus, HealthProbe, DEFAULT_TTL_SECONDS, FRONTEND_TYPE,
    FRONTEND_VERSION, HEARTBEAT_INTERVAL,
};
pub use stats::{
    latency_bucket, EndpointStats, StatsSnapshot, LATENCY_BUCKETS, LATENCY_BUCKET_BOUNDS_US,
};
