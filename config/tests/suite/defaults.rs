//! Every default of the documented table is the value a minimal config gets.

use crate::common::{load, CLIENT_BIND, MINIMAL, SERVER_BIND};
use smpp_config::keys::{DefaultValue, KeyDoc, Section, KEYS};
use smpp_config::{
    BindType, BindTypes, CacheStorageType, Concatenation, Config, LogFormat, LogLevel, Shards,
};
use std::time::Duration;

fn secs(duration: Duration) -> String {
    duration.as_secs().to_string()
}

fn millis(duration: Duration) -> String {
    duration.as_millis().to_string()
}

fn optional_secs(duration: Option<Duration>) -> String {
    duration
        .map_or(0, |duration| duration.as_secs())
        .to_string()
}

fn concatenation(value: Concatenation) -> String {
    value.as_str().to_owned()
}

/// The value `config` has for `key`, as the table's default would print it; `None` for keys
/// without a comparable default.
fn actual(config: &Config, key: &KeyDoc) -> Option<String> {
    let client = &config.binds[0];
    let server = &config.server_binds[0];
    let value = match (key.section, key.name) {
        (Section::Global, "smpp_poll_interval") => millis(config.smpp_poll_interval),
        (Section::Global, "verify_ssl_peer") => config.verify_ssl_peer.to_string(),
        (Section::Global, "smsc_name") => config.smsc_name.clone(),
        (Section::Global, "cache_flush_interval") => millis(config.cache_flush_interval),
        (Section::Global, "cache_max_retry_attempts") => {
            config.cache_max_retry_attempts.to_string()
        }
        (Section::Global, "cache_backoff_multiplier") => {
            config.cache_backoff_multiplier.to_string()
        }
        (Section::Global, "cache_storage_type") => match config.cache_storage_type {
            CacheStorageType::Disc => "disc".to_owned(),
            CacheStorageType::Ram => "ram".to_owned(),
        },
        (Section::Global, "cache_dir") => config.cache_dir.display().to_string(),
        (Section::Global, "shards") => match config.shards {
            Shards::Auto => "auto".to_owned(),
            Shards::Fixed(count) => count.to_string(),
        },
        (Section::Global, "log_level") => format!("{:?}", config.log_level).to_lowercase(),
        (Section::Global, "log_format") => format!("{:?}", config.log_format).to_lowercase(),
        (Section::Global, "max_command_length") => config.max_command_length.to_string(),
        (Section::Global, "api_connect_timeout_ms") => millis(config.api_connect_timeout),
        (Section::Global, "api_send_timeout_ms") => millis(config.api_send_timeout),
        (Section::Global, "api_recv_timeout_ms") => millis(config.api_recv_timeout),
        (Section::Global, "api_pool_threads") => config.api_pool_threads.to_string(),
        (Section::Binds, "mode") => "client".to_owned(),
        (Section::Binds, "port") => client.port.to_string(),
        (Section::Binds, "system_type") => client.system_type.clone(),
        (Section::Binds, "addr_ton") => client.addr_ton.to_string(),
        (Section::Binds, "addr_npi") => client.addr_npi.to_string(),
        (Section::Binds, "address_range") => client.address_range.clone(),
        (Section::Binds, "tps_limit") => client.tps_limit.to_string(),
        (Section::Binds, "queue_check_frequency") => millis(client.queue_check_frequency),
        (Section::Binds, "enquire_link_interval") => optional_secs(client.enquire_link_interval),
        (Section::Binds, "enabled") => client.enabled.to_string(),
        (Section::Binds, "cache_enabled") => client.cache_enabled.to_string(),
        (Section::Binds, "cache_max_size") => client.cache_max_size.to_string(),
        (Section::Binds, "cache_retry_interval") => secs(client.cache_retry_interval),
        (Section::Binds, "window_size") => client.window_size.to_string(),
        (Section::Binds, "response_timeout") => secs(client.response_timeout),
        (Section::Binds, "concatenation") => concatenation(client.concatenation),
        (Section::Binds, "mo_reassembly") => client.mo_reassembly.to_string(),
        (Section::Binds, "mo_reassembly_timeout") => secs(client.mo_reassembly_timeout),
        (Section::Binds, "reconnect_min_backoff") => secs(client.reconnect_min_backoff),
        (Section::Binds, "reconnect_max_backoff") => secs(client.reconnect_max_backoff),
        (Section::ServerBinds, "mode") => "server".to_owned(),
        (Section::ServerBinds, "tps_limit") => server.tps_limit.to_string(),
        (Section::ServerBinds, "queue_check_frequency") => millis(server.queue_check_frequency),
        (Section::ServerBinds, "enquire_link_interval") => {
            optional_secs(server.enquire_link_interval)
        }
        (Section::ServerBinds, "cache_enabled") => server.cache_enabled.to_string(),
        (Section::ServerBinds, "cache_max_size") => server.cache_max_size.to_string(),
        (Section::ServerBinds, "cache_retry_interval") => secs(server.cache_retry_interval),
        (Section::ServerBinds, "window_size") => server.window_size.to_string(),
        (Section::ServerBinds, "response_timeout") => secs(server.response_timeout),
        (Section::ServerBinds, "concatenation") => concatenation(server.concatenation),
        (Section::Listen, "host") => config.listen.host.to_string(),
        (Section::Listen, "port") => config.listen.port.to_string(),
        (Section::Listen, "max_connections") => config.listen.max_connections.to_string(),
        (Section::Listen, "bind_timeout") => secs(config.listen.bind_timeout),
        (Section::Listen, "bind_failure_limit") => config.listen.bind_failure_limit.to_string(),
        (Section::Listen, "bind_failure_window") => secs(config.listen.bind_failure_window),
        (Section::Listen, "lockout_duration") => secs(config.listen.lockout_duration),
        (Section::Metrics, "enabled") => config.metrics.enabled.to_string(),
        (Section::Metrics, "host") => config.metrics.host.to_string(),
        (Section::Metrics, "port") => config.metrics.port.to_string(),
        (Section::Web, "enabled") => config.web.enabled.to_string(),
        (Section::Web, "host") => config.web.host.to_string(),
        (Section::Web, "port") => config.web.port.to_string(),
        _ => return None,
    };
    Some(value)
}

#[test]
fn every_documented_default_is_applied() {
    let only_url = "api_base_url = \"https://core.example.com:8443\"\n";
    let loaded = load(&format!("{only_url}{CLIENT_BIND}{SERVER_BIND}"));
    let mut checked = 0;
    for key in KEYS {
        let expected = match key.default {
            DefaultValue::Int(value) => value.to_string(),
            DefaultValue::Bool(value) => value.to_string(),
            DefaultValue::Str(value) => value.to_owned(),
            DefaultValue::Required | DefaultValue::Unset | DefaultValue::Described(_) => continue,
        };
        let actual = actual(&loaded.config, key)
            .unwrap_or_else(|| panic!("no default check for {:?} {}", key.section, key.name));
        assert_eq!(
            actual, expected,
            "default of {:?} {}",
            key.section, key.name
        );
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} defaults checked");
}

#[test]
fn spec_defaults_for_keys_described_in_words() {
    let config = load(&format!("{MINIMAL}{SERVER_BIND}")).config;
    assert!(config.listen.enabled, "a server bind turns the listener on");
    let config = load(MINIMAL).config;
    assert!(
        !config.listen.enabled,
        "no server bind and no [listen]: no listener"
    );
    assert!(config.web.tls.is_none());
    let config = load(&format!("{MINIMAL}[listen]\nport = 2776\n")).config;
    assert!(
        config.listen.enabled,
        "a [listen] table turns the listener on"
    );
    let config = load(&format!(
        "{MINIMAL}{SERVER_BIND}[listen]\nenabled = false\n"
    ))
    .config;
    assert!(!config.listen.enabled, "an explicit false wins");
    let server = &load(&format!("{MINIMAL}{SERVER_BIND}")).config.server_binds[0];
    assert!(server.source_address_whitelist.is_empty());
}

#[test]
fn spec_section_3_defaults() {
    let config = load(&format!("{MINIMAL}{CLIENT_BIND}")).config;
    let bind = &config.binds[0];
    assert_eq!(config.smpp_poll_interval, Duration::from_millis(100));
    assert_eq!(config.smsc_name, "smpp_gateway");
    assert_eq!(config.cache_flush_interval, Duration::from_millis(10_000));
    assert_eq!(config.cache_max_retry_attempts, 10);
    assert_eq!(config.cache_backoff_multiplier, 2);
    assert_eq!(config.cache_storage_type, CacheStorageType::Disc);
    assert_eq!(bind.port, 2775);
    assert_eq!(
        (bind.system_type.as_str(), bind.addr_ton, bind.addr_npi),
        ("", 0, 0)
    );
    assert_eq!(bind.tps_limit, 100);
    assert_eq!(bind.queue_check_frequency, Duration::from_millis(1000));
    assert_eq!(bind.enquire_link_interval, Some(Duration::from_secs(60)));
    assert!(bind.enabled && !bind.cache_enabled);
    assert_eq!(
        (bind.cache_max_size, bind.cache_retry_interval.as_secs()),
        (10_000, 60)
    );
    assert_eq!(config.listen.port, 2775);
    assert_eq!(config.listen.max_connections, 100);
    assert_eq!(config.listen.host.to_string(), "0.0.0.0");
    assert_eq!(config.metrics.socket_addr().to_string(), "0.0.0.0:4000");
    assert_eq!(config.web.socket_addr().to_string(), "0.0.0.0:8087");
    assert_eq!(config.log_level, LogLevel::Info);
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(bind.bind_type, BindType::Transceiver);
}

#[test]
fn typed_values_come_out_typed() {
    let text = format!(
        "{MINIMAL}shards = 4\ncache_storage_type = \"ram\"\nlog_format = \"json\"\n{CLIENT_BIND}\
         enquire_link_interval = 0\nconcatenation = \"sar\"\n{SERVER_BIND}\
         source_address_whitelist = [\"MyBrand\", \"614*\"]\n"
    );
    let config = load(&text).config;
    assert_eq!(config.shards, Shards::Fixed(4));
    assert_eq!(config.shards.resolve(2), 4);
    assert_eq!(Shards::Auto.resolve(6), 6);
    assert_eq!(config.cache_storage_type, CacheStorageType::Ram);
    assert_eq!(config.log_format, LogFormat::Json);
    assert_eq!(config.binds[0].enquire_link_interval, None);
    assert_eq!(config.binds[0].concatenation, Concatenation::Sar);
    let server = &config.server_binds[0];
    assert_eq!(server.allowed_bind_types, BindTypes::ALL);
    assert!(server.ip_whitelist.allows("10.50.1.100".parse().unwrap()));
    assert!(server.ip_whitelist.allows("192.168.1.77".parse().unwrap()));
    assert!(!server.ip_whitelist.allows("10.50.1.101".parse().unwrap()));
    assert!(server.source_address_whitelist.allows("61499999999"));
    assert!(!server.source_address_whitelist.allows("OtherBrand"));
    assert!(server.password_matches(b"acme_secret"));
    assert!(!server.password_matches(b"acme_secreT"));
    assert_eq!(
        config
            .server_bind_by_system_id("acme_corp")
            .map(|b| b.name.as_str()),
        Some("partner_acme")
    );
    assert!(config.server_bind_by_system_id("nobody").is_none());
    assert!(config.client_bind("vodafone_uk").is_some());
}

#[test]
fn seed_storage_names_are_accepted() {
    let config = load(&format!("{MINIMAL}mnesia_storage_type = \"ram_copies\"\n")).config;
    assert_eq!(config.cache_storage_type, CacheStorageType::Ram);
    let config = load(&format!("{MINIMAL}cache_storage_type = \"disc_copies\"\n")).config;
    assert_eq!(config.cache_storage_type, CacheStorageType::Disc);
}

#[test]
fn passwords_never_show_in_debug_output() {
    let loaded = load(&format!("{MINIMAL}{CLIENT_BIND}{SERVER_BIND}"));
    let debug = format!("{:?}", loaded.config);
    assert!(!debug.contains("your_password"), "client password leaked");
    assert!(!debug.contains("acme_secret"), "server password leaked");
    assert!(debug.contains("***"));
    assert_eq!(loaded.config.binds[0].password.expose(), "your_password");
}
