//! The configuration as written in the file: serde types that only know the shape.
//!
//! Every field is optional here so that defaults, environment overrides and range checks all
//! happen in one place ([`crate::Config`]'s builder) with messages that name the key. Unknown keys
//! are rejected by serde with the key's name and line.
//!
//! The web UI's add/edit forms can fill [`ClientBindSpec`]/[`ServerBindSpec`] and validate them
//! with [`crate::Config::with_binds`].

use crate::secret::Secret;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// The whole file. Fields here and in the other specs are the TOML keys, documented once in
/// [`crate::keys::KEYS`] (hence no per-field doc comments).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ConfigSpec {
    pub api_base_url: Option<String>,
    pub smpp_poll_interval: Option<i64>,
    pub verify_ssl_peer: Option<bool>,
    pub smsc_name: Option<String>,
    pub cache_flush_interval: Option<i64>,
    pub cache_max_retry_attempts: Option<i64>,
    pub cache_backoff_multiplier: Option<i64>,
    #[serde(alias = "mnesia_storage_type")]
    pub cache_storage_type: Option<String>,
    pub cache_dir: Option<String>,
    pub shards: Option<ShardsSpec>,
    pub log_level: Option<String>,
    pub log_format: Option<String>,
    pub max_command_length: Option<i64>,
    pub api_connect_timeout_ms: Option<i64>,
    pub api_send_timeout_ms: Option<i64>,
    pub api_recv_timeout_ms: Option<i64>,
    pub api_pool_threads: Option<i64>,
    #[serde(default)]
    pub binds: Vec<ClientBindSpec>,
    #[serde(default)]
    pub server_binds: Vec<ServerBindSpec>,
    pub listen: Option<ListenSpec>,
    pub metrics: Option<MetricsSpec>,
    pub web: Option<WebSpec>,
}

/// One `[[binds]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ClientBindSpec {
    pub name: Option<String>,
    pub mode: Option<String>,
    pub bind_type: Option<String>,
    pub host: Option<String>,
    pub port: Option<i64>,
    pub system_id: Option<String>,
    pub password: Option<Secret>,
    pub system_type: Option<String>,
    pub addr_ton: Option<i64>,
    pub addr_npi: Option<i64>,
    pub address_range: Option<String>,
    pub tps_limit: Option<i64>,
    pub queue_check_frequency: Option<i64>,
    pub enquire_link_interval: Option<i64>,
    pub enabled: Option<bool>,
    pub cache_enabled: Option<bool>,
    pub cache_max_size: Option<i64>,
    pub cache_retry_interval: Option<i64>,
    pub window_size: Option<i64>,
    pub response_timeout: Option<i64>,
    pub concatenation: Option<String>,
    pub mo_reassembly: Option<bool>,
    pub mo_reassembly_timeout: Option<i64>,
    pub reconnect_min_backoff: Option<i64>,
    pub reconnect_max_backoff: Option<i64>,
}

/// One `[[server_binds]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ServerBindSpec {
    pub name: Option<String>,
    pub mode: Option<String>,
    pub system_id: Option<String>,
    pub password: Option<Secret>,
    pub allowed_bind_types: Option<Vec<String>>,
    pub ip_whitelist: Option<Vec<String>>,
    pub source_address_whitelist: Option<Vec<String>>,
    pub tps_limit: Option<i64>,
    pub queue_check_frequency: Option<i64>,
    pub enquire_link_interval: Option<i64>,
    pub cache_enabled: Option<bool>,
    pub cache_max_size: Option<i64>,
    pub cache_retry_interval: Option<i64>,
    pub window_size: Option<i64>,
    pub response_timeout: Option<i64>,
    pub concatenation: Option<String>,
}

/// The `[listen]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ListenSpec {
    pub enabled: Option<bool>,
    pub host: Option<String>,
    pub port: Option<i64>,
    pub max_connections: Option<i64>,
    pub bind_timeout: Option<i64>,
    pub bind_failure_limit: Option<i64>,
    pub bind_failure_window: Option<i64>,
    pub lockout_duration: Option<i64>,
}

/// The `[metrics]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct MetricsSpec {
    pub enabled: Option<bool>,
    pub host: Option<String>,
    pub port: Option<i64>,
}

/// The `[web]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct WebSpec {
    pub enabled: Option<bool>,
    pub host: Option<String>,
    pub port: Option<i64>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub admin_token: Option<Secret>,
}

/// `shards` as written: a string (only `"auto"` is valid) or an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardsSpec {
    /// A string value.
    Text(String),
    /// An integer value.
    Count(i64),
}

impl<'de> Deserialize<'de> for ShardsSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShardsVisitor;

        impl Visitor<'_> for ShardsVisitor {
            type Value = ShardsSpec;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("\"auto\" or an integer")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<ShardsSpec, E> {
                Ok(ShardsSpec::Text(value.to_owned()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ShardsSpec, E> {
                Ok(ShardsSpec::Count(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ShardsSpec, E> {
                Ok(ShardsSpec::Count(i64::try_from(value).unwrap_or(i64::MAX)))
            }
        }

        deserializer.deserialize_any(ShardsVisitor)
    }
}
