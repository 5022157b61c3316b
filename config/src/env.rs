//! Environment variable overrides: the seed's names for the seed's keys, `OMNIMESSAGE_SMPP_*`
//! for the project's own. A set variable replaces the file's value and is then checked like it;
//! messages name the variable.

use crate::checker::{table_path, Checker};
use crate::error::Problem;
use crate::keys::{KeyDoc, Section, ValueKind, KEYS};
use crate::secret::Secret;
use crate::spec::{ConfigSpec, ShardsSpec};

/// A value read from the environment, typed after the key's kind.
enum EnvValue {
    Int(i64),
    Bool(bool),
    Text(String),
    Shards(ShardsSpec),
}

impl EnvValue {
    fn int(self) -> Option<i64> {
        match self {
            EnvValue::Int(value) => Some(value),
            _ => None,
        }
    }

    fn boolean(self) -> Option<bool> {
        match self {
            EnvValue::Bool(value) => Some(value),
            _ => None,
        }
    }

    fn text(self) -> Option<String> {
        match self {
            EnvValue::Text(value) => Some(value),
            _ => None,
        }
    }
}

/// Applies every set environment variable of [`KEYS`] to `spec`, recording in `checker` where
/// each value came from and any value that could not be read.
pub(crate) fn apply_env(
    spec: &mut ConfigSpec,
    env: &dyn Fn(&str) -> Option<String>,
    checker: &mut Checker,
) {
    for key in KEYS {
        let Some((var, raw)) = key
            .env
            .iter()
            .find_map(|var| env(var).map(|value| (*var, value)))
        else {
            continue;
        };
        let value = raw.trim();
        let problem = |message: String| Problem {
            key: format!("{var} (environment)"),
            message,
        };
        if value.is_empty() {
            checker.problems.push(problem(format!(
                "is set but empty; unset it to use {} from the file",
                table_path(key)
            )));
            continue;
        }
        match parse(key, value) {
            Ok(parsed) => {
                if assign(spec, key, parsed) {
                    checker.env_origin.insert((key.section, key.name), var);
                } else {
                    checker.problems.push(problem(format!(
                        "internal error: no override for {}",
                        table_path(key)
                    )));
                }
            }
            Err(message) => checker.problems.push(problem(message)),
        }
    }
}

fn parse(key: &KeyDoc, value: &str) -> Result<EnvValue, String> {
    match key.kind {
        ValueKind::Integer => value
            .parse()
            .map(EnvValue::Int)
            .map_err(|_| format!("{value:?} is not an integer")),
        ValueKind::Boolean => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(EnvValue::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(EnvValue::Bool(false)),
            _ => Err(format!(
                "{value:?} is not a boolean (true/false, 1/0, yes/no, on/off)"
            )),
        },
        ValueKind::AutoOrInteger => Ok(EnvValue::Shards(match value.parse() {
            Ok(count) => ShardsSpec::Count(count),
            Err(_) => ShardsSpec::Text(value.to_owned()),
        })),
        _ => Ok(EnvValue::Text(value.to_owned())),
    }
}

/// Stores `value` in the field of `spec` that `key` names; false if `key` has no override.
fn assign(spec: &mut ConfigSpec, key: &KeyDoc, value: EnvValue) -> bool {
    match (key.section, key.name) {
        (Section::Global, "api_base_url") => spec.api_base_url = value.text(),
        (Section::Global, "smpp_poll_interval") => spec.smpp_poll_interval = value.int(),
        (Section::Global, "verify_ssl_peer") => spec.verify_ssl_peer = value.boolean(),
        (Section::Global, "smsc_name") => spec.smsc_name = value.text(),
        (Section::Global, "cache_flush_interval") => spec.cache_flush_interval = value.int(),
        (Section::Global, "cache_max_retry_attempts") => {
            spec.cache_max_retry_attempts = value.int();
        }
        (Section::Global, "cache_backoff_multiplier") => {
            spec.cache_backoff_multiplier = value.int();
        }
        (Section::Global, "cache_storage_type") => spec.cache_storage_type = value.text(),
        (Section::Global, "cache_dir") => spec.cache_dir = value.text(),
        (Section::Global, "shards") => match value {
            EnvValue::Shards(shards) => spec.shards = Some(shards),
            _ => return false,
        },
        (Section::Global, "log_level") => spec.log_level = value.text(),
        (Section::Global, "log_format") => spec.log_format = value.text(),
        (Section::Global, "max_command_length") => spec.max_command_length = value.int(),
        (Section::Global, "api_connect_timeout_ms") => spec.api_connect_timeout_ms = value.int(),
        (Section::Global, "api_send_timeout_ms") => spec.api_send_timeout_ms = value.int(),
        (Section::Global, "api_recv_timeout_ms") => spec.api_recv_timeout_ms = value.int(),
        (Section::Global, "api_pool_threads") => spec.api_pool_threads = value.int(),
        (Section::Listen, name) => {
            let listen = spec.listen.get_or_insert_with(Default::default);
            match name {
                "enabled" => listen.enabled = value.boolean(),
                "host" => listen.host = value.text(),
                "port" => listen.port = value.int(),
                "max_connections" => listen.max_connections = value.int(),
                "bind_timeout" => listen.bind_timeout = value.int(),
                "bind_failure_limit" => listen.bind_failure_limit = value.int(),
                "bind_failure_window" => listen.bind_failure_window = value.int(),
                "lockout_duration" => listen.lockout_duration = value.int(),
                _ => return false,
            }
        }
        (Section::Metrics, name) => {
            let metrics = spec.metrics.get_or_insert_with(Default::default);
            match name {
                "enabled" => metrics.enabled = value.boolean(),
                "host" => metrics.host = value.text(),
                "port" => metrics.port = value.int(),
                _ => return false,
            }
        }
        (Section::Web, name) => {
            let web = spec.web.get_or_insert_with(Default::default);
            match name {
                "enabled" => web.enabled = value.boolean(),
                "host" => web.host = value.text(),
                "port" => web.port = value.int(),
                "tls_cert" => web.tls_cert = value.text(),
                "tls_key" => web.tls_key = value.text(),
                "admin_token" => web.admin_token = value.text().map(Secret::new),
                _ => return false,
            }
        }
        _ => return false,
    }
    true
}
