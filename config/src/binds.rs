//! Typed client binds (carriers) and server binds (partners), built from their specifications.

use crate::checker::{printable_ascii, unknown_choice, valid_name, Checker, Scope};
use crate::error::WarningKind;
use crate::keys::{client, server, KeyDoc, Section};
use crate::net::{check_host, IpWhitelist, SourceAddressWhitelist, SourcePattern};
use crate::secret::Secret;
use crate::spec::{ClientBindSpec, ServerBindSpec};
use std::time::Duration;

/// An SMPP session type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindType {
    /// Sends `submit_sm` only.
    Transmitter,
    /// Receives `deliver_sm` only.
    Receiver,
    /// Both.
    Transceiver,
}

impl BindType {
    /// Every bind type.
    pub const ALL: [BindType; 3] = [
        BindType::Transmitter,
        BindType::Receiver,
        BindType::Transceiver,
    ];

    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            BindType::Transmitter => "transmitter",
            BindType::Receiver => "receiver",
            BindType::Transceiver => "transceiver",
        }
    }

    /// Parses a lower-case name.
    pub fn from_name(name: &str) -> Option<Self> {
        BindType::ALL
            .into_iter()
            .find(|bind_type| bind_type.as_str() == name)
    }
}

/// A set of bind types (a server bind's `allowed_bind_types`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindTypes {
    transmitter: bool,
    receiver: bool,
    transceiver: bool,
}

impl BindTypes {
    /// All three bind types.
    pub const ALL: BindTypes = BindTypes {
        transmitter: true,
        receiver: true,
        transceiver: true,
    };

    /// The set with `bind_type` added.
    pub fn with(mut self, bind_type: BindType) -> Self {
        match bind_type {
            BindType::Transmitter => self.transmitter = true,
            BindType::Receiver => self.receiver = true,
            BindType::Transceiver => self.transceiver = true,
        }
        self
    }

    /// Whether `bind_type` is in the set.
    pub fn contains(self, bind_type: BindType) -> bool {
        match bind_type {
            BindType::Transmitter => self.transmitter,
            BindType::Receiver => self.receiver,
            BindType::Transceiver => self.transceiver,
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        !(self.transmitter || self.receiver || self.transceiver)
    }

    /// The bind types in the set.
    pub fn iter(self) -> impl Iterator<Item = BindType> {
        BindType::ALL
            .into_iter()
            .filter(move |bind_type| self.contains(*bind_type))
    }
}

/// How a long message is split into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Concatenation {
    /// User data header with an 8-bit reference (IEI 0x00).
    Udh8,
    /// User data header with a 16-bit reference (IEI 0x08).
    Udh16,
    /// `sar_msg_ref_num`/`sar_total_segments`/`sar_segment_seqnum` TLVs.
    Sar,
    /// The whole text in one `message_payload` TLV, not split.
    Payload,
}

impl Concatenation {
    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Concatenation::Udh8 => "udh8",
            Concatenation::Udh16 => "udh16",
            Concatenation::Sar => "sar",
            Concatenation::Payload => "payload",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Concatenation::Udh8,
            Concatenation::Udh16,
            Concatenation::Sar,
            Concatenation::Payload,
        ]
        .into_iter()
        .find(|concatenation| concatenation.as_str() == name)
    }
}

/// A client bind: the gateway connects to a carrier's SMSC as an ESME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBind {
    /// Unique bind name; the core's `dest_smsc`.
    pub name: String,
    /// Session type requested.
    pub bind_type: BindType,
    /// Carrier host name or IP.
    pub host: String,
    /// Carrier port.
    pub port: u16,
    /// User name at the carrier.
    pub system_id: String,
    /// Password at the carrier.
    pub password: Secret,
    /// `system_type` sent in the bind.
    pub system_type: String,
    /// `addr_ton` sent in the bind.
    pub addr_ton: u8,
    /// `addr_npi` sent in the bind.
    pub addr_npi: u8,
    /// `address_range` sent in the bind.
    pub address_range: String,
    /// Most `submit_sm` per second.
    pub tps_limit: u32,
    /// Queue poll interval when the queue was empty.
    pub queue_check_frequency: Duration,
    /// Keepalive interval; `None` when disabled (`0`).
    pub enquire_link_interval: Option<Duration>,
    /// Whether to connect at start.
    pub enabled: bool,
    /// Whether the local cache is used when the core is unreachable.
    pub cache_enabled: bool,
    /// Most cached messages for this bind.
    pub cache_max_size: u32,
    /// First retry delay of a cached message.
    pub cache_retry_interval: Duration,
    /// Most unanswered requests in flight.
    pub window_size: u32,
    /// Time allowed for a response.
    pub response_timeout: Duration,
    /// How long messages are split.
    pub concatenation: Concatenation,
    /// Whether multi-part MO messages are reassembled here.
    pub mo_reassembly: bool,
    /// How long MO parts wait for the rest.
    pub mo_reassembly_timeout: Duration,
    /// First reconnect delay.
    pub reconnect_min_backoff: Duration,
    /// Longest reconnect delay.
    pub reconnect_max_backoff: Duration,
}

/// A server bind: a partner (ESME) that connects to the gateway's listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBind {
    /// Unique bind name; the core's `dest_smsc` for messages to this partner.
    pub name: String,
    /// User name the partner binds with (unique among server binds).
    pub system_id: String,
    /// Password the partner binds with.
    pub password: Secret,
    /// Bind types the partner may use.
    pub allowed_bind_types: BindTypes,
    /// Addresses the partner may connect from.
    pub ip_whitelist: IpWhitelist,
    /// Source addresses the partner may submit with.
    pub source_address_whitelist: SourceAddressWhitelist,
    /// Most `submit_sm` accepted and `deliver_sm` sent per second.
    pub tps_limit: u32,
    /// Queue poll interval when the queue was empty.
    pub queue_check_frequency: Duration,
    /// Keepalive interval; `None` when disabled (`0`).
    pub enquire_link_interval: Option<Duration>,
    /// Whether the local cache is used when the core is unreachable.
    pub cache_enabled: bool,
    /// Most cached messages for this bind.
    pub cache_max_size: u32,
    /// First retry delay of a cached message.
    pub cache_retry_interval: Duration,
    /// Most unanswered `deliver_sm` in flight.
    pub window_size: u32,
    /// Time allowed for a `deliver_sm_resp`.
    pub response_timeout: Duration,
    /// How long messages to the partner are split.
    pub concatenation: Concatenation,
}

impl ServerBind {
    /// Whether a bind's password is this partner's, compared in constant time.
    pub fn password_matches(&self, candidate: &[u8]) -> bool {
        self.password.matches(candidate)
    }
}

/// SMPP 3.4 numbering plan indicators (section 5.2.6).
const VALID_NPI: [u8; 10] = [0, 1, 3, 4, 6, 8, 9, 10, 14, 18];

fn check_name(checker: &mut Checker, scope: &Scope, key: &KeyDoc, name: Option<&str>) -> String {
    let name = checker.string(scope, key, name);
    if !name.is_empty() && name.chars().count() <= 64 && !valid_name(&name) {
        checker.problem(
            scope,
            key,
            format!("{name:?} may only contain letters, digits, `_`, `-` and `.`"),
        );
    }
    name
}

fn check_smpp_string(checker: &mut Checker, scope: &Scope, key: &KeyDoc, value: &str) {
    if !printable_ascii(value) {
        checker.problem(
            scope,
            key,
            "must be printable ASCII (an SMPP C-octet string)",
        );
    }
}

fn check_password(
    checker: &mut Checker,
    scope: &Scope,
    key: &KeyDoc,
    value: Option<&Secret>,
) -> Secret {
    let Some(password) = value else {
        checker.problem(scope, key, "missing; this key is required");
        return Secret::default();
    };
    if password.is_empty() {
        checker.problem(scope, key, "must not be empty");
    } else if password.char_count() > 64 {
        checker.problem(scope, key, "is longer than 64 characters");
    } else if !printable_ascii(password.expose()) {
        checker.problem(
            scope,
            key,
            "must be printable ASCII (an SMPP C-octet string)",
        );
    }
    password.clone()
}

fn check_mode(checker: &mut Checker, scope: &Scope, key: &KeyDoc, mode: Option<&str>) {
    let expected = key.choices().first().copied().unwrap_or_default();
    let Some(mode) = mode else { return };
    let lower = mode.to_ascii_lowercase();
    if lower == expected {
        return;
    }
    let message = match lower.as_str() {
        "server" => "\"server\" is not allowed in [[binds]]; partners that connect in are \
                     configured under [[server_binds]]"
            .to_owned(),
        "client" => "\"client\" is not allowed in [[server_binds]]; carriers the gateway \
                     connects to are configured under [[binds]]"
            .to_owned(),
        _ => unknown_choice(key, mode),
    };
    checker.problem(scope, key, message);
}

fn optional_interval(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// Checks one `[[binds]]` entry.
/// SMPP 3.4 limits a bind password to 8 characters; the gateway sends longer ones (the guide's
/// examples use them) but a strict SMSC may refuse the bind, so the operator is told up front.
fn client_password(checker: &mut Checker, scope: &Scope, value: Option<&Secret>) -> Secret {
    let password = check_password(checker, scope, &client::PASSWORD, value);
    if password.char_count() > 8 {
        checker.warn(
            WarningKind::LongSmppPassword,
            scope,
            &client::PASSWORD,
            "is longer than the 8 characters SMPP 3.4 allows; it is sent as is, but a strict \
             SMSC may refuse the bind",
        );
    }
    password
}

pub(crate) fn build_client_bind(
    checker: &mut Checker,
    index: usize,
    spec: &ClientBindSpec,
) -> ClientBind {
    let scope = &Scope::bind(Section::Binds, index, spec.name.as_deref());
    let name = check_name(checker, scope, &client::NAME, spec.name.as_deref());
    check_mode(checker, scope, &client::MODE, spec.mode.as_deref());
    let bind_type = checker
        .choice(
            scope,
            &client::BIND_TYPE,
            spec.bind_type.as_deref(),
            BindType::from_name,
        )
        .unwrap_or(BindType::Transceiver);
    let host = checker.string(scope, &client::HOST, spec.host.as_deref());
    if !host.is_empty() {
        if let Err(why) = check_host(&host) {
            checker.problem(scope, &client::HOST, why);
        }
    }
    let system_id = checker.string(scope, &client::SYSTEM_ID, spec.system_id.as_deref());
    check_smpp_string(checker, scope, &client::SYSTEM_ID, &system_id);
    let system_type = checker.string(scope, &client::SYSTEM_TYPE, spec.system_type.as_deref());
    check_smpp_string(checker, scope, &client::SYSTEM_TYPE, &system_type);
    let address_range =
        checker.string(scope, &client::ADDRESS_RANGE, spec.address_range.as_deref());
    check_smpp_string(checker, scope, &client::ADDRESS_RANGE, &address_range);
    let addr_npi = checker.uint(scope, &client::ADDR_NPI, spec.addr_npi);
    if !VALID_NPI.contains(&addr_npi) {
        checker.problem(
            scope,
            &client::ADDR_NPI,
            format!(
                "{addr_npi} is not an SMPP numbering plan; use 0, 1, 3, 4, 6, 8, 9, 10, 14 or 18"
            ),
        );
    }
    let reconnect_min_backoff = checker.secs(
        scope,
        &client::RECONNECT_MIN_BACKOFF,
        spec.reconnect_min_backoff,
    );
    let reconnect_max_backoff = checker.secs(
        scope,
        &client::RECONNECT_MAX_BACKOFF,
        spec.reconnect_max_backoff,
    );
    if reconnect_max_backoff < reconnect_min_backoff {
        checker.problem(
            scope,
            &client::RECONNECT_MAX_BACKOFF,
            format!(
                "{} is below reconnect_min_backoff ({})",
                reconnect_max_backoff.as_secs(),
                reconnect_min_backoff.as_secs()
            ),
        );
    }
    ClientBind {
        name,
        bind_type,
        host,
        port: checker.uint(scope, &client::PORT, spec.port),
        system_id,
        password: client_password(checker, scope, spec.password.as_ref()),
        system_type,
        addr_ton: checker.uint(scope, &client::ADDR_TON, spec.addr_ton),
        addr_npi,
        address_range,
        tps_limit: checker.uint(scope, &client::TPS_LIMIT, spec.tps_limit),
        queue_check_frequency: checker.millis(
            scope,
            &client::QUEUE_CHECK_FREQUENCY,
            spec.queue_check_frequency,
        ),
        enquire_link_interval: optional_interval(checker.secs(
            scope,
            &client::ENQUIRE_LINK_INTERVAL,
            spec.enquire_link_interval,
        )),
        enabled: checker.boolean(scope, &client::ENABLED, spec.enabled),
        cache_enabled: checker.boolean(scope, &client::CACHE_ENABLED, spec.cache_enabled),
        cache_max_size: checker.uint(scope, &client::CACHE_MAX_SIZE, spec.cache_max_size),
        cache_retry_interval: checker.secs(
            scope,
            &client::CACHE_RETRY_INTERVAL,
            spec.cache_retry_interval,
        ),
        window_size: checker.uint(scope, &client::WINDOW_SIZE, spec.window_size),
        response_timeout: checker.secs(scope, &client::RESPONSE_TIMEOUT, spec.response_timeout),
        concatenation: checker
            .choice(
                scope,
                &client::CONCATENATION,
                spec.concatenation.as_deref(),
                Concatenation::from_name,
            )
            .unwrap_or(Concatenation::Udh8),
        mo_reassembly: checker.boolean(scope, &client::MO_REASSEMBLY, spec.mo_reassembly),
        mo_reassembly_timeout: checker.secs(
            scope,
            &client::MO_REASSEMBLY_TIMEOUT,
            spec.mo_reassembly_timeout,
        ),
        reconnect_min_backoff,
        reconnect_max_backoff,
    }
}

/// Checks one `[[server_binds]]` entry.
pub(crate) fn build_server_bind(
    checker: &mut Checker,
    index: usize,
    spec: &ServerBindSpec,
) -> ServerBind {
    let scope = &Scope::bind(Section::ServerBinds, index, spec.name.as_deref());
    let name = check_name(checker, scope, &server::NAME, spec.name.as_deref());
    check_mode(checker, scope, &server::MODE, spec.mode.as_deref());
    let system_id = checker.string(scope, &server::SYSTEM_ID, spec.system_id.as_deref());
    check_smpp_string(checker, scope, &server::SYSTEM_ID, &system_id);
    ServerBind {
        name,
        system_id,
        password: check_password(checker, scope, &server::PASSWORD, spec.password.as_ref()),
        allowed_bind_types: allowed_bind_types(checker, scope, spec.allowed_bind_types.as_deref()),
        ip_whitelist: ip_whitelist(checker, scope, spec.ip_whitelist.as_deref()),
        source_address_whitelist: source_whitelist(
            checker,
            scope,
            spec.source_address_whitelist.as_deref(),
        ),
        tps_limit: checker.uint(scope, &server::TPS_LIMIT, spec.tps_limit),
        queue_check_frequency: checker.millis(
            scope,
            &server::QUEUE_CHECK_FREQUENCY,
            spec.queue_check_frequency,
        ),
        enquire_link_interval: optional_interval(checker.secs(
            scope,
            &server::ENQUIRE_LINK_INTERVAL,
            spec.enquire_link_interval,
        )),
        cache_enabled: checker.boolean(scope, &server::CACHE_ENABLED, spec.cache_enabled),
        cache_max_size: checker.uint(scope, &server::CACHE_MAX_SIZE, spec.cache_max_size),
        cache_retry_interval: checker.secs(
            scope,
            &server::CACHE_RETRY_INTERVAL,
            spec.cache_retry_interval,
        ),
        window_size: checker.uint(scope, &server::WINDOW_SIZE, spec.window_size),
        response_timeout: checker.secs(scope, &server::RESPONSE_TIMEOUT, spec.response_timeout),
        concatenation: checker
            .choice(
                scope,
                &server::CONCATENATION,
                spec.concatenation.as_deref(),
                Concatenation::from_name,
            )
            .unwrap_or(Concatenation::Udh8),
    }
}

fn allowed_bind_types(checker: &mut Checker, scope: &Scope, names: Option<&[String]>) -> BindTypes {
    let key = &server::ALLOWED_BIND_TYPES;
    let Some(names) = names else {
        checker.problem(
            scope,
            key,
            "missing; list the bind types this partner may use, e.g. \
             [\"transmitter\", \"receiver\", \"transceiver\"]",
        );
        return BindTypes::default();
    };
    if names.is_empty() {
        checker.problem(
            scope,
            key,
            "is empty, so every bind would be refused; list at least one",
        );
    }
    let mut set = BindTypes::default();
    for name in names {
        match BindType::from_name(&name.to_ascii_lowercase()) {
            Some(bind_type) => set = set.with(bind_type),
            None => checker.problem(
                scope,
                key,
                unknown_choice(&crate::keys::client::BIND_TYPE, name),
            ),
        }
    }
    set
}

fn ip_whitelist(checker: &mut Checker, scope: &Scope, entries: Option<&[String]>) -> IpWhitelist {
    let key = &server::IP_WHITELIST;
    let entries = entries.unwrap_or_default();
    if entries.is_empty() {
        checker.warn(
            WarningKind::EmptyIpWhitelist,
            scope,
            key,
            "is empty: this partner can bind from any IP address; list its addresses",
        );
    }
    let mut networks = Vec::with_capacity(entries.len());
    for entry in entries {
        match IpWhitelist::parse_entry(entry) {
            Ok(parsed) => {
                if parsed.had_host_bits {
                    checker.warn(
                        WarningKind::CidrHostBitsSet,
                        scope,
                        key,
                        format!(
                            "{entry:?} has host bits set; it is read as {}",
                            parsed.network
                        ),
                    );
                }
                networks.push(parsed.network);
            }
            Err(why) => checker.problem(scope, key, why),
        }
    }
    IpWhitelist::new(networks)
}

fn source_whitelist(
    checker: &mut Checker,
    scope: &Scope,
    entries: Option<&[String]>,
) -> SourceAddressWhitelist {
    let key = &server::SOURCE_ADDRESS_WHITELIST;
    let mut patterns = Vec::new();
    for entry in entries.unwrap_or_default() {
        match SourcePattern::parse(entry) {
            Ok(pattern) => patterns.push(pattern),
            Err(why) => checker.problem(scope, key, why),
        }
    }
    SourceAddressWhitelist::new(patterns)
}
