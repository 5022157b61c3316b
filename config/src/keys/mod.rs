//! The schema table: every configuration key with its type, default, range and environment
//! variable.
//!
//! The loader takes defaults and ranges from this table, and a test checks that
//! docs/CONFIGURATION.md shows every row exactly as [`KeyDoc::markdown_row`] renders it, so the
//! code, the validation and the documentation cannot drift apart.

mod binds;
mod top;

pub use binds::{client, server};
pub use top::{global, listen, metrics, web};

/// Where a key lives in the TOML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Top-level keys (before any `[table]`).
    Global,
    /// A `[[binds]]` entry (client bind, the gateway is an ESME).
    Binds,
    /// A `[[server_binds]]` entry (a partner that connects in).
    ServerBinds,
    /// The `[listen]` table (the SMPP server listener).
    Listen,
    /// The `[metrics]` table (Prometheus endpoint).
    Metrics,
    /// The `[web]` table (web UI and admin API).
    Web,
}

impl Section {
    /// How the section is written in TOML.
    pub fn header(self) -> &'static str {
        match self {
            Section::Global => "(top level)",
            Section::Binds => "[[binds]]",
            Section::ServerBinds => "[[server_binds]]",
            Section::Listen => "[listen]",
            Section::Metrics => "[metrics]",
            Section::Web => "[web]",
        }
    }

    /// Every section, in documentation order.
    pub const ALL: [Section; 6] = [
        Section::Global,
        Section::Binds,
        Section::ServerBinds,
        Section::Listen,
        Section::Metrics,
        Section::Web,
    ];
}

/// The type of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A TOML integer.
    Integer,
    /// A TOML boolean.
    Boolean,
    /// A TOML string.
    String,
    /// A TOML string holding a credential (never printed).
    Secret,
    /// An `http://` or `https://` URL.
    Url,
    /// A filesystem path.
    Path,
    /// An IP address (IPv4 or IPv6).
    IpAddr,
    /// One of a fixed set of strings.
    Choice(&'static [&'static str]),
    /// A list of values from a fixed set of strings.
    ChoiceList(&'static [&'static str]),
    /// A list of strings.
    StringList,
    /// `"auto"` or an integer.
    AutoOrInteger,
}

/// The default of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// The key must be given.
    Required,
    /// The key is optional and has no value when omitted.
    Unset,
    /// An integer default.
    Int(i64),
    /// A boolean default.
    Bool(bool),
    /// A string default (also used for choices and paths).
    Str(&'static str),
    /// A default that depends on other keys, described in words.
    Described(&'static str),
}

/// One documented configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDoc {
    /// The section the key belongs to.
    pub section: Section,
    /// The key's name as written in TOML.
    pub name: &'static str,
    /// The value's type.
    pub kind: ValueKind,
    /// Unit of an integer value (`ms`, `s`, `bytes`), if any.
    pub unit: Option<&'static str>,
    /// The default when the key is omitted.
    pub default: DefaultValue,
    /// Inclusive range of an integer value (for strings: of the length in characters).
    pub range: Option<(i64, i64)>,
    /// Environment variables that override the key, the first one set wins.
    pub env: &'static [&'static str],
    /// One-line description for the documentation.
    pub summary: &'static str,
}

impl KeyDoc {
    /// A key with no unit, range or environment variable.
    pub(crate) const fn new(
        section: Section,
        name: &'static str,
        kind: ValueKind,
        default: DefaultValue,
        summary: &'static str,
    ) -> Self {
        KeyDoc {
            section,
            name,
            kind,
            unit: None,
            default,
            range: None,
            env: &[],
            summary,
        }
    }

    /// The same key with an inclusive range.
    pub(crate) const fn range(self, low: i64, high: i64) -> Self {
        KeyDoc {
            range: Some((low, high)),
            ..self
        }
    }

    /// The same key with a unit.
    pub(crate) const fn unit(self, unit: &'static str) -> Self {
        KeyDoc {
            unit: Some(unit),
            ..self
        }
    }

    /// The same key with environment variable overrides.
    pub(crate) const fn env(self, vars: &'static [&'static str]) -> Self {
        KeyDoc { env: vars, ..self }
    }

    /// The choices of a [`ValueKind::Choice`] or [`ValueKind::ChoiceList`] key (empty otherwise).
    pub fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            ValueKind::Choice(choices) | ValueKind::ChoiceList(choices) => choices,
            _ => &[],
        }
    }

    /// The key's row in the tables of docs/CONFIGURATION.md.
    pub fn markdown_row(&self) -> String {
        format!(
            "| `{}` | {} | {} | {} | {} | {} |",
            self.name,
            self.type_text(),
            self.default_text(),
            self.range_text(),
            self.env_text(),
            self.summary
        )
    }

    fn type_text(&self) -> String {
        let base = match self.kind {
            ValueKind::Integer => "integer".to_owned(),
            ValueKind::Boolean => "boolean".to_owned(),
            ValueKind::String => "string".to_owned(),
            ValueKind::Secret => "string (secret)".to_owned(),
            ValueKind::Url => "URL".to_owned(),
            ValueKind::Path => "path".to_owned(),
            ValueKind::IpAddr => "IP address".to_owned(),
            ValueKind::Choice(choices) => quoted_choices(choices),
            ValueKind::ChoiceList(choices) => format!("list of {}", quoted_choices(choices)),
            ValueKind::StringList => "list of strings".to_owned(),
            ValueKind::AutoOrInteger => "`\"auto\"` or integer".to_owned(),
        };
        match self.unit {
            Some(unit) => format!("{base} ({unit})"),
            None => base,
        }
    }

    fn default_text(&self) -> String {
        match self.default {
            DefaultValue::Required => "required".to_owned(),
            DefaultValue::Unset => "unset".to_owned(),
            DefaultValue::Int(value) => format!("`{value}`"),
            DefaultValue::Bool(value) => format!("`{value}`"),
            DefaultValue::Str(value) => format!("`\"{value}\"`"),
            DefaultValue::Described(text) => text.to_owned(),
        }
    }

    fn range_text(&self) -> String {
        match self.range {
            Some((low, high)) => format!("{low}-{high}"),
            None => "-".to_owned(),
        }
    }

    fn env_text(&self) -> String {
        if self.env.is_empty() {
            return "-".to_owned();
        }
        self.env
            .iter()
            .map(|var| format!("`{var}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn quoted_choices(choices: &[&str]) -> String {
    choices
        .iter()
        .map(|choice| format!("`\"{choice}\"`"))
        .collect::<Vec<_>>()
        .join(" \\| ")
}

/// Every key of the schema, in documentation order.
pub static KEYS: &[&KeyDoc] = &[
    &global::API_BASE_URL,
    &global::SMPP_POLL_INTERVAL,
    &global::VERIFY_SSL_PEER,
    &global::SMSC_NAME,
    &global::CACHE_FLUSH_INTERVAL,
    &global::CACHE_MAX_RETRY_ATTEMPTS,
    &global::CACHE_BACKOFF_MULTIPLIER,
    &global::CACHE_STORAGE_TYPE,
    &global::CACHE_DIR,
    &global::SHARDS,
    &global::LOG_LEVEL,
    &global::LOG_FORMAT,
    &global::MAX_COMMAND_LENGTH,
    &global::API_CONNECT_TIMEOUT_MS,
    &global::API_SEND_TIMEOUT_MS,
    &global::API_RECV_TIMEOUT_MS,
    &global::API_POOL_THREADS,
    &client::NAME,
    &client::MODE,
    &client::BIND_TYPE,
    &client::HOST,
    &client::PORT,
    &client::SYSTEM_ID,
    &client::PASSWORD,
    &client::SYSTEM_TYPE,
    &client::ADDR_TON,
    &client::ADDR_NPI,
    &client::ADDRESS_RANGE,
    &client::TPS_LIMIT,
    &client::QUEUE_CHECK_FREQUENCY,
    &client::ENQUIRE_LINK_INTERVAL,
    &client::ENABLED,
    &client::CACHE_ENABLED,
    &client::CACHE_MAX_SIZE,
    &client::CACHE_RETRY_INTERVAL,
    &client::WINDOW_SIZE,
    &client::RESPONSE_TIMEOUT,
    &client::CONCATENATION,
    &client::MO_REASSEMBLY,
    &client::MO_REASSEMBLY_TIMEOUT,
    &client::RECONNECT_MIN_BACKOFF,
    &client::RECONNECT_MAX_BACKOFF,
    &server::NAME,
    &server::MODE,
    &server::SYSTEM_ID,
    &server::PASSWORD,
    &server::ALLOWED_BIND_TYPES,
    &server::IP_WHITELIST,
    &server::SOURCE_ADDRESS_WHITELIST,
    &server::TPS_LIMIT,
    &server::QUEUE_CHECK_FREQUENCY,
    &server::ENQUIRE_LINK_INTERVAL,
    &server::CACHE_ENABLED,
    &server::CACHE_MAX_SIZE,
    &server::CACHE_RETRY_INTERVAL,
    &server::WINDOW_SIZE,
    &server::RESPONSE_TIMEOUT,
    &server::CONCATENATION,
    &listen::ENABLED,
    &listen::HOST,
    &listen::PORT,
    &listen::MAX_CONNECTIONS,
    &listen::BIND_TIMEOUT,
    &listen::BIND_FAILURE_LIMIT,
    &listen::BIND_FAILURE_WINDOW,
    &listen::LOCKOUT_DURATION,
    &metrics::ENABLED,
    &metrics::HOST,
    &metrics::PORT,
    &web::ENABLED,
    &web::HOST,
    &web::PORT,
    &web::TLS_CERT,
    &web::TLS_KEY,
    &web::ADMIN_TOKEN,
];

/// The markdown table of one section, as docs/CONFIGURATION.md shows it.
pub fn markdown_table(section: Section) -> String {
    let mut table = String::from(
        "| Key | Type | Default | Range | Environment | Meaning |\n|---|---|---|---|---|---|\n",
    );
    for key in KEYS.iter().filter(|key| key.section == section) {
        table.push_str(&key.markdown_row());
        table.push('\n');
    }
    table
}
