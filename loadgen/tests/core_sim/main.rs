//! Integration tests of the core simulator over real HTTP on 127.0.0.1, with ureq 3 as the
//! client (the gateway's HTTP client).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod admin_faults;
mod cli;
mod contract;
mod flows;
mod perf;
mod queue;
mod transport;
mod util;
