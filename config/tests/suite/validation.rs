//! Rules on top-level keys and tables, syntax errors, and warnings.

use crate::common::{
    assert_problem, error_of, load, warning_kinds, CLIENT_BIND, MINIMAL, SERVER_BIND,
};
use smpp_config::{Config, ConfigError, WarningKind};

fn with_global(line: &str) -> String {
    format!("{MINIMAL}{line}\n")
}

#[test]
fn api_base_url_is_required() {
    assert_problem(
        "smsc_name = \"x\"\n",
        "api_base_url",
        "missing; this key is required",
    );
}

#[test]
fn api_base_url_must_be_an_http_url() {
    assert_problem(
        "api_base_url = \"ftp://core\"\n",
        "api_base_url",
        "not an http:// or https://",
    );
    assert_problem(
        "api_base_url = \"core.example.com\"\n",
        "api_base_url",
        "not an http://",
    );
    assert_problem(
        "api_base_url = \"https://core:0\"\n",
        "api_base_url",
        "not a port number",
    );
}

#[test]
fn integer_ranges_of_top_level_keys() {
    let cases = [
        (
            "smpp_poll_interval = 99",
            "smpp_poll_interval",
            "99 is out of range 100-2000",
        ),
        (
            "smpp_poll_interval = 2001",
            "smpp_poll_interval",
            "2001 is out of range 100-2000",
        ),
        (
            "cache_flush_interval = 99",
            "cache_flush_interval",
            "out of range 100-3600000",
        ),
        (
            "cache_max_retry_attempts = 0",
            "cache_max_retry_attempts",
            "0 is out of range 1-1000",
        ),
        (
            "cache_backoff_multiplier = 0",
            "cache_backoff_multiplier",
            "0 is out of range 1-10",
        ),
        (
            "cache_backoff_multiplier = 11",
            "cache_backoff_multiplier",
            "11 is out of range 1-10",
        ),
        (
            "max_command_length = 1023",
            "max_command_length",
            "out of range 1024-16777216",
        ),
        (
            "max_command_length = 16777217",
            "max_command_length",
            "out of range 1024-16777216",
        ),
        (
            "api_connect_timeout_ms = 99",
            "api_connect_timeout_ms",
            "out of range 100-300000",
        ),
        (
            "api_send_timeout_ms = 300001",
            "api_send_timeout_ms",
            "out of range 100-300000",
        ),
        (
            "api_recv_timeout_ms = 0",
            "api_recv_timeout_ms",
            "out of range 100-300000",
        ),
        (
            "api_pool_threads = 0",
            "api_pool_threads",
            "0 is out of range 1-256",
        ),
        (
            "api_pool_threads = 257",
            "api_pool_threads",
            "257 is out of range 1-256",
        ),
        ("shards = 0", "shards", "0 is out of range 1-256"),
        ("shards = 257", "shards", "257 is out of range 1-256"),
    ];
    for (line, key, message) in cases {
        assert_problem(&with_global(line), key, message);
    }
}

#[test]
fn choices_of_top_level_keys() {
    assert_problem(
        &with_global("shards = \"many\""),
        "shards",
        "neither \"auto\" nor a number",
    );
    assert_problem(
        &with_global("cache_storage_type = \"tape\""),
        "cache_storage_type",
        "unknown cache storage type \"tape\"; expected one of disc, ram",
    );
    assert_problem(
        &with_global("log_level = \"loud\""),
        "log_level",
        "unknown log level \"loud\"",
    );
    assert_problem(
        &with_global("log_format = \"xml\""),
        "log_format",
        "unknown log format",
    );
}

#[test]
fn smsc_name_must_be_a_plain_name() {
    assert_problem(
        &with_global("smsc_name = \"\""),
        "smsc_name",
        "must not be empty",
    );
    assert_problem(
        &with_global("smsc_name = \"smpp prod\""),
        "smsc_name",
        "may only contain",
    );
    assert_problem(
        &with_global(&format!("smsc_name = \"{}\"", "x".repeat(65))),
        "smsc_name",
        "longer than 64",
    );
}

#[test]
fn cache_dir_must_be_absolute() {
    assert_problem(
        &with_global("cache_dir = \"cache\""),
        "cache_dir",
        "not an absolute path",
    );
    assert_problem(
        &with_global("cache_dir = \"\""),
        "cache_dir",
        "not an absolute path",
    );
}

#[test]
fn listen_values_are_checked() {
    assert_problem(
        &with_global("[listen]\nport = 0"),
        "listen.port",
        "0 is out of range 1-65535",
    );
    assert_problem(
        &with_global("[listen]\nport = 65536"),
        "listen.port",
        "out of range 1-65535",
    );
    assert_problem(
        &with_global("[listen]\nmax_connections = 0"),
        "listen.max_connections",
        "out of range 1-10000",
    );
    assert_problem(
        &with_global("[listen]\nmax_connections = 10001"),
        "listen.max_connections",
        "out of range 1-10000",
    );
    assert_problem(
        &with_global("[listen]\nbind_timeout = 0"),
        "listen.bind_timeout",
        "out of range 1-600",
    );
    assert_problem(
        &with_global("[listen]\nbind_failure_limit = -1"),
        "listen.bind_failure_limit",
        "out of range 0-1000",
    );
    assert_problem(
        &with_global("[listen]\nbind_failure_limit = 1001"),
        "listen.bind_failure_limit",
        "out of range 0-1000",
    );
    assert_problem(
        &with_global("[listen]\nbind_failure_window = 0"),
        "listen.bind_failure_window",
        "out of range 1-86400",
    );
    assert_problem(
        &with_global("[listen]\nlockout_duration = 86401"),
        "listen.lockout_duration",
        "out of range 1-86400",
    );
    assert_problem(
        &with_global("[listen]\nhost = \"localhost\""),
        "listen.host",
        "not an IP address",
    );
    let config = load(&with_global("[listen]\nhost = \"::\"\nport = 2776")).config;
    assert_eq!(config.listen.socket_addr().to_string(), "[::]:2776");
}

#[test]
fn sidecar_values_are_checked() {
    assert_problem(
        &with_global("[metrics]\nport = 0"),
        "metrics.port",
        "out of range 1-65535",
    );
    assert_problem(
        &with_global("[metrics]\nhost = \"any\""),
        "metrics.host",
        "not an IP address",
    );
    assert_problem(
        &with_global("[web]\nport = 70000"),
        "web.port",
        "out of range 1-65535",
    );
    assert_problem(
        &with_global("[web]\nhost = \"0.0.0\""),
        "web.host",
        "not an IP address",
    );
}

#[test]
fn tls_files_come_in_pairs() {
    assert_problem(
        &with_global("[web]\ntls_cert = \"/etc/c.pem\""),
        "web.tls_cert",
        "without tls_key",
    );
    assert_problem(
        &with_global("[web]\ntls_key = \"/etc/k.pem\""),
        "web.tls_key",
        "without tls_cert",
    );
    assert_problem(
        &with_global("[web]\ntls_cert = \"\"\ntls_key = \"/k\""),
        "web.tls_cert",
        "must not be empty",
    );
    let config = load(&with_global(
        "[web]\ntls_cert = \"/etc/c.pem\"\ntls_key = \"/etc/k.pem\"",
    ))
    .config;
    let tls = config.web.tls.unwrap();
    assert_eq!(
        (tls.cert.to_str(), tls.key.to_str()),
        (Some("/etc/c.pem"), Some("/etc/k.pem"))
    );
}

#[test]
fn endpoints_cannot_share_a_port() {
    assert_problem(
        &with_global("[metrics]\nport = 8087"),
        "web.port",
        "8087 is also the port of metrics.port",
    );
    assert_problem(
        &with_global("[listen]\nport = 4000"),
        "metrics.port",
        "4000 is also the port of listen.port",
    );
    // A disabled endpoint or distinct addresses do not clash.
    load(&with_global("[listen]\nenabled = false\nport = 4000"));
    load(&with_global(
        "[metrics]\nhost = \"127.0.0.1\"\nport = 9000\n[web]\nhost = \"127.0.0.2\"\nport = 9000",
    ));
}

#[test]
fn unknown_keys_are_rejected_with_their_line() {
    let cases = [
        (
            format!("{MINIMAL}smpp_pol_interval = 100\n"),
            "smpp_pol_interval",
            3,
        ),
        (
            format!("{MINIMAL}{CLIENT_BIND}tps_limt = 5\n"),
            "tps_limt",
            10,
        ),
        (
            format!("{MINIMAL}{SERVER_BIND}ip_whitelst = []\n"),
            "ip_whitelst",
            10,
        ),
        (
            format!("{MINIMAL}[listen]\nmax_conections = 5\n"),
            "max_conections",
            4,
        ),
        (format!("{MINIMAL}[metrics]\nprot = 5\n"), "prot", 4),
        (format!("{MINIMAL}[web]\ntls_crt = \"/c\"\n"), "tls_crt", 4),
        (format!("{MINIMAL}[lisen]\nport = 5\n"), "lisen", 3),
    ];
    for (text, key, line) in cases {
        let error = Config::from_toml_str(&text).unwrap_err();
        assert!(matches!(error, ConfigError::Syntax { .. }), "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&format!("unknown field `{key}`")),
            "{message}"
        );
        assert!(
            message.contains(&format!("line {line}")),
            "no line {line} in: {message}"
        );
    }
}

#[test]
fn wrong_types_are_rejected_with_their_line() {
    let message = error_of(&format!("{MINIMAL}{CLIENT_BIND}tps_limit = \"100\"\n"));
    assert!(
        message.contains("line 10") && message.contains("invalid type"),
        "{message}"
    );
    let message = error_of(&format!("{MINIMAL}{CLIENT_BIND}enabled = \"yes\"\n"));
    assert!(message.contains("invalid type"), "{message}");
    let message = error_of("api_base_url = \n");
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text =
        format!("{MINIMAL}smpp_poll_interval = 1\nlog_level = \"x\"\n{CLIENT_BIND}tps_limit = 0\n");
    let error = Config::from_toml_str(&text).unwrap_err();
    let keys: Vec<&str> = error
        .problems()
        .iter()
        .map(|problem| problem.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "smpp_poll_interval",
            "log_level",
            "binds[0] (vodafone_uk).tps_limit"
        ]
    );
    assert!(
        error
            .to_string()
            .starts_with("invalid configuration (3 problems):"),
        "{error}"
    );
}

#[test]
fn plain_http_api_is_warned() {
    let loaded = load("api_base_url = \"http://192.168.1.100:8080\"\n");
    assert!(warning_kinds(&loaded).contains(&WarningKind::PlainHttpApi));
    assert!(!warning_kinds(&loaded).contains(&WarningKind::TlsVerificationDisabled));
    assert!(!warning_kinds(&load(MINIMAL)).contains(&WarningKind::PlainHttpApi));
}

#[test]
fn unverified_tls_is_warned() {
    let loaded = load("api_base_url = \"https://core:8443\"\n");
    let warning = loaded
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::TlsVerificationDisabled);
    assert_eq!(warning.map(|w| w.key.as_str()), Some("verify_ssl_peer"));
    assert!(!warning_kinds(&load(MINIMAL)).contains(&WarningKind::TlsVerificationDisabled));
}

#[test]
fn plain_http_web_ui_is_warned() {
    assert!(warning_kinds(&load(MINIMAL)).contains(&WarningKind::PlainHttpWebUi));
    let with_tls = load(&with_global("[web]\ntls_cert = \"/c\"\ntls_key = \"/k\""));
    assert!(!warning_kinds(&with_tls).contains(&WarningKind::PlainHttpWebUi));
    let disabled = load(&with_global("[web]\nenabled = false"));
    assert!(!warning_kinds(&disabled).contains(&WarningKind::PlainHttpWebUi));
}

#[test]
fn disabled_listener_with_server_binds_is_warned() {
    let loaded = load(&format!(
        "{MINIMAL}{SERVER_BIND}[listen]\nenabled = false\n"
    ));
    assert!(warning_kinds(&loaded).contains(&WarningKind::ListenerDisabled));
    let loaded = load(&format!("{MINIMAL}{SERVER_BIND}"));
    assert!(!warning_kinds(&loaded).contains(&WarningKind::ListenerDisabled));
}

#[cfg(unix)]
#[test]
fn config_file_readable_by_others_is_warned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omnimessage-smpp.toml");
    std::fs::write(&path, MINIMAL).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = Config::load_with_env(&path, &|_| None).unwrap();
    let warning = loaded
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::ConfigFilePermissions);
    assert!(
        warning.unwrap().message.contains("0644"),
        "{:?}",
        loaded.warnings
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let loaded = Config::load_with_env(&path, &|_| None).unwrap();
    assert!(!warning_kinds(&loaded).contains(&WarningKind::ConfigFilePermissions));
    assert!(smpp_config::check_file_permissions(&path).is_none());
}

#[test]
fn missing_file_and_syntax_errors_name_the_file() {
    let error = Config::load_with_env("/nonexistent/omnimessage.toml", &|_| None).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert!(
        error.to_string().contains("/nonexistent/omnimessage.toml"),
        "{error}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "api_base_url = \"https://core\"\n[[binds]\n").unwrap();
    let error = Config::load_with_env(&path, &|_| None).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()) && message.contains("line 2"),
        "{message}"
    );
}

#[test]
fn client_password_longer_than_smpp_allows_is_warned() {
    let loaded = load(&format!("{MINIMAL}{CLIENT_BIND}"));
    let warning = loaded
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::LongSmppPassword)
        .unwrap_or_else(|| panic!("no warning for a 13-character password"));
    assert_eq!(warning.key, "binds[0] (vodafone_uk).password");
    let short = CLIENT_BIND.replace("your_password", "secret12");
    let loaded = load(&format!("{MINIMAL}{short}"));
    assert!(!warning_kinds(&loaded).contains(&WarningKind::LongSmppPassword));
}

#[test]
fn web_admin_token_is_checked() {
    let config = load(&with_global(
        "[web]\nadmin_token = \"0123456789abcdef0123\"",
    ))
    .config;
    let token = config
        .web
        .admin_token
        .as_ref()
        .map(|t| t.expose().to_owned());
    assert_eq!(token.as_deref(), Some("0123456789abcdef0123"));
    assert!(!format!("{:?}", config.web).contains("0123456789abcdef"));
    assert_problem(
        &with_global("[web]\nadmin_token = \"short\""),
        "web.admin_token",
        "16 to 256 characters",
    );
    assert_problem(
        &with_global("[web]\nadmin_token = \"has a space in the token\""),
        "web.admin_token",
        "without spaces",
    );
}
