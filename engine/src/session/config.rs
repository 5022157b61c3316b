//! Per-session settings: window size and the timeouts that drive the timers.

use std::time::Duration;

/// Settings of one SMPP session, shared by both roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Most of our own requests (submit_sm, deliver_sm, ...) awaiting a response at once.
    pub window_size: usize,
    /// How long a request (and our enquire_link) may wait for its response.
    pub response_timeout: Duration,
    /// Send enquire_link after this long without receiving anything; zero turns keepalive and
    /// link-dead detection off.
    pub enquire_link_interval: Duration,
    /// SMSC role: how long after connecting the peer has to bind. ESME role: how long the
    /// bind_resp may take after our bind.
    pub bind_timeout: Duration,
    /// How long we wait for unbind_resp after our unbind before closing anyway.
    pub unbind_timeout: Duration,
    /// Largest `command_length` accepted from the peer; bigger PDUs close the connection.
    pub max_pdu_len: usize,
}

impl SessionConfig {
    /// Default window size (in-flight requests).
    pub const DEFAULT_WINDOW_SIZE: usize = 64;
    /// Default largest accepted PDU, comfortably above a 64 KiB message_payload.
    pub const DEFAULT_MAX_PDU_LEN: usize = 70_000;
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            window_size: Self::DEFAULT_WINDOW_SIZE,
            response_timeout: Duration::from_secs(30),
            enquire_link_interval: Duration::from_secs(60),
            bind_timeout: Duration::from_secs(30),
            unbind_timeout: Duration::from_secs(5),
            max_pdu_len: Self::DEFAULT_MAX_PDU_LEN,
        }
    }
}
