//! Peers as the admin API shows and takes them: JSON objects whose fields are the TOML keys of
//! `[[binds]]` and `[[server_binds]]` (durations in the keys' units), checked by the
//! configuration crate's own rules so that the form and the file reject the same values with the
//! same messages. Passwords are write-only: never rendered, and an absent or empty one on an
//! edit keeps the peer's current password.

use serde_json::{json, Value};
use smpp_config::keys::{DefaultValue, KeyDoc, Section, ValueKind, KEYS};
use smpp_config::spec::{ClientBindSpec, ServerBindSpec};
use smpp_config::{ClientBind, Config, ConfigError, Secret, ServerBind};

/// Why a peer body was refused: a message and, when one key is at fault, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerRejection {
    /// One line for the operator.
    pub(crate) message: String,
    /// Each invalid key (without its `binds[0]` prefix) and what is wrong with it.
    pub(crate) problems: Vec<(String, String)>,
}

impl PeerRejection {
    fn plain(message: impl Into<String>) -> Self {
        PeerRejection {
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// The JSON error body: `{"error": .., "problems": [{"key": .., "message": ..}]}`.
    pub(crate) fn to_json(&self) -> Value {
        let problems: Vec<Value> = self
            .problems
            .iter()
            .map(|(key, message)| json!({ "key": key, "message": message }))
            .collect();
        json!({ "error": self.message, "problems": problems })
    }
}

/// The smallest valid file: the peer under test is checked against it alone (uniqueness across
/// peers is the engine's check, on the whole configuration).
const BASE_CONFIG: &str = "api_base_url = \"http://127.0.0.1:9\"\n";

fn base_config() -> Result<Config, PeerRejection> {
    Config::from_toml_str(BASE_CONFIG)
        .map(|loaded| loaded.config)
        .map_err(|error| PeerRejection::plain(format!("internal error: {error}")))
}

fn rejection(error: &ConfigError) -> PeerRejection {
    let problems: Vec<(String, String)> = error
        .problems()
        .iter()
        .map(|problem| {
            let key = problem
                .key
                .rsplit_once('.')
                .map_or(problem.key.as_str(), |(_, key)| key);
            (key.to_owned(), problem.message.clone())
        })
        .collect();
    let message = match problems.as_slice() {
        [] => error.to_string(),
        _ => problems
            .iter()
            .map(|(key, message)| format!("{key}: {message}"))
            .collect::<Vec<_>>()
            .join("; "),
    };
    PeerRejection { message, problems }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, PeerRejection> {
    serde_json::from_slice(body)
        .map_err(|error| PeerRejection::plain(format!("body is not a valid peer object: {error}")))
}

/// Checks that the body's `name` (if any) is the one in the path and returns it.
fn settle_name(given: &mut Option<String>, path_name: &str) -> Result<(), PeerRejection> {
    match given {
        Some(name) if name != path_name => Err(PeerRejection {
            message: format!("name: {name:?} differs from {path_name:?} in the URL"),
            problems: vec![("name".to_owned(), "differs from the URL".to_owned())],
        }),
        _ => {
            *given = Some(path_name.to_owned());
            Ok(())
        }
    }
}

fn keep_password(given: &mut Option<Secret>, current: Option<&Secret>) {
    if given.as_ref().is_none_or(Secret::is_empty) {
        *given = current.cloned();
    }
}

/// A client bind from a `PUT /api/peers/client/<name>` body; `current` is the bind of that
/// name in effect now (its password is kept when the body leaves the password out).
pub(crate) fn client_from_json(
    body: &[u8],
    name: &str,
    current: Option<&ClientBind>,
) -> Result<ClientBind, PeerRejection> {
    let mut spec: ClientBindSpec = parse_body(body)?;
    settle_name(&mut spec.name, name)?;
    keep_password(&mut spec.password, current.map(|bind| &bind.password));
    let loaded = base_config()?
        .with_binds(vec![spec], Vec::new())
        .map_err(|error| rejection(&error))?;
    loaded
        .config
        .binds
        .into_iter()
        .next()
        .ok_or_else(|| PeerRejection::plain("internal error: the bind vanished"))
}

/// A server bind from a `PUT /api/peers/server/<name>` body (see [`client_from_json`]).
pub(crate) fn server_from_json(
    body: &[u8],
    name: &str,
    current: Option<&ServerBind>,
) -> Result<ServerBind, PeerRejection> {
    let mut spec: ServerBindSpec = parse_body(body)?;
    settle_name(&mut spec.name, name)?;
    keep_password(&mut spec.password, current.map(|bind| &bind.password));
    let loaded = base_config()?
        .with_binds(Vec::new(), vec![spec])
        .map_err(|error| rejection(&error))?;
    loaded
        .config
        .server_binds
        .into_iter()
        .next()
        .ok_or_else(|| PeerRejection::plain("internal error: the bind vanished"))
}

fn secs(duration: std::time::Duration) -> u64 {
    duration.as_secs()
}

fn optional_secs(duration: Option<std::time::Duration>) -> u64 {
    duration.map_or(0, secs)
}

/// A client bind as JSON, without its password.
pub(crate) fn client_json(bind: &ClientBind) -> Value {
    json!({
        "name": bind.name,
        "bind_type": bind.bind_type.as_str(),
        "host": bind.host,
        "port": bind.port,
        "system_id": bind.system_id,
        "password_set": !bind.password.is_empty(),
        "system_type": bind.system_type,
        "addr_ton": bind.addr_ton,
        "addr_npi": bind.addr_npi,
        "address_range": bind.address_range,
        "tps_limit": bind.tps_limit,
        "queue_check_frequency": u64::try_from(bind.queue_check_frequency.as_millis()).unwrap_or(u64::MAX),
        "enquire_link_interval": optional_secs(bind.enquire_link_interval),
        "enabled": bind.enabled,
        "cache_enabled": bind.cache_enabled,
        "cache_max_size": bind.cache_max_size,
        "cache_retry_interval": secs(bind.cache_retry_interval),
        "window_size": bind.window_size,
        "response_timeout": secs(bind.response_timeout),
        "concatenation": bind.concatenation.as_str(),
        "mo_reassembly": bind.mo_reassembly,
        "mo_reassembly_timeout": secs(bind.mo_reassembly_timeout),
        "reconnect_min_backoff": secs(bind.reconnect_min_backoff),
        "reconnect_max_backoff": secs(bind.reconnect_max_backoff),
    })
}

/// A server bind as JSON, without its password.
pub(crate) fn server_json(bind: &ServerBind) -> Value {
    let bind_types: Vec<&str> = bind.allowed_bind_types.iter().map(|t| t.as_str()).collect();
    let networks: Vec<String> = bind
        .ip_whitelist
        .networks()
        .iter()
        .map(ToString::to_string)
        .collect();
    let sources: Vec<&str> = bind
        .source_address_whitelist
        .patterns()
        .iter()
        .map(|pattern| pattern.as_str())
        .collect();
    json!({
        "name": bind.name,
        "system_id": bind.system_id,
        "password_set": !bind.password.is_empty(),
        "allowed_bind_types": bind_types,
        "ip_whitelist": networks,
        "source_address_whitelist": sources,
        "tps_limit": bind.tps_limit,
        "queue_check_frequency": u64::try_from(bind.queue_check_frequency.as_millis()).unwrap_or(u64::MAX),
        "enquire_link_interval": optional_secs(bind.enquire_link_interval),
        "cache_enabled": bind.cache_enabled,
        "cache_max_size": bind.cache_max_size,
        "cache_retry_interval": secs(bind.cache_retry_interval),
        "window_size": bind.window_size,
        "response_timeout": secs(bind.response_timeout),
        "concatenation": bind.concatenation.as_str(),
    })
}

fn kind_json(kind: ValueKind) -> (&'static str, Vec<&'static str>) {
    match kind {
        ValueKind::Integer => ("integer", Vec::new()),
        ValueKind::Boolean => ("boolean", Vec::new()),
        ValueKind::Secret => ("secret", Vec::new()),
        ValueKind::Choice(choices) => ("choice", choices.to_vec()),
        ValueKind::ChoiceList(choices) => ("choice_list", choices.to_vec()),
        ValueKind::StringList => ("string_list", Vec::new()),
        _ => ("string", Vec::new()),
    }
}

fn default_json(default: DefaultValue) -> Value {
    match default {
        DefaultValue::Required => json!({ "required": true }),
        DefaultValue::Unset => json!({}),
        DefaultValue::Int(value) => json!({ "value": value }),
        DefaultValue::Bool(value) => json!({ "value": value }),
        DefaultValue::Str(value) => json!({ "value": value }),
        DefaultValue::Described(text) => json!({ "text": text }),
    }
}

fn field_json(key: &KeyDoc) -> Value {
    let (kind, choices) = kind_json(key.kind);
    json!({
        "key": key.name,
        "kind": kind,
        "choices": choices,
        "unit": key.unit,
        "default": default_json(key.default),
        "range": key.range.map(|(low, high)| json!([low, high])),
        "summary": key.summary,
    })
}

/// The form fields of both peer kinds, straight from the configuration's key table, so the
/// forms offer every key the file takes (`mode` is implied by the page).
pub(crate) fn schema_json() -> Value {
    let fields = |section: Section| -> Vec<Value> {
        KEYS.iter()
            .filter(|key| key.section == section && key.name != "mode")
            .map(|key| field_json(key))
            .collect()
    };
    json!({ "client": fields(Section::Binds), "server": fields(Section::ServerBinds) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CLIENT: &str = r#"{"bind_type":"transceiver","host":"127.0.0.1","port":2775,
        "system_id":"gw","password":"pw12"}"#;

    #[test]
    fn client_round_trip_hides_the_password() {
        let bind = client_from_json(CLIENT.as_bytes(), "carrier_a", None).unwrap();
        assert_eq!(bind.name, "carrier_a");
        assert_eq!(bind.password.expose(), "pw12");
        let shown = client_json(&bind).to_string();
        assert!(!shown.contains("pw12"), "{shown}");
        let again = client_from_json(
            shown.replace("\"password_set\":true,", "").as_bytes(),
            "carrier_a",
            Some(&bind),
        );
        assert_eq!(again.unwrap(), bind);
    }

    #[test]
    fn bad_values_name_their_key() {
        let body = CLIENT.replace("2775", "70000");
        let refused = client_from_json(body.as_bytes(), "carrier_a", None).unwrap_err();
        assert_eq!(refused.problems.first().map(|p| p.0.as_str()), Some("port"));
        let unknown = client_from_json(br#"{"colour":"red"}"#, "c", None).unwrap_err();
        assert!(unknown.message.contains("colour"), "{}", unknown.message);
        let renamed = client_from_json(br#"{"name":"other"}"#, "c", None).unwrap_err();
        assert_eq!(renamed.problems.first().map(|p| p.0.as_str()), Some("name"));
    }

    #[test]
    fn a_new_peer_needs_a_password() {
        let body = CLIENT.replace(",\"password\":\"pw12\"", "");
        let refused = client_from_json(body.as_bytes(), "carrier_a", None).unwrap_err();
        assert_eq!(
            refused.problems.first().map(|p| p.0.as_str()),
            Some("password")
        );
    }

    #[test]
    fn schema_lists_every_bind_key() {
        let schema = schema_json();
        let client = schema["client"].as_array().unwrap();
        assert!(client.iter().any(|f| f["key"] == "reconnect_max_backoff"));
        assert!(!client.iter().any(|f| f["key"] == "mode"));
        let server = schema["server"].as_array().unwrap();
        assert!(server.iter().any(|f| f["key"] == "ip_whitelist"));
    }
}
