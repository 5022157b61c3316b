//! Keys of `[[binds]]` (client binds) and `[[server_binds]]` (partners).

use crate::keys::{DefaultValue as D, KeyDoc, Section, ValueKind as K};

/// The bind types of SMPP 3.4.
pub(crate) const BIND_TYPES: &[&str] = &["transmitter", "receiver", "transceiver"];
/// How long messages are split.
pub(crate) const CONCATENATIONS: &[&str] = &["udh8", "udh16", "sar", "payload"];

const fn name(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "name",
        K::String,
        D::Required,
        "Unique bind name (letters, digits, `_`, `-`, `.`); the core's `dest_smsc` for this bind.",
    )
    .range(1, 64)
}

const fn system_id(section: Section, summary: &'static str) -> KeyDoc {
    KeyDoc::new(section, "system_id", K::String, D::Required, summary).range(1, 15)
}

const fn password(section: Section, summary: &'static str) -> KeyDoc {
    KeyDoc::new(section, "password", K::Secret, D::Required, summary).range(1, 64)
}

/// `max` differs by direction: a carrier bind sends at most 10,000/s, a partner bind (one
/// bind, several sessions) may be allowed up to 100,000/s.
const fn tps_limit(section: Section, max: i64, summary: &'static str) -> KeyDoc {
    KeyDoc::new(section, "tps_limit", K::Integer, D::Int(100), summary).range(1, max)
}

const fn queue_check_frequency(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "queue_check_frequency",
        K::Integer,
        D::Int(1000),
        "How often the core's queue is polled for this bind when it was last found empty.",
    )
    .unit("ms")
    .range(100, 10_000)
}

const fn enquire_link_interval(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "enquire_link_interval",
        K::Integer,
        D::Int(60),
        "Time between `enquire_link` keepalives; `0` disables them.",
    )
    .unit("s")
    .range(0, 3600)
}

const fn cache_enabled(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "cache_enabled",
        K::Boolean,
        D::Bool(false),
        "Store messages in the local durable cache when the core is unreachable.",
    )
}

const fn cache_max_size(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "cache_max_size",
        K::Integer,
        D::Int(10_000),
        "Most messages cached for this bind; above it the oldest is dropped and counted.",
    )
    .range(1, 10_000_000)
}

const fn cache_retry_interval(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "cache_retry_interval",
        K::Integer,
        D::Int(60),
        "First retry delay of a cached message (then times `cache_backoff_multiplier`).",
    )
    .unit("s")
    .range(1, 86_400)
}

const fn window_size(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "window_size",
        K::Integer,
        D::Int(10),
        "Most requests sent on one session and not yet answered.",
    )
    .range(1, 1000)
}

const fn response_timeout(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "response_timeout",
        K::Integer,
        D::Int(30),
        "Time to wait for the answer to a request before it counts as failed.",
    )
    .unit("s")
    .range(1, 600)
}

const fn concatenation(section: Section) -> KeyDoc {
    KeyDoc::new(
        section,
        "concatenation",
        K::Choice(CONCATENATIONS),
        D::Str("udh8"),
        "How long messages are sent: 8-bit or 16-bit reference UDH, SAR TLVs, or one \
         `message_payload`.",
    )
}

/// Keys of a `[[binds]]` entry.
pub mod client {
    use super::{BIND_TYPES, D, K};
    use crate::keys::{KeyDoc, Section::Binds};

    /// `name`.
    pub const NAME: KeyDoc = super::name(Binds);
    /// `mode`.
    pub const MODE: KeyDoc = KeyDoc::new(
        Binds,
        "mode",
        K::Choice(&["client"]),
        D::Str("client"),
        "Always `client` here; partners that connect in go under `[[server_binds]]`.",
    );
    /// `bind_type`.
    pub const BIND_TYPE: KeyDoc = KeyDoc::new(
        Binds,
        "bind_type",
        K::Choice(BIND_TYPES),
        D::Required,
        "Session type requested from the carrier (`transceiver` unless the carrier says otherwise).",
    );
    /// `host`.
    pub const HOST: KeyDoc = KeyDoc::new(
        Binds,
        "host",
        K::String,
        D::Required,
        "Host name or IP address of the carrier's SMSC.",
    )
    .range(1, 253);
    /// `port`.
    pub const PORT: KeyDoc = KeyDoc::new(
        Binds,
        "port",
        K::Integer,
        D::Int(2775),
        "TCP port of the carrier's SMSC.",
    )
    .range(1, 65535);
    /// `system_id`.
    pub const SYSTEM_ID: KeyDoc = super::system_id(Binds, "User name given by the carrier.");
    /// `password`.
    pub const PASSWORD: KeyDoc = super::password(Binds, "Password given by the carrier.");
    /// `system_type`.
    pub const SYSTEM_TYPE: KeyDoc = KeyDoc::new(
        Binds,
        "system_type",
        K::String,
        D::Str(""),
        "`system_type` sent in the bind, if the carrier asks for one.",
    )
    .range(0, 12);
    /// `addr_ton`.
    pub const ADDR_TON: KeyDoc = KeyDoc::new(
        Binds,
        "addr_ton",
        K::Integer,
        D::Int(0),
        "Type of number of `address_range` in the bind (SMPP 3.4 TON 0-6).",
    )
    .range(0, 6);
    /// `addr_npi`.
    pub const ADDR_NPI: KeyDoc = KeyDoc::new(
        Binds,
        "addr_npi",
        K::Integer,
        D::Int(0),
        "Numbering plan of `address_range` (SMPP 3.4 NPI: 0, 1, 3, 4, 6, 8, 9, 10, 14 or 18).",
    )
    .range(0, 18);
    /// `address_range`.
    pub const ADDRESS_RANGE: KeyDoc = KeyDoc::new(
        Binds,
        "address_range",
        K::String,
        D::Str(""),
        "`address_range` sent in the bind (receiver/transceiver), e.g. `614*`.",
    )
    .range(0, 40);
    /// `tps_limit`.
    pub const TPS_LIMIT: KeyDoc = super::tps_limit(
        Binds,
        10_000,
        "Most `submit_sm` per second sent to the carrier on this bind.",
    );
    /// `queue_check_frequency`.
    pub const QUEUE_CHECK_FREQUENCY: KeyDoc = super::queue_check_frequency(Binds);
    /// `enquire_link_interval`.
    pub const ENQUIRE_LINK_INTERVAL: KeyDoc = super::enquire_link_interval(Binds);
    /// `enabled`.
    pub const ENABLED: KeyDoc = KeyDoc::new(
        Binds,
        "enabled",
        K::Boolean,
        D::Bool(true),
        "Connect this bind at start (`false` keeps it configured but disconnected).",
    );
    /// `cache_enabled`.
    pub const CACHE_ENABLED: KeyDoc = super::cache_enabled(Binds);
    /// `cache_max_size`.
    pub const CACHE_MAX_SIZE: KeyDoc = super::cache_max_size(Binds);
    /// `cache_retry_interval`.
    pub const CACHE_RETRY_INTERVAL: KeyDoc = super::cache_retry_interval(Binds);
    /// `window_size`.
    pub const WINDOW_SIZE: KeyDoc = super::window_size(Binds);
    /// `response_timeout`.
    pub const RESPONSE_TIMEOUT: KeyDoc = super::response_timeout(Binds);
    /// `concatenation`.
    pub const CONCATENATION: KeyDoc = super::concatenation(Binds);
    /// `mo_reassembly`.
    pub const MO_REASSEMBLY: KeyDoc = KeyDoc::new(
        Binds,
        "mo_reassembly",
        K::Boolean,
        D::Bool(false),
        "Reassemble the carrier's multi-part MO messages before inserting them into the core.",
    );
    /// `mo_reassembly_timeout`.
    pub const MO_REASSEMBLY_TIMEOUT: KeyDoc = KeyDoc::new(
        Binds,
        "mo_reassembly_timeout",
        K::Integer,
        D::Int(300),
        "How long parts wait for the rest; then the parts held are inserted one by one.",
    )
    .unit("s")
    .range(1, 86_400);
    /// `reconnect_min_backoff`.
    pub const RECONNECT_MIN_BACKOFF: KeyDoc = KeyDoc::new(
        Binds,
        "reconnect_min_backoff",
        K::Integer,
        D::Int(1),
        "First delay before reconnecting a lost or refused bind (doubles on each failure).",
    )
    .unit("s")
    .range(1, 3600);
    /// `reconnect_max_backoff`.
    pub const RECONNECT_MAX_BACKOFF: KeyDoc = KeyDoc::new(
        Binds,
        "reconnect_max_backoff",
        K::Integer,
        D::Int(60),
        "Longest delay between reconnect attempts; at least `reconnect_min_backoff`.",
    )
    .unit("s")
    .range(1, 3600);
}

/// Keys of a `[[server_binds]]` entry.
pub mod server {
    use super::{BIND_TYPES, D, K};
    use crate::keys::{KeyDoc, Section::ServerBinds};

    /// `name`.
    pub const NAME: KeyDoc = super::name(ServerBinds);
    /// `mode`.
    pub const MODE: KeyDoc = KeyDoc::new(
        ServerBinds,
        "mode",
        K::Choice(&["server"]),
        D::Str("server"),
        "Always `server` here; carriers the gateway connects to go under `[[binds]]`.",
    );
    /// `system_id`.
    pub const SYSTEM_ID: KeyDoc = super::system_id(
        ServerBinds,
        "User name the partner binds with; selects this server bind, so unique.",
    );
    /// `password`.
    pub const PASSWORD: KeyDoc = super::password(ServerBinds, "Password the partner binds with.");
    /// `allowed_bind_types`.
    pub const ALLOWED_BIND_TYPES: KeyDoc = KeyDoc::new(
        ServerBinds,
        "allowed_bind_types",
        K::ChoiceList(BIND_TYPES),
        D::Required,
        "Bind types the partner may use; others get a bind error.",
    );
    /// `ip_whitelist`.
    pub const IP_WHITELIST: KeyDoc = KeyDoc::new(
        ServerBinds,
        "ip_whitelist",
        K::StringList,
        D::Described("`[]` (any address, warned)"),
        "IPv4/IPv6 addresses and CIDR networks allowed to bind (a bare IP is /32 or /128).",
    );
    /// `source_address_whitelist`.
    pub const SOURCE_ADDRESS_WHITELIST: KeyDoc = KeyDoc::new(
        ServerBinds,
        "source_address_whitelist",
        K::StringList,
        D::Described("`[]` (any source)"),
        "Allowed `source_addr` of submits: exact values or prefixes ending in `*` (`614*`).",
    );
    /// `tps_limit`.
    pub const TPS_LIMIT: KeyDoc = super::tps_limit(
        ServerBinds,
        100_000,
        "Most `submit_sm` per second accepted from the partner (more get `ESME_RTHROTTLED`) and \
         most `deliver_sm` per second sent to it.",
    );
    /// `queue_check_frequency`.
    pub const QUEUE_CHECK_FREQUENCY: KeyDoc = super::queue_check_frequency(ServerBinds);
    /// `enquire_link_interval`.
    pub const ENQUIRE_LINK_INTERVAL: KeyDoc = super::enquire_link_interval(ServerBinds);
    /// `cache_enabled`.
    pub const CACHE_ENABLED: KeyDoc = super::cache_enabled(ServerBinds);
    /// `cache_max_size`.
    pub const CACHE_MAX_SIZE: KeyDoc = super::cache_max_size(ServerBinds);
    /// `cache_retry_interval`.
    pub const CACHE_RETRY_INTERVAL: KeyDoc = super::cache_retry_interval(ServerBinds);
    /// `window_size`.
    pub const WINDOW_SIZE: KeyDoc = super::window_size(ServerBinds);
    /// `response_timeout`.
    pub const RESPONSE_TIMEOUT: KeyDoc = super::response_timeout(ServerBinds);
    /// `concatenation`.
    pub const CONCATENATION: KeyDoc = super::concatenation(ServerBinds);
}
