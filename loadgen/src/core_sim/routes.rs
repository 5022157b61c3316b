//! The routing table that picks the `dest_smsc` of an inserted message.
//!
//! Rules are tried in order; the first whose every given condition holds wins, else the
//! default route, else the message stays unrouted. Conditions: `source_smsc` (the bind it
//! arrived on), `source_mode` (`server` partner submit / `client` carrier MO) and
//! `dest_prefix` (the destination number starts with it; a leading `+` is ignored on both).

use core_api::BindMode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// Matches the bind the message arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_smsc: Option<String>,
    /// Matches partner submits (`server`) or carrier MO (`client`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_mode: Option<BindMode>,
    /// Matches destination numbers starting with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_prefix: Option<String>,
    /// The `dest_smsc` given to matching messages.
    pub to: String,
}

impl RouteRule {
    fn matches(&self, source_smsc: &str, mode: BindMode, destination: &str) -> bool {
        self.source_smsc.as_deref().is_none_or(|s| s == source_smsc)
            && self.source_mode.is_none_or(|m| m == mode)
            && self.dest_prefix.as_deref().is_none_or(|prefix| {
                let number = destination.strip_prefix('+').unwrap_or(destination);
                number.starts_with(prefix.strip_prefix('+').unwrap_or(prefix))
            })
    }

    /// Parses a CLI rule: comma-separated `key=value` with keys `source_smsc` (or `from`),
    /// `source_mode` (or `mode`), `dest_prefix` (or `prefix`) and `to` (required).
    pub fn parse_spec(spec: &str) -> Result<RouteRule, RouteError> {
        let mut rule = RouteRule {
            source_smsc: None,
            source_mode: None,
            dest_prefix: None,
            to: String::new(),
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| RouteError(format!("route {spec:?}: {part:?} is not key=value")))?;
            let value = value.trim().to_owned();
            match key.trim() {
                "source_smsc" | "from" => rule.source_smsc = Some(value),
                "dest_prefix" | "prefix" => rule.dest_prefix = Some(value),
                "to" => rule.to = value,
                "source_mode" | "mode" => {
                    rule.source_mode = Some(match value.as_str() {
                        "server" => BindMode::Server,
                        "client" => BindMode::Client,
                        other => {
                            return Err(RouteError(format!(
                                "route {spec:?}: source_mode must be server or client, not {other:?}"
                            )))
                        }
                    })
                }
                other => {
                    return Err(RouteError(format!(
                        "route {spec:?}: unknown key {other:?} (source_smsc, source_mode, dest_prefix, to)"
                    )))
                }
            }
        }
        if rule.to.is_empty() {
            return Err(RouteError(format!("route {spec:?}: `to` is required")));
        }
        Ok(rule)
    }
}

/// Ordered rules plus a default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// Destination of messages no rule matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Rules, first match wins.
    #[serde(default, rename = "routes")]
    pub rules: Vec<RouteRule>,
}

/// A route rule or file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(pub String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RouteError {}

impl RouteTable {
    /// The `dest_smsc` for a message, if any route applies.
    pub fn route(&self, source_smsc: &str, mode: BindMode, destination: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.matches(source_smsc, mode, destination))
            .map(|r| r.to.as_str())
            .or(self.default.as_deref())
    }

    /// Checks every rule names a destination.
    pub fn validate(&self) -> Result<(), RouteError> {
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.to.trim().is_empty() {
                return Err(RouteError(format!("routes[{index}].to is empty")));
            }
        }
        if self.default.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(RouteError("default route is empty".to_owned()));
        }
        Ok(())
    }

    /// Parses a routes file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn parse_file_text(name: &Path, text: &str) -> Result<RouteTable, RouteError> {
        let shown = name.display();
        let table: RouteTable = if name.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(text).map_err(|e| RouteError(format!("{shown}: {e}")))?
        } else {
            toml::from_str(text).map_err(|e| RouteError(format!("{shown}: {e}")))?
        };
        table
            .validate()
            .map_err(|e| RouteError(format!("{shown}: {e}")))?;
        Ok(table)
    }

    /// Reads and parses a routes file.
    pub fn load(path: &Path) -> Result<RouteTable, RouteError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RouteError(format!("{}: {e}", path.display())))?;
        RouteTable::parse_file_text(path, &text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hub() -> RouteTable {
        RouteTable {
            default: Some("carrier_default".into()),
            rules: vec![
                RouteRule::parse_spec("from=partner_acme,to=carrier_a").unwrap(),
                RouteRule::parse_spec("mode=client, prefix=+1234, to=partner_acme").unwrap(),
            ],
        }
    }

    #[test]
    fn first_match_then_default() {
        let t = hub();
        assert_eq!(
            t.route("partner_acme", BindMode::Server, "1234"),
            Some("carrier_a")
        );
        assert_eq!(
            t.route("carrier_a", BindMode::Client, "+12345"),
            Some("partner_acme")
        );
        assert_eq!(
            t.route("carrier_a", BindMode::Client, "5555"),
            Some("carrier_default")
        );
        assert_eq!(
            t.route("other", BindMode::Server, "1234"),
            Some("carrier_default")
        );
        assert_eq!(
            RouteTable::default().route("x", BindMode::Server, "1"),
            None
        );
    }

    #[test]
    fn spec_errors_name_the_problem() {
        assert!(RouteRule::parse_spec("from=a")
            .unwrap_err()
            .0
            .contains("`to`"));
        assert!(RouteRule::parse_spec("via=a,to=b")
            .unwrap_err()
            .0
            .contains("via"));
        assert!(RouteRule::parse_spec("mode=sideways,to=b")
            .unwrap_err()
            .0
            .contains("sideways"));
        assert!(RouteRule::parse_spec("to").is_err());
    }

    #[test]
    fn files_in_toml_and_json() {
        let toml_text = r#"
default = "carrier_default"
[[routes]]
source_smsc = "partner_acme"
to = "carrier_a"
[[routes]]
source_mode = "client"
dest_prefix = "1234"
to = "partner_acme"
"#;
        let from_toml = RouteTable::parse_file_text(Path::new("r.toml"), toml_text).unwrap();
        let json_text = r#"{"default":"carrier_default","routes":[
            {"source_smsc":"partner_acme","to":"carrier_a"},
            {"source_mode":"client","dest_prefix":"1234","to":"partner_acme"}]}"#;
        let from_json = RouteTable::parse_file_text(Path::new("r.json"), json_text).unwrap();
        assert_eq!(from_toml, from_json);
        assert_eq!(
            from_toml.route("carrier_x", BindMode::Client, "12349"),
            Some("partner_acme")
        );
        let typo =
            RouteTable::parse_file_text(Path::new("r.toml"), "[[routes]]\nto='a'\nfrom='b'\n");
        assert!(typo.unwrap_err().0.contains("from"));
        let empty_to =
            RouteTable::parse_file_text(Path::new("r.json"), r#"{"routes":[{"to":""}]}"#);
        assert!(empty_to.unwrap_err().0.contains("routes[0].to"));
    }
}
