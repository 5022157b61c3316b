//! Who may connect and bind to the listener: pure decisions, no I/O.
//!
//! Two gates, as the operator guide asks ("IP not whitelisted -> refused before bind"):
//! 1. On accept: an address that no server bind's `ip_whitelist` allows is closed at once,
//!    before any PDU is read.
//! 2. On bind: the bind's system_id selects the server bind. Checks run in this order, each
//!    with its own bind_resp status:
//!    - unknown system_id: ESME_RINVSYSID (0x0F);
//!    - the peer address is not in *this* bind's `ip_whitelist` (another bind allowed it at
//!      accept): ESME_RBINDFAIL (0x0D). This comes before the password check so that an
//!      address outside the whitelist learns nothing about the password;
//!    - wrong password (compared in constant time): ESME_RINVPASWD (0x0E);
//!    - bind type not in `allowed_bind_types`: ESME_RBINDFAIL (0x0D).
//!
//! After a refused bind the session answers and closes the connection.

use std::net::IpAddr;
use std::sync::Arc;

use crate::proto::CommandStatus;
use crate::session::BindType;

use super::shared::{Peers, ServerBindRuntime};

/// Whether any server bind accepts connections from `address`.
pub fn address_allowed(peers: &Peers, address: IpAddr) -> bool {
    peers
        .server_binds
        .iter()
        .any(|bind| bind.config.ip_whitelist.allows(address))
}

/// Why a bind was refused, for the log line and the status sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The bind_resp status.
    pub status: CommandStatus,
    /// The server bind concerned, when the system_id matched one.
    pub bind: Option<Arc<ServerBindRuntime>>,
    /// What was wrong, for the log.
    pub reason: &'static str,
}

/// Decides a partner's bind: the server bind it selects, or the refusal.
pub fn authenticate(
    peers: &Peers,
    address: IpAddr,
    system_id: &[u8],
    password: &[u8],
    bind_type: BindType,
) -> Result<Arc<ServerBindRuntime>, Refusal> {
    let Some(bind) = peers.server_bind_by_system_id(system_id) else {
        return Err(Refusal {
            status: CommandStatus::ESME_RINVSYSID,
            bind: None,
            reason: "unknown system_id",
        });
    };
    let refuse = |status, reason| Refusal {
        status,
        bind: Some(Arc::clone(bind)),
        reason,
    };
    if !bind.config.ip_whitelist.allows(address) {
        return Err(refuse(
            CommandStatus::ESME_RBINDFAIL,
            "peer address not in ip_whitelist",
        ));
    }
    if !bind.config.password_matches(password) {
        return Err(refuse(CommandStatus::ESME_RINVPASWD, "wrong password"));
    }
    if !bind
        .config
        .allowed_bind_types
        .contains(config_bind_type(bind_type))
    {
        return Err(refuse(
            CommandStatus::ESME_RBINDFAIL,
            "bind type not in allowed_bind_types",
        ));
    }
    Ok(Arc::clone(bind))
}

/// The configuration's spelling of a session bind type.
pub fn config_bind_type(bind_type: BindType) -> smpp_config::BindType {
    match bind_type {
        BindType::Transmitter => smpp_config::BindType::Transmitter,
        BindType::Receiver => smpp_config::BindType::Receiver,
        BindType::Transceiver => smpp_config::BindType::Transceiver,
    }
}

/// The session's spelling of a configured bind type.
pub fn session_bind_type(bind_type: smpp_config::BindType) -> BindType {
    match bind_type {
        smpp_config::BindType::Transmitter => BindType::Transmitter,
        smpp_config::BindType::Receiver => BindType::Receiver,
        smpp_config::BindType::Transceiver => BindType::Transceiver,
    }
}

impl PartialEq for ServerBindRuntime {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}
impl Eq for ServerBindRuntime {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn peers() -> Peers {
        let text = r#"
api_base_url = "http://127.0.0.1:1"
[[server_binds]]
name = "acme"
system_id = "acme"
password = "pw1"
allowed_bind_types = ["transmitter", "transceiver"]
ip_whitelist = ["10.0.0.0/8"]
[[server_binds]]
name = "open"
system_id = "open"
password = "pw2"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
"#;
        let loaded = smpp_config::Config::from_toml_str(text).unwrap();
        Peers::new(&loaded.config, 1)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_refusal_has_its_status() {
        let peers = peers();
        let inside = ip("10.1.2.3");
        let outside = ip("192.168.1.1");
        let ok = authenticate(&peers, inside, b"acme", b"pw1", BindType::Transceiver).unwrap();
        assert_eq!(ok.config.name, "acme");
        let status = |r: Result<Arc<ServerBindRuntime>, Refusal>| r.unwrap_err().status;
        assert_eq!(
            status(authenticate(
                &peers,
                inside,
                b"nobody",
                b"pw1",
                BindType::Transmitter
            )),
            CommandStatus::ESME_RINVSYSID
        );
        assert_eq!(
            status(authenticate(
                &peers,
                inside,
                b"acme",
                b"pw2",
                BindType::Transmitter
            )),
            CommandStatus::ESME_RINVPASWD
        );
        assert_eq!(
            status(authenticate(
                &peers,
                inside,
                b"acme",
                b"pw1",
                BindType::Receiver
            )),
            CommandStatus::ESME_RBINDFAIL
        );
        // Outside the whitelist even the right password is refused, as a bind failure.
        assert_eq!(
            status(authenticate(
                &peers,
                outside,
                b"acme",
                b"pw1",
                BindType::Transmitter
            )),
            CommandStatus::ESME_RBINDFAIL
        );
        // An empty whitelist allows any address.
        assert!(authenticate(&peers, outside, b"open", b"pw2", BindType::Receiver).is_ok());
    }

    #[test]
    fn accept_gate_needs_one_bind_that_allows_the_address() {
        let peers = peers();
        assert!(address_allowed(&peers, ip("10.9.9.9")));
        // "open" has an empty whitelist, so everyone passes the accept gate.
        assert!(address_allowed(&peers, ip("192.168.1.1")));
        let only_acme = Peers {
            server_binds: peers.server_binds[..1].to_vec(),
            client_binds: Vec::new(),
        };
        assert!(!address_allowed(&only_acme, ip("192.168.1.1")));
    }
}
