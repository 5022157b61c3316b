//! Pieces of the heartbeat loop the shard drives: the registration body and the health probe.

use super::error::CoreError;
use core_api::{BindEntry, BindMode, FrontendRegistration, Health};
use std::time::Duration;

/// `type` of this frontend in the registration.
pub const FRONTEND_TYPE: &str = "smpp";
/// Version reported in the registration.
pub const FRONTEND_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Registration TTL: the core forgets the frontend after this long without a heartbeat.
pub const DEFAULT_TTL_SECONDS: u64 = 90;
/// How often the frontend re-registers (and probes health).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(60);

/// Connection state of a bind as the core sees it in the registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindStatus {
    /// A client bind is bound, or a server bind has at least one bound session.
    Connected,
    /// Not bound (a server bind with no session, a client bind that gave up).
    Disconnected,
    /// A client bind is between attempts (backoff).
    Reconnecting,
    /// Configured but `enabled = false`.
    Disabled,
}

impl BindStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BindStatus::Connected => "connected",
            BindStatus::Disconnected => "disconnected",
            BindStatus::Reconnecting => "reconnecting",
            BindStatus::Disabled => "disabled",
        }
    }
}

/// One bind for the registration: (name, mode, status).
pub type BindState<'a> = (&'a str, BindMode, BindStatus);

/// The `POST /api/frontends` body for `smsc_name` and its binds.
pub fn frontend_registration<'a>(
    smsc_name: &str,
    ttl_seconds: u64,
    binds: impl IntoIterator<Item = BindState<'a>>,
) -> FrontendRegistration {
    FrontendRegistration {
        name: smsc_name.to_owned(),
        frontend_type: FRONTEND_TYPE.to_owned(),
        version: FRONTEND_VERSION.to_owned(),
        ttl_seconds,
        binds: binds
            .into_iter()
            .map(|(name, mode, status)| BindEntry {
                name: name.to_owned(),
                mode,
                status: status.as_str().to_owned(),
            })
            .collect(),
    }
}

/// Result of one health probe, ready for metrics and the status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthProbe {
    /// The core answered 2xx with `status: ok`.
    pub healthy: bool,
    /// The `status` text of a 2xx answer (`ok`, or whatever the core said instead).
    pub status: Option<String>,
    /// The answer advertised the batch calls.
    pub supports_batch: bool,
    /// Time from submitting the probe to its answer (queueing included).
    pub latency: Duration,
    /// Why the probe failed, when it did not get a 2xx answer.
    pub error: Option<CoreError>,
}

impl HealthProbe {
    /// Summarises the outcome of a health call that took `latency`.
    pub fn from_result(result: Result<Health, CoreError>, latency: Duration) -> HealthProbe {
        match result {
            Ok(health) => HealthProbe {
                healthy: health.is_ok(),
                supports_batch: health.supports_batch(),
                status: Some(health.status),
                latency,
                error: None,
            },
            Err(error) => HealthProbe {
                healthy: false,
                status: None,
                supports_batch: false,
                latency,
                error: Some(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_lists_the_binds() {
        let reg = frontend_registration(
            "smpp_prod_01",
            DEFAULT_TTL_SECONDS,
            [
                ("vodafone_uk", BindMode::Client, BindStatus::Connected),
                ("partner_acme", BindMode::Server, BindStatus::Disconnected),
            ],
        );
        assert_eq!(reg.name, "smpp_prod_01");
        assert_eq!(reg.frontend_type, "smpp");
        assert_eq!(reg.version, FRONTEND_VERSION);
        assert_eq!(reg.ttl_seconds, 90);
        assert_eq!(reg.binds.len(), 2);
        assert_eq!(reg.binds[1].name, "partner_acme");
        assert_eq!(reg.binds[1].mode, BindMode::Server);
        assert_eq!(reg.binds[1].status, "disconnected");
    }

    #[test]
    fn probe_summaries() {
        let ok = Health {
            status: "ok".to_owned(),
            features: vec!["batch".to_owned()],
        };
        let probe = HealthProbe::from_result(Ok(ok), Duration::from_millis(3));
        assert!(probe.healthy && probe.supports_batch && probe.error.is_none());
        let degraded = Health {
            status: "degraded".to_owned(),
            features: Vec::new(),
        };
        let probe = HealthProbe::from_result(Ok(degraded), Duration::ZERO);
        assert!(!probe.healthy);
        assert_eq!(probe.status.as_deref(), Some("degraded"));
        let probe =
            HealthProbe::from_result(Err(CoreError::Timeout { phase: "connect" }), Duration::ZERO);
        assert!(!probe.healthy);
        assert_eq!(probe.error.map(|e| e.kind()), Some("timeout"));
    }
}
