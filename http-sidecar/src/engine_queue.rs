//! [`QueueView`] over the core's REST API: `GET /api/messages?status=pending` (the contract's
//! read-only pending view, docs/core-api.md), called from a web thread with a small agent of
//! its own so that an operator looking at the Queue page never takes a worker of the core
//! client pool the shards depend on.

use std::time::Duration;

use core_api::{headers, paths, QueuedMessageView};
use ureq::tls::{TlsConfig, TlsProvider};
use ureq::Agent;

use crate::admin::QueueView;
use crate::view::ControlError;

/// Largest pending-view answer read (10 000 messages of a few hundred bytes).
const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The core's pending messages, read with the gateway's `api_base_url`, `smsc_name` and TLS
/// setting.
pub struct EngineQueue {
    agent: Agent,
    base_url: String,
    smsc_name: String,
}

impl std::fmt::Debug for EngineQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineQueue")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl EngineQueue {
    /// A view of the core at `base_url` (the configuration's `api_base_url`), identifying
    /// itself as `smsc_name`; each call may take up to `timeout` per phase.
    pub fn new(
        base_url: &str,
        smsc_name: &str,
        verify_ssl_peer: bool,
        timeout: Duration,
    ) -> EngineQueue {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .disable_verification(!verify_ssl_peer)
            .build();
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(headers::USER_AGENT)
            .accept(headers::CONTENT_TYPE_JSON)
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .tls_config(tls)
            .build()
            .into();
        EngineQueue {
            agent,
            base_url: base_url.trim_end_matches('/').to_owned(),
            smsc_name: smsc_name.to_owned(),
        }
    }

    /// A view for the gateway's configuration.
    pub fn from_config(config: &smpp_config::Config) -> EngineQueue {
        EngineQueue::new(
            config.api_base_url.as_str(),
            &config.smsc_name,
            config.verify_ssl_peer,
            config.api_recv_timeout,
        )
    }
}

impl QueueView for EngineQueue {
    fn pending(
        &self,
        dest_smsc: Option<&str>,
        limit: u32,
    ) -> Result<Vec<QueuedMessageView>, ControlError> {
        let url = format!(
            "{}{}",
            self.base_url,
            paths::messages_view(Some("pending"), dest_smsc, Some(limit.clamp(1, 10_000)))
        );
        let unreachable = |what: String| ControlError::Unavailable(format!("core API: {what}"));
        let mut response = self
            .agent
            .get(&url)
            .header(headers::X_FRONTEND, &self.smsc_name)
            .call()
            .map_err(|error| unreachable(error.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|error| unreachable(format!("reading the answer: {error}")))?;
        if status != 200 {
            let excerpt: String = body.chars().take(200).collect();
            return Err(unreachable(format!("HTTP {status}: {excerpt}")));
        }
        serde_json::from_str(&body)
            .map_err(|error| unreachable(format!("unexpected pending view: {error}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_core_is_unavailable_not_a_panic() {
        let queue = EngineQueue::new(
            "http://127.0.0.1:9",
            "smpp_test",
            true,
            Duration::from_millis(500),
        );
        let failure = queue.pending(None, 10).unwrap_err();
        assert!(
            matches!(failure, ControlError::Unavailable(_)),
            "{failure:?}"
        );
    }
}
