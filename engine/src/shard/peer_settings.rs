//! A partner session runs with its server bind's own settings: the session starts with the
//! listener's defaults (the bind is not known before the bind PDU names it) and takes the
//! bind's `window_size`, `response_timeout` and `enquire_link_interval` when the bind is
//! accepted, before anything can be in flight.

use std::time::{Duration, Instant};

use smpp_config::ServerBind;

use crate::session::SmscSession;

/// The session settings a server bind asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerSettings {
    pub(crate) window_size: usize,
    pub(crate) response_timeout: Duration,
    /// Zero: no keepalive (`enquire_link_interval = 0` in the config).
    pub(crate) enquire_link_interval: Duration,
}

impl PeerSettings {
    pub(crate) fn of(bind: &ServerBind) -> Self {
        Self {
            window_size: usize::try_from(bind.window_size).unwrap_or(usize::MAX),
            response_timeout: bind.response_timeout,
            enquire_link_interval: bind.enquire_link_interval.unwrap_or(Duration::ZERO),
        }
    }
}

/// Gives `session` (not yet bound) the settings of the server bind it is about to be bound to.
pub(crate) fn apply(session: &mut SmscSession, bind: &ServerBind, now: Instant) {
    let settings = PeerSettings::of(bind);
    if let Err(error) = session.set_window_size(settings.window_size) {
        log::warn!(
            "{}: window_size {} not applied: {error}",
            bind.name,
            settings.window_size
        );
    }
    session.set_response_timeout(settings.response_timeout);
    session.set_enquire_link_interval(settings.enquire_link_interval, now);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::SessionConfig;

    fn server_bind(window: u32, timeout: Duration, keepalive: Option<Duration>) -> ServerBind {
        let text = r#"
api_base_url = "http://127.0.0.1:1"
smsc_name = "gw"
[[server_binds]]
name = "acme"
system_id = "acme"
password = "pw"
allowed_bind_types = ["transceiver"]
ip_whitelist = ["127.0.0.1"]
"#;
        let config = smpp_config::Config::from_toml_str(text).unwrap().config;
        let mut bind = config.server_binds.into_iter().next().unwrap();
        bind.window_size = window;
        bind.response_timeout = timeout;
        bind.enquire_link_interval = keepalive;
        bind
    }

    #[test]
    fn a_partner_session_takes_its_binds_settings() {
        let t0 = Instant::now();
        let bind = server_bind(3, Duration::from_secs(4), Some(Duration::from_secs(9)));
        let mut session = SmscSession::new(SessionConfig::default(), t0);
        apply(&mut session, &bind, t0);
        assert_eq!(session.window_capacity(), 3);
        assert_eq!(session.config().response_timeout, Duration::from_secs(4));
        assert_eq!(
            session.config().enquire_link_interval,
            Duration::from_secs(9)
        );
    }

    #[test]
    fn a_disabled_keepalive_is_zero() {
        let bind = server_bind(10, Duration::from_secs(30), None);
        assert_eq!(
            PeerSettings::of(&bind).enquire_link_interval,
            Duration::ZERO
        );
    }
}
