//! Environment variable overrides.

use crate::common::{load_env, CLIENT_BIND, MINIMAL};
use smpp_config::keys::{Section, ValueKind, KEYS};
use smpp_config::{CacheStorageType, LogFormat, LogLevel, Shards};
use std::time::Duration;

fn problems(text: &str, vars: &[(&str, &str)]) -> Vec<String> {
    match load_env(text, vars) {
        Ok(_) => panic!("expected an error with {vars:?}"),
        Err(error) => error.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn seed_variables_override_the_file() {
    let text = format!("{MINIMAL}smsc_name = \"from_file\"\nsmpp_poll_interval = 500\n");
    let config = load_env(
        &text,
        &[
            ("API_BASE_URL", "https://omnimessage-core.company.com:8443"),
            ("SMSC_NAME", "smpp_prod_01"),
            ("SMPP_POLL_INTERVAL", "200"),
            ("VERIFY_SSL_PEER", "false"),
            ("CACHE_FLUSH_INTERVAL", "20000"),
            ("CACHE_MAX_RETRY_ATTEMPTS", "5"),
            ("CACHE_BACKOFF_MULTIPLIER", "3"),
            ("CACHE_STORAGE_TYPE", "ram"),
        ],
    )
    .unwrap()
    .config;
    assert_eq!(
        config.api_base_url.as_str(),
        "https://omnimessage-core.company.com:8443"
    );
    assert_eq!(config.smsc_name, "smpp_prod_01");
    assert_eq!(config.smpp_poll_interval, Duration::from_millis(200));
    assert!(!config.verify_ssl_peer);
    assert_eq!(config.cache_flush_interval, Duration::from_millis(20_000));
    assert_eq!(config.cache_max_retry_attempts, 5);
    assert_eq!(config.cache_backoff_multiplier, 3);
    assert_eq!(config.cache_storage_type, CacheStorageType::Ram);
}

#[test]
fn api_base_url_can_come_from_the_environment_only() {
    let config = load_env(CLIENT_BIND, &[("API_BASE_URL", "https://core:8443")])
        .unwrap()
        .config;
    assert_eq!(config.api_base_url.port(), 8443);
}

#[test]
fn mnesia_storage_type_is_an_alias() {
    let config = load_env(MINIMAL, &[("MNESIA_STORAGE_TYPE", "ram_copies")])
        .unwrap()
        .config;
    assert_eq!(config.cache_storage_type, CacheStorageType::Ram);
    let both = [
        ("CACHE_STORAGE_TYPE", "disc"),
        ("MNESIA_STORAGE_TYPE", "ram_copies"),
    ];
    let config = load_env(MINIMAL, &both).unwrap().config;
    assert_eq!(
        config.cache_storage_type,
        CacheStorageType::Disc,
        "CACHE_STORAGE_TYPE wins"
    );
}

#[test]
fn project_variables_override_the_file() {
    let text = format!("{MINIMAL}shards = 2\n[metrics]\nport = 9100\n");
    let config = load_env(
        &text,
        &[
            ("OMNIMESSAGE_SMPP_SHARDS", "auto"),
            ("OMNIMESSAGE_SMPP_CACHE_DIR", "/srv/cache"),
            ("OMNIMESSAGE_SMPP_LOG_LEVEL", "debug"),
            ("OMNIMESSAGE_SMPP_LOG_FORMAT", "json"),
            ("OMNIMESSAGE_SMPP_MAX_COMMAND_LENGTH", "4096"),
            ("OMNIMESSAGE_SMPP_API_CONNECT_TIMEOUT_MS", "1000"),
            ("OMNIMESSAGE_SMPP_API_SEND_TIMEOUT_MS", "2000"),
            ("OMNIMESSAGE_SMPP_API_RECV_TIMEOUT_MS", "3000"),
            ("OMNIMESSAGE_SMPP_API_POOL_THREADS", "4"),
            ("OMNIMESSAGE_SMPP_LISTEN_HOST", "127.0.0.1"),
            ("OMNIMESSAGE_SMPP_LISTEN_PORT", "2776"),
            ("OMNIMESSAGE_SMPP_LISTEN_MAX_CONNECTIONS", "50"),
            ("OMNIMESSAGE_SMPP_LISTEN_BIND_TIMEOUT", "10"),
            ("OMNIMESSAGE_SMPP_LISTEN_BIND_FAILURE_LIMIT", "7"),
            ("OMNIMESSAGE_SMPP_LISTEN_BIND_FAILURE_WINDOW", "20"),
            ("OMNIMESSAGE_SMPP_LISTEN_LOCKOUT_DURATION", "900"),
            ("OMNIMESSAGE_SMPP_METRICS_HOST", "127.0.0.1"),
            ("OMNIMESSAGE_SMPP_METRICS_PORT", "9200"),
            ("OMNIMESSAGE_SMPP_WEB_HOST", "::1"),
            ("OMNIMESSAGE_SMPP_WEB_PORT", "8443"),
            ("OMNIMESSAGE_SMPP_WEB_TLS_CERT", "/etc/ssl/gw.pem"),
            ("OMNIMESSAGE_SMPP_WEB_TLS_KEY", "/etc/ssl/gw.key"),
        ],
    )
    .unwrap()
    .config;
    assert_eq!(config.shards, Shards::Auto);
    assert_eq!(config.cache_dir.to_str(), Some("/srv/cache"));
    assert_eq!(config.log_level, LogLevel::Debug);
    assert_eq!(config.log_format, LogFormat::Json);
    assert_eq!(config.max_command_length, 4096);
    assert_eq!(config.api_connect_timeout, Duration::from_secs(1));
    assert_eq!(config.api_send_timeout, Duration::from_secs(2));
    assert_eq!(config.api_recv_timeout, Duration::from_secs(3));
    assert_eq!(config.api_pool_threads, 4);
    assert!(
        config.listen.enabled,
        "a listen variable turns the listener on"
    );
    assert_eq!(config.listen.socket_addr().to_string(), "127.0.0.1:2776");
    assert_eq!(config.listen.max_connections, 50);
    assert_eq!(config.listen.bind_timeout, Duration::from_secs(10));
    assert_eq!(config.listen.bind_failure_limit, 7);
    assert_eq!(config.listen.bind_failure_window, Duration::from_secs(20));
    assert_eq!(config.listen.lockout_duration, Duration::from_secs(900));
    assert_eq!(config.metrics.socket_addr().to_string(), "127.0.0.1:9200");
    assert_eq!(config.web.socket_addr().to_string(), "[::1]:8443");
    assert!(config.web.tls.is_some());
}

#[test]
fn boolean_variables_take_effect() {
    let vars = [
        ("VERIFY_SSL_PEER", "yes"),
        ("OMNIMESSAGE_SMPP_LISTEN_ENABLED", "1"),
        ("OMNIMESSAGE_SMPP_METRICS_ENABLED", "off"),
        ("OMNIMESSAGE_SMPP_WEB_ENABLED", "FALSE"),
    ];
    let config = load_env("api_base_url = \"https://core\"\n", &vars)
        .unwrap()
        .config;
    assert!(config.verify_ssl_peer);
    assert!(config.listen.enabled);
    assert!(!config.metrics.enabled);
    assert!(!config.web.enabled);
    let shards = load_env(MINIMAL, &[("OMNIMESSAGE_SMPP_SHARDS", " 3 ")])
        .unwrap()
        .config
        .shards;
    assert_eq!(shards, Shards::Fixed(3));
}

#[test]
fn bad_values_name_the_variable() {
    assert_eq!(
        problems(MINIMAL, &[("SMPP_POLL_INTERVAL", "fast")]),
        ["SMPP_POLL_INTERVAL (environment): \"fast\" is not an integer"]
    );
    assert_eq!(
        problems(MINIMAL, &[("SMPP_POLL_INTERVAL", "5")]),
        ["SMPP_POLL_INTERVAL (environment, overrides smpp_poll_interval): 5 is out of range 100-2000"]
    );
    assert_eq!(
        problems(MINIMAL, &[("VERIFY_SSL_PEER", "maybe")]),
        ["VERIFY_SSL_PEER (environment): \"maybe\" is not a boolean (true/false, 1/0, yes/no, on/off)"]
    );
    assert_eq!(
        problems(MINIMAL, &[("API_BASE_URL", "core:8443")]),
        ["API_BASE_URL (environment, overrides api_base_url): \"core:8443\" is not an http:// or https:// URL"]
    );
    assert_eq!(
        problems(MINIMAL, &[("MNESIA_STORAGE_TYPE", "tape")]),
        ["MNESIA_STORAGE_TYPE (environment, overrides cache_storage_type): unknown cache storage type \"tape\"; expected one of disc, ram"]
    );
    assert_eq!(
        problems(MINIMAL, &[("OMNIMESSAGE_SMPP_WEB_PORT", "4000")]),
        ["OMNIMESSAGE_SMPP_WEB_PORT (environment, overrides web.port): 4000 is also the port of metrics.port; each endpoint needs its own"]
    );
}

#[test]
fn empty_values_are_rejected() {
    assert_eq!(
        problems(MINIMAL, &[("SMSC_NAME", "  ")]),
        ["SMSC_NAME (environment): is set but empty; unset it to use smsc_name from the file"]
    );
}

/// A value of the right type that no key accepts, so the error proves the variable reached the
/// key's check.
fn invalid_value(kind: ValueKind, name: &str) -> &'static str {
    match kind {
        ValueKind::Integer | ValueKind::AutoOrInteger => "-5",
        ValueKind::Url => "gopher://core",
        ValueKind::IpAddr => "not-an-ip",
        ValueKind::Choice(_) => "no-such-choice",
        ValueKind::Path if name == "cache_dir" => "relative/dir",
        ValueKind::Path => "/only/one/of/the/pair.pem",
        ValueKind::String => "not a name!",
        ValueKind::Secret => "too-short",
        ValueKind::Boolean | ValueKind::ChoiceList(_) | ValueKind::StringList => "",
    }
}

#[test]
fn every_variable_reaches_its_key() {
    let mut checked = 0;
    for key in KEYS.iter().filter(|key| !key.env.is_empty()) {
        assert!(
            matches!(
                key.section,
                Section::Global | Section::Listen | Section::Metrics | Section::Web
            ),
            "{} has an env var but is a bind key",
            key.name
        );
        for var in key.env {
            if key.kind == ValueKind::Boolean {
                continue; // covered by boolean_variables_take_effect
            }
            let value = invalid_value(key.kind, key.name);
            let found = problems(MINIMAL, &[(var, value)]);
            let expected = format!("{var} (environment, overrides ");
            assert!(
                found.iter().any(|problem| problem.starts_with(&expected)),
                "{var}={value:?} did not reach {}: {found:?}",
                key.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} variables checked");
}
