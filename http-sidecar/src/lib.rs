//! The gateway's HTTP sidecar: Prometheus `/metrics`, JSON `/status` and `/health` ([`Sidecar`],
//! `[metrics]` port) and the operator web UI ([`WebUi`], `[web]` port), served by tiny_http on
//! threads of their own.
//!
//! The sidecar reads the gateway only through [`GatewayView`] snapshots (atomics and published
//! configuration, never a lock the shards take) and renders every metric at scrape time. The
//! engine's implementation is [`EngineView`]; tests implement the trait over counters they move
//! themselves. Commands from the UI go out through [`GatewayControl`]; the Logs page reads a
//! [`LogBuffer`] that a [`RingLog`] around the gateway's logger fills.
#![warn(missing_docs)]

pub mod admin;
mod engine_admin;
mod engine_cache;
mod engine_queue;
mod engine_view;
pub mod exposition;
mod http;
pub mod metrics;
mod server;
pub mod status;
pub mod view;
pub mod web;

pub use admin::{CacheAdmin, PeerAdmin, QueueView};
pub use engine_admin::EngineAdmin;
pub use engine_cache::EngineCacheAdmin;
pub use engine_queue::EngineQueue;
pub use engine_view::EngineView;
pub use exposition::Format;
pub use server::{Sidecar, SidecarSettings, DEFAULT_METRICS_PORT};
pub use view::{
    BindIdentity, BindMode, BindView, CacheView, ControlError, CoreView, GatewayControl,
    GatewayInfo, GatewayView, ListenerView,
};
pub use web::logs::{LogBuffer, LogFilter, LogLine, RingLog};
pub use web::{Backends, WebSettings, WebUi, DEFAULT_WEB_PORT};
