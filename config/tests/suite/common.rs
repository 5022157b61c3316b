//! Helpers shared by the tests.

use smpp_config::{Config, ConfigError, Loaded, WarningKind};
use std::collections::HashMap;

/// The smallest valid file: the core's URL only.
pub(crate) const MINIMAL: &str =
    "api_base_url = \"https://core.example.com:8443\"\nverify_ssl_peer = true\n";

/// A valid client bind with every required key.
pub(crate) const CLIENT_BIND: &str = r#"
[[binds]]
name = "vodafone_uk"
bind_type = "transceiver"
host = "smpp.vodafone.co.uk"
system_id = "your_username"
password = "your_password"
"#;

/// A valid server bind with every required key.
pub(crate) const SERVER_BIND: &str = r#"
[[server_binds]]
name = "partner_acme"
system_id = "acme_corp"
password = "acme_secret"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
ip_whitelist = ["192.168.1.0/24", "10.50.1.100"]
"#;

pub(crate) fn load(text: &str) -> Loaded {
    match Config::from_toml_str(text) {
        Ok(loaded) => loaded,
        Err(error) => panic!("expected a valid config, got: {error}\n--- config ---\n{text}"),
    }
}

pub(crate) fn load_env(text: &str, vars: &[(&str, &str)]) -> Result<Loaded, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    Config::from_toml_str_with_env(text, &move |name| map.get(name).cloned())
}

/// The error of an invalid config, as text.
pub(crate) fn error_of(text: &str) -> String {
    match Config::from_toml_str(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(error) => error.to_string(),
    }
}

/// Asserts that `text` fails with exactly one problem whose key and message contain the given
/// fragments.
pub(crate) fn assert_problem(text: &str, key: &str, message: &str) {
    let error = Config::from_toml_str(text).err().unwrap_or_else(|| {
        panic!("expected `{key}: ...{message}...` for:\n{text}");
    });
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "expected one problem, got: {error}");
    assert_eq!(problems[0].key, key, "wrong key in: {error}");
    assert!(
        problems[0].message.contains(message),
        "expected {message:?} in the message of: {error}"
    );
}

/// A client bind with one extra line.
pub(crate) fn client_with(line: &str) -> String {
    format!("{MINIMAL}{CLIENT_BIND}{line}\n")
}

/// A server bind with one extra line.
pub(crate) fn server_with(line: &str) -> String {
    format!("{MINIMAL}{SERVER_BIND}{line}\n")
}

pub(crate) fn warning_kinds(loaded: &Loaded) -> Vec<WarningKind> {
    loaded.warnings.iter().map(|warning| warning.kind).collect()
}
