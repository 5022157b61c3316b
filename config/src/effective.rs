//! The effective configuration as TOML, for `omnimessage-smpp config check`: every key with the
//! value in force (defaults filled in, environment overrides applied and named), in the units
//! the file uses, and passwords masked. The output loads again as a configuration.

use std::fmt::Write;
use std::time::Duration;

use crate::keys::Section;
use crate::{CacheStorageType, ClientBind, Config, LogFormat, LogLevel, ServerBind, Shards};

/// What a masked credential is written as.
pub const MASK: &str = "***";

impl Config {
    /// Every key of this configuration as TOML, passwords written as [`MASK`].
    pub fn to_effective_toml(&self) -> String {
        let mut out = Table::new(self, Section::Global);
        out.text.push_str(
            "# Effective configuration: defaults filled in, environment overrides applied,\n\
             # passwords masked.\n",
        );
        out.string("api_base_url", self.api_base_url.as_str());
        out.millis("smpp_poll_interval", self.smpp_poll_interval);
        out.raw("verify_ssl_peer", self.verify_ssl_peer);
        out.string("smsc_name", &self.smsc_name);
        out.millis("cache_flush_interval", self.cache_flush_interval);
        out.raw("cache_max_retry_attempts", self.cache_max_retry_attempts);
        out.raw("cache_backoff_multiplier", self.cache_backoff_multiplier);
        out.string(
            "cache_storage_type",
            match self.cache_storage_type {
                CacheStorageType::Disc => "disc",
                CacheStorageType::Ram => "ram",
            },
        );
        out.string("cache_dir", &self.cache_dir.to_string_lossy());
        match self.shards {
            Shards::Auto => out.string("shards", "auto"),
            Shards::Fixed(count) => out.raw("shards", count),
        }
        out.string(
            "log_level",
            match self.log_level {
                LogLevel::Error => "error",
                LogLevel::Warn => "warn",
                LogLevel::Info => "info",
                LogLevel::Debug => "debug",
                LogLevel::Trace => "trace",
            },
        );
        out.string(
            "log_format",
            match self.log_format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            },
        );
        out.raw("max_command_length", self.max_command_length);
        out.millis("api_connect_timeout_ms", self.api_connect_timeout);
        out.millis("api_send_timeout_ms", self.api_send_timeout);
        out.millis("api_recv_timeout_ms", self.api_recv_timeout);
        out.raw("api_pool_threads", self.api_pool_threads);
        let mut text = out.text;
        for bind in &self.binds {
            text.push_str("\n[[binds]]\n");
            text.push_str(&client_bind(self, bind));
        }
        for bind in &self.server_binds {
            text.push_str("\n[[server_binds]]\n");
            text.push_str(&server_bind(self, bind));
        }

        let mut listen = Table::new(self, Section::Listen);
        listen.raw("enabled", self.listen.enabled);
        listen.string("host", &self.listen.host.to_string());
        listen.raw("port", self.listen.port);
        listen.raw("max_connections", self.listen.max_connections);
        listen.seconds("bind_timeout", self.listen.bind_timeout);
        listen.raw("bind_failure_limit", self.listen.bind_failure_limit);
        listen.seconds("bind_failure_window", self.listen.bind_failure_window);
        listen.seconds("lockout_duration", self.listen.lockout_duration);
        text.push_str("\n[listen]\n");
        text.push_str(&listen.text);

        let mut metrics = Table::new(self, Section::Metrics);
        metrics.raw("enabled", self.metrics.enabled);
        metrics.string("host", &self.metrics.host.to_string());
        metrics.raw("port", self.metrics.port);
        text.push_str("\n[metrics]\n");
        text.push_str(&metrics.text);

        let mut web = Table::new(self, Section::Web);
        web.raw("enabled", self.web.enabled);
        web.string("host", &self.web.host.to_string());
        web.raw("port", self.web.port);
        match &self.web.tls {
            Some(tls) => {
                web.string("tls_cert", &tls.cert.to_string_lossy());
                web.string("tls_key", &tls.key.to_string_lossy());
            }
            None => web
                .text
                .push_str("# tls_cert, tls_key: unset (plain HTTP)\n"),
        }
        match &self.web.admin_token {
            // Masked at the token's minimum length, so the output still loads.
            Some(_) => web.line(
                "admin_token",
                &format!("{}  # masked", quote(&"*".repeat(16))),
            ),
            None => web
                .text
                .push_str("# admin_token: unset (the web UI is not started)\n"),
        }
        text.push_str("\n[web]\n");
        text.push_str(&web.text);
        text
    }
}

fn client_bind(config: &Config, bind: &ClientBind) -> String {
    let mut out = Table::new(config, Section::Binds);
    out.string("name", &bind.name);
    out.string("mode", "client");
    out.string("bind_type", bind.bind_type.as_str());
    out.string("host", &bind.host);
    out.raw("port", bind.port);
    out.string("system_id", &bind.system_id);
    out.masked("password");
    out.string("system_type", &bind.system_type);
    out.raw("addr_ton", bind.addr_ton);
    out.raw("addr_npi", bind.addr_npi);
    out.string("address_range", &bind.address_range);
    out.raw("tps_limit", bind.tps_limit);
    out.millis("queue_check_frequency", bind.queue_check_frequency);
    out.seconds(
        "enquire_link_interval",
        bind.enquire_link_interval.unwrap_or(Duration::ZERO),
    );
    out.raw("enabled", bind.enabled);
    out.raw("cache_enabled", bind.cache_enabled);
    out.raw("cache_max_size", bind.cache_max_size);
    out.seconds("cache_retry_interval", bind.cache_retry_interval);
    out.raw("window_size", bind.window_size);
    out.seconds("response_timeout", bind.response_timeout);
    out.string("concatenation", bind.concatenation.as_str());
    out.raw("mo_reassembly", bind.mo_reassembly);
    out.seconds("mo_reassembly_timeout", bind.mo_reassembly_timeout);
    out.seconds("reconnect_min_backoff", bind.reconnect_min_backoff);
    out.seconds("reconnect_max_backoff", bind.reconnect_max_backoff);
    out.text
}

fn server_bind(config: &Config, bind: &ServerBind) -> String {
    let mut out = Table::new(config, Section::ServerBinds);
    out.string("name", &bind.name);
    out.string("mode", "server");
    out.string("system_id", &bind.system_id);
    out.masked("password");
    let types: Vec<&str> = bind
        .allowed_bind_types
        .iter()
        .map(|bind_type| bind_type.as_str())
        .collect();
    out.list("allowed_bind_types", &types);
    let networks: Vec<String> = bind
        .ip_whitelist
        .networks()
        .iter()
        .map(ToString::to_string)
        .collect();
    out.list("ip_whitelist", &networks);
    let sources: Vec<&str> = bind
        .source_address_whitelist
        .patterns()
        .iter()
        .map(|pattern| pattern.as_str())
        .collect();
    out.list("source_address_whitelist", &sources);
    out.raw("tps_limit", bind.tps_limit);
    out.millis("queue_check_frequency", bind.queue_check_frequency);
    out.seconds(
        "enquire_link_interval",
        bind.enquire_link_interval.unwrap_or(Duration::ZERO),
    );
    out.raw("cache_enabled", bind.cache_enabled);
    out.raw("cache_max_size", bind.cache_max_size);
    out.seconds("cache_retry_interval", bind.cache_retry_interval);
    out.raw("window_size", bind.window_size);
    out.seconds("response_timeout", bind.response_timeout);
    out.string("concatenation", bind.concatenation.as_str());
    out.text
}

/// The lines of one TOML table; each key notes the environment variable it came from.
struct Table<'a> {
    config: &'a Config,
    section: Section,
    text: String,
}

impl<'a> Table<'a> {
    fn new(config: &'a Config, section: Section) -> Self {
        Table {
            config,
            section,
            text: String::new(),
        }
    }

    fn line(&mut self, key: &str, value: &str) {
        let _ = write!(self.text, "{key} = {value}");
        if let Some(var) = self
            .config
            .env_origin
            .iter()
            .find(|((section, name), _)| *section == self.section && *name == key)
            .map(|(_, var)| *var)
        {
            let _ = write!(self.text, "  # from {var}");
        }
        self.text.push('\n');
    }

    fn raw(&mut self, key: &str, value: impl std::fmt::Display) {
        self.line(key, &value.to_string());
    }

    fn string(&mut self, key: &str, value: &str) {
        self.line(key, &quote(value));
    }

    fn masked(&mut self, key: &str) {
        self.line(key, &format!("{}  # masked", quote(MASK)));
    }

    fn millis(&mut self, key: &str, value: Duration) {
        self.raw(key, value.as_millis());
    }

    fn seconds(&mut self, key: &str, value: Duration) {
        self.raw(key, value.as_secs());
    }

    fn list<S: AsRef<str>>(&mut self, key: &str, values: &[S]) {
        let items: Vec<String> = values.iter().map(|v| quote(v.as_ref())).collect();
        self.line(key, &format!("[{}]", items.join(", ")));
    }
}

/// A TOML basic string.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_toml() {
        for text in [
            "plain",
            "a\"b",
            "back\\slash",
            "tab\tnew\nline",
            "\u{7f}bell\u{7}",
            "é☺",
        ] {
            let toml = format!("v = {}", quote(text));
            let parsed: toml::Table = toml.parse().unwrap();
            assert_eq!(parsed["v"].as_str(), Some(text), "{toml}");
        }
    }
}
