//! `Config::to_effective_toml`, what `omnimessage-smpp config check` prints: every documented
//! key in its table, the values in force in the file's units, environment overrides named,
//! passwords masked, and the output loads again to the same configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use smpp_config::keys::{Section, KEYS};
use smpp_config::{Config, MASK};
use std::path::PathBuf;

fn load(text: &str, vars: &[(&str, &str)]) -> Config {
    let lookup = |name: &str| {
        vars.iter()
            .find(|(var, _)| *var == name)
            .map(|(_, value)| (*value).to_owned())
    };
    Config::from_toml_str_with_env(text, &lookup)
        .unwrap_or_else(|error| panic!("{error}\n---\n{text}"))
        .config
}

/// Everything set away from its default, in every table, with TLS files.
const FULL: &str = r#"
api_base_url = "https://core.example.com:8443/base"
smpp_poll_interval = 250
verify_ssl_peer = true
smsc_name = "gw_eu"
cache_flush_interval = 5000
cache_max_retry_attempts = 7
cache_backoff_multiplier = 3
cache_storage_type = "ram"
cache_dir = "/srv/cache dir"
shards = 3
log_level = "debug"
log_format = "json"
max_command_length = 4096
api_connect_timeout_ms = 700
api_send_timeout_ms = 800
api_recv_timeout_ms = 900
api_pool_threads = 4

[[binds]]
name = "carrier_a"
bind_type = "transmitter"
host = "10.0.0.9"
port = 2776
system_id = "gw"
password = "Top\"Secret\\1"
system_type = "VMA"
addr_ton = 1
addr_npi = 1
address_range = "614*"
tps_limit = 250
queue_check_frequency = 1500
enquire_link_interval = 0
enabled = false
cache_enabled = true
cache_max_size = 500
cache_retry_interval = 30
window_size = 20
response_timeout = 15
concatenation = "sar"
mo_reassembly = true
mo_reassembly_timeout = 120
reconnect_min_backoff = 2
reconnect_max_backoff = 90

[[server_binds]]
name = "partner_b"
system_id = "acme"
password = "acmepw99"
allowed_bind_types = ["receiver", "transceiver"]
ip_whitelist = ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"]
source_address_whitelist = ["AcmeCorp", "614*"]
tps_limit = 40
queue_check_frequency = 3000
enquire_link_interval = 45
cache_enabled = true
cache_max_size = 900
cache_retry_interval = 20
window_size = 5
response_timeout = 12
concatenation = "udh16"

[listen]
enabled = true
host = "127.0.0.1"
port = 2999
max_connections = 33
bind_timeout = 9
bind_failure_limit = 5
bind_failure_window = 30
lockout_duration = 600

[metrics]
enabled = false
host = "127.0.0.1"
port = 4100

[web]
enabled = false
host = "::1"
port = 8100
tls_cert = "/etc/gw/cert.pem"
tls_key = "/etc/gw/key.pem"
admin_token = "0123456789abcdef0123456789abcdef"
"#;

/// The `key = value` lines of each table of a rendered configuration, in order.
fn tables(toml: &str) -> Vec<(Section, Vec<(String, String)>)> {
    let mut out = vec![(Section::Global, Vec::new())];
    for line in toml.lines() {
        let section = match line.trim() {
            "[[binds]]" => Some(Section::Binds),
            "[[server_binds]]" => Some(Section::ServerBinds),
            "[listen]" => Some(Section::Listen),
            "[metrics]" => Some(Section::Metrics),
            "[web]" => Some(Section::Web),
            _ => None,
        };
        if let Some(section) = section {
            out.push((section, Vec::new()));
        } else if let Some((key, value)) = line.split_once(" = ") {
            out.last_mut()
                .unwrap()
                .1
                .push((key.to_owned(), value.to_owned()));
        }
    }
    out
}

fn value<'a>(toml: &'a [(Section, Vec<(String, String)>)], section: Section, key: &str) -> &'a str {
    toml.iter()
        .filter(|(s, _)| *s == section)
        .flat_map(|(_, lines)| lines)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing from {section:?}"))
}

#[test]
fn every_documented_key_is_printed_in_its_table() {
    let rendered = load(FULL, &[]).to_effective_toml();
    let tables = tables(&rendered);
    for key in KEYS {
        let printed = tables
            .iter()
            .filter(|(section, _)| *section == key.section)
            .all(|(_, lines)| lines.iter().any(|(name, _)| name == key.name));
        assert!(
            printed,
            "{} {} is not printed by to_effective_toml:\n{rendered}",
            key.section.header(),
            key.name
        );
    }
    // And nothing undocumented.
    for (section, lines) in &tables {
        for (name, _) in lines {
            assert!(
                KEYS.iter().any(|k| k.section == *section && k.name == name),
                "{name} in {section:?} is not a documented key"
            );
        }
    }
}

#[test]
fn values_are_in_the_files_units() {
    let rendered = load(FULL, &[]).to_effective_toml();
    let t = tables(&rendered);
    assert_eq!(value(&t, Section::Global, "smpp_poll_interval"), "250");
    assert_eq!(value(&t, Section::Global, "api_recv_timeout_ms"), "900");
    assert_eq!(value(&t, Section::Global, "shards"), "3");
    assert_eq!(
        value(&t, Section::Global, "cache_dir"),
        "\"/srv/cache dir\""
    );
    assert_eq!(value(&t, Section::Binds, "queue_check_frequency"), "1500");
    assert_eq!(value(&t, Section::Binds, "enquire_link_interval"), "0");
    assert_eq!(value(&t, Section::Binds, "response_timeout"), "15");
    assert_eq!(value(&t, Section::Binds, "reconnect_max_backoff"), "90");
    assert_eq!(
        value(&t, Section::ServerBinds, "ip_whitelist"),
        r#"["203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32"]"#
    );
    assert_eq!(
        value(&t, Section::ServerBinds, "allowed_bind_types"),
        r#"["receiver", "transceiver"]"#
    );
    assert_eq!(value(&t, Section::Listen, "bind_timeout"), "9");
    assert_eq!(value(&t, Section::Listen, "bind_failure_limit"), "5");
    assert_eq!(value(&t, Section::Listen, "bind_failure_window"), "30");
    assert_eq!(value(&t, Section::Listen, "lockout_duration"), "600");
    assert_eq!(value(&t, Section::Web, "tls_key"), "\"/etc/gw/key.pem\"");

    let defaults = load("api_base_url = \"http://core\"", &[]).to_effective_toml();
    let d = tables(&defaults);
    assert_eq!(value(&d, Section::Global, "shards"), "\"auto\"");
    assert_eq!(value(&d, Section::Global, "smsc_name"), "\"smpp_gateway\"");
    assert_eq!(value(&d, Section::Web, "port"), "8087");
    assert!(defaults.contains("# tls_cert, tls_key: unset"));
}

#[test]
fn passwords_are_masked() {
    let rendered = load(FULL, &[]).to_effective_toml();
    assert!(!rendered.contains("Secret"), "{rendered}");
    assert!(!rendered.contains("acmepw99"), "{rendered}");
    let t = tables(&rendered);
    for section in [Section::Binds, Section::ServerBinds] {
        assert_eq!(
            value(&t, section, "password"),
            format!("\"{MASK}\"  # masked")
        );
    }
}

#[test]
fn environment_overrides_are_named() {
    let config = load(
        "api_base_url = \"https://file\"\n",
        &[
            ("API_BASE_URL", "https://from-env:9443"),
            ("SMSC_NAME", "env_gw"),
        ],
    );
    let rendered = config.to_effective_toml();
    assert!(
        rendered.contains("api_base_url = \"https://from-env:9443\"  # from API_BASE_URL\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("smsc_name = \"env_gw\"  # from SMSC_NAME\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("smpp_poll_interval = 100\n"),
        "{rendered}"
    );
}

#[test]
fn the_output_loads_back_to_the_same_configuration() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut texts = vec![FULL.to_owned()];
    for entry in std::fs::read_dir(examples).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for text in texts {
        let first = load(&text, &[]).to_effective_toml();
        let second = load(&first, &[]).to_effective_toml();
        assert_eq!(first, second, "not stable through a reload:\n{first}");
    }
}
