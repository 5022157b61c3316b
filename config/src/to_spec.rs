//! The way back from typed binds to the file's shape: a [`ClientBind`]/[`ServerBind`] as the
//! `[[binds]]`/`[[server_binds]]` TOML table that loads into it again.
//!
//! Runtime peer changes (web UI, admin API, reload) are checked by [`crate::Config::with_binds`],
//! which takes specs, and are persisted as TOML text so that the next start validates them with
//! the same rules as the file. Every value is written in the unit of its key (`ms` or `s`).

use std::time::Duration;

use toml::{Table, Value};

use crate::binds::{ClientBind, ServerBind};
use crate::spec::{ClientBindSpec, ServerBindSpec};

fn int(value: impl Into<i64>) -> Value {
    Value::Integer(value.into())
}

fn secs(duration: Duration) -> Value {
    int(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

fn millis(duration: Duration) -> Value {
    int(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

fn list<'a>(values: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(values.map(text).collect())
}

impl ClientBind {
    /// This bind as its `[[binds]]` table (the password in clear: callers store it privately).
    pub fn to_toml(&self) -> Table {
        let mut table = Table::new();
        let mut put = |key: &str, value: Value| {
            table.insert(key.to_owned(), value);
        };
        put("name", text(&self.name));
        put("mode", text("client"));
        put("bind_type", text(self.bind_type.as_str()));
        put("host", text(&self.host));
        put("port", int(self.port));
        put("system_id", text(&self.system_id));
        put("password", text(self.password.expose()));
        put("system_type", text(&self.system_type));
        put("addr_ton", int(self.addr_ton));
        put("addr_npi", int(self.addr_npi));
        put("address_range", text(&self.address_range));
        put("tps_limit", int(self.tps_limit));
        put("queue_check_frequency", millis(self.queue_check_frequency));
        put(
            "enquire_link_interval",
            secs(self.enquire_link_interval.unwrap_or(Duration::ZERO)),
        );
        put("enabled", Value::Boolean(self.enabled));
        put("cache_enabled", Value::Boolean(self.cache_enabled));
        put("cache_max_size", int(self.cache_max_size));
        put("cache_retry_interval", secs(self.cache_retry_interval));
        put("window_size", int(self.window_size));
        put("response_timeout", secs(self.response_timeout));
        put("concatenation", text(self.concatenation.as_str()));
        put("mo_reassembly", Value::Boolean(self.mo_reassembly));
        put("mo_reassembly_timeout", secs(self.mo_reassembly_timeout));
        put("reconnect_min_backoff", secs(self.reconnect_min_backoff));
        put("reconnect_max_backoff", secs(self.reconnect_max_backoff));
        table
    }

    /// This bind as the spec [`crate::Config::with_binds`] checks.
    pub fn to_spec(&self) -> ClientBindSpec {
        // Every key written by `to_toml` is a field of the spec with the type it expects.
        Value::Table(self.to_toml()).try_into().unwrap_or_default()
    }
}

impl ServerBind {
    /// This bind as its `[[server_binds]]` table (the password in clear).
    pub fn to_toml(&self) -> Table {
        let mut table = Table::new();
        let mut put = |key: &str, value: Value| {
            table.insert(key.to_owned(), value);
        };
        put("name", text(&self.name));
        put("mode", text("server"));
        put("system_id", text(&self.system_id));
        put("password", text(self.password.expose()));
        put(
            "allowed_bind_types",
            list(self.allowed_bind_types.iter().map(|t| t.as_str())),
        );
        let networks: Vec<String> = self
            .ip_whitelist
            .networks()
            .iter()
            .map(ToString::to_string)
            .collect();
        put("ip_whitelist", list(networks.iter().map(String::as_str)));
        put(
            "source_address_whitelist",
            list(
                self.source_address_whitelist
                    .patterns()
                    .iter()
                    .map(|p| p.as_str()),
            ),
        );
        put("tps_limit", int(self.tps_limit));
        put("queue_check_frequency", millis(self.queue_check_frequency));
        put(
            "enquire_link_interval",
            secs(self.enquire_link_interval.unwrap_or(Duration::ZERO)),
        );
        put("cache_enabled", Value::Boolean(self.cache_enabled));
        put("cache_max_size", int(self.cache_max_size));
        put("cache_retry_interval", secs(self.cache_retry_interval));
        put("window_size", int(self.window_size));
        put("response_timeout", secs(self.response_timeout));
        put("concatenation", text(self.concatenation.as_str()));
        table
    }

    /// This bind as the spec [`crate::Config::with_binds`] checks.
    pub fn to_spec(&self) -> ServerBindSpec {
        Value::Table(self.to_toml()).try_into().unwrap_or_default()
    }
}

impl ClientBindSpec {
    /// Parses one `[[binds]]` entry written as a TOML table (as [`ClientBind::to_toml`] makes
    /// it); the error names the key.
    pub fn from_toml_str(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string().trim_end().to_owned())
    }
}

impl ServerBindSpec {
    /// Parses one `[[server_binds]]` entry written as a TOML table; the error names the key.
    pub fn from_toml_str(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string().trim_end().to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::Config;

    const FILE: &str = r#"
api_base_url = "http://127.0.0.1:1"
[[binds]]
name = "carrier"
bind_type = "transmitter"
host = "smsc.example.com"
port = 2776
system_id = "sys"
password = "secret"
system_type = "VMA"
addr_ton = 1
addr_npi = 1
address_range = "61*"
tps_limit = 50
queue_check_frequency = 250
enquire_link_interval = 0
enabled = false
cache_enabled = true
cache_max_size = 77
cache_retry_interval = 9
window_size = 3
response_timeout = 7
concatenation = "sar"
mo_reassembly = true
mo_reassembly_timeout = 120
reconnect_min_backoff = 2
reconnect_max_backoff = 20
[[server_binds]]
name = "partner"
system_id = "partner"
password = "pw"
allowed_bind_types = ["receiver", "transceiver"]
ip_whitelist = ["10.0.0.0/8", "192.168.1.7"]
source_address_whitelist = ["MyBrand", "+614*"]
tps_limit = 20
queue_check_frequency = 300
enquire_link_interval = 30
window_size = 4
response_timeout = 11
concatenation = "payload"
"#;

    #[test]
    fn binds_survive_the_round_trip_through_their_spec() {
        let config = Config::from_toml_str(FILE).unwrap().config;
        let binds = config.binds.iter().map(|b| b.to_spec()).collect();
        let servers = config.server_binds.iter().map(|b| b.to_spec()).collect();
        let again = config.with_binds(binds, servers).unwrap().config;
        assert_eq!(again.binds, config.binds);
        assert_eq!(again.server_binds, config.server_binds);
        // The whitelist's bare IP came back as its /32 network, which means the same.
        assert_eq!(again.server_binds[0].ip_whitelist.networks().len(), 2);
    }

    #[test]
    fn toml_text_parses_back_into_the_same_bind() {
        let config = Config::from_toml_str(FILE).unwrap().config;
        let client =
            crate::spec::ClientBindSpec::from_toml_str(&config.binds[0].to_toml().to_string())
                .unwrap();
        let server = crate::spec::ServerBindSpec::from_toml_str(
            &config.server_binds[0].to_toml().to_string(),
        )
        .unwrap();
        let again = config
            .with_binds(vec![client], vec![server])
            .unwrap()
            .config;
        assert_eq!(again.binds, config.binds);
        assert_eq!(again.server_binds, config.server_binds);
        let error = crate::spec::ClientBindSpec::from_toml_str("nme = \"x\"").unwrap_err();
        assert!(error.contains("nme"), "{error}");
    }

    #[test]
    fn a_changed_value_is_checked_like_the_file() {
        let config = Config::from_toml_str(FILE).unwrap().config;
        let mut bind = config.binds[0].clone();
        bind.tps_limit = 0;
        let error = config
            .with_binds(vec![bind.to_spec()], Vec::new())
            .unwrap_err()
            .to_string();
        assert!(error.contains("tps_limit"), "{error}");
    }
}
