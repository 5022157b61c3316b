//! Collects problems and warnings while a specification is turned into a typed configuration.
//!
//! Every check takes the key's [`KeyDoc`], so defaults and ranges come from the documented table
//! and every message names the key the way the operator wrote it.

use crate::error::{Problem, Warning, WarningKind};
use crate::keys::{DefaultValue, KeyDoc, Section};
use std::collections::HashMap;
use std::time::Duration;

/// Where a key is: at the top level / in a table, or inside one bind.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    /// The top level or the `[listen]`, `[metrics]`, `[web]` tables.
    Table,
    /// Entry `index` of `[[binds]]` or `[[server_binds]]`.
    Bind {
        section: Section,
        index: usize,
        name: Option<String>,
    },
}

impl Scope {
    pub(crate) fn bind(section: Section, index: usize, name: Option<&str>) -> Self {
        Scope::Bind {
            section,
            index,
            name: name
                .filter(|name| !name.trim().is_empty())
                .map(str::to_owned),
        }
    }
}

/// Problems and warnings found so far, and which values came from the environment.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Warning>,
    /// (section, key) -> the environment variable that set it.
    pub(crate) env_origin: HashMap<(Section, &'static str), &'static str>,
}

impl Checker {
    /// The key's name as the operator should look for it.
    pub(crate) fn label(&self, scope: &Scope, key: &KeyDoc) -> String {
        match scope {
            Scope::Table => {
                let path = table_path(key);
                match self.env_origin.get(&(key.section, key.name)) {
                    Some(var) => format!("{var} (environment, overrides {path})"),
                    None => path,
                }
            }
            Scope::Bind {
                section,
                index,
                name,
            } => {
                let list = if *section == Section::ServerBinds {
                    "server_binds"
                } else {
                    "binds"
                };
                match name {
                    Some(name) => format!("{list}[{index}] ({name}).{}", key.name),
                    None => format!("{list}[{index}].{}", key.name),
                }
            }
        }
    }

    pub(crate) fn problem(&mut self, scope: &Scope, key: &KeyDoc, message: impl Into<String>) {
        let key = self.label(scope, key);
        self.problems.push(Problem {
            key,
            message: message.into(),
        });
    }

    pub(crate) fn warn(
        &mut self,
        kind: WarningKind,
        scope: &Scope,
        key: &KeyDoc,
        message: impl Into<String>,
    ) {
        let key = self.label(scope, key);
        self.warnings.push(Warning {
            kind,
            key,
            message: message.into(),
        });
    }

    fn missing(&mut self, scope: &Scope, key: &KeyDoc) {
        self.problem(scope, key, "missing; this key is required");
    }

    /// An integer with its default applied and its range checked. Returns the default (or the
    /// low end of the range) after recording a problem, so checking can go on.
    pub(crate) fn int(&mut self, scope: &Scope, key: &KeyDoc, value: Option<i64>) -> i64 {
        let fallback = match key.default {
            DefaultValue::Int(default) => default,
            _ => key.range.map_or(0, |(low, _)| low),
        };
        let Some(value) = value.or(match key.default {
            DefaultValue::Int(default) => Some(default),
            _ => None,
        }) else {
            self.missing(scope, key);
            return fallback;
        };
        if let Some((low, high)) = key.range {
            if value < low || value > high {
                self.problem(scope, key, format!("{value} is out of range {low}-{high}"));
                return fallback;
            }
        }
        value
    }

    /// An integer converted to a narrower type; the key's range must fit the type.
    pub(crate) fn uint<T: TryFrom<i64> + Default>(
        &mut self,
        scope: &Scope,
        key: &KeyDoc,
        value: Option<i64>,
    ) -> T {
        let value = self.int(scope, key, value);
        T::try_from(value).unwrap_or_default()
    }

    /// An integer number of seconds.
    pub(crate) fn secs(&mut self, scope: &Scope, key: &KeyDoc, value: Option<i64>) -> Duration {
        Duration::from_secs(self.uint(scope, key, value))
    }

    /// An integer number of milliseconds.
    pub(crate) fn millis(&mut self, scope: &Scope, key: &KeyDoc, value: Option<i64>) -> Duration {
        Duration::from_millis(self.uint(scope, key, value))
    }

    /// A boolean with its default applied.
    pub(crate) fn boolean(&mut self, scope: &Scope, key: &KeyDoc, value: Option<bool>) -> bool {
        match (value, key.default) {
            (Some(value), _) => value,
            (None, DefaultValue::Bool(default)) => default,
            (None, _) => {
                self.missing(scope, key);
                false
            }
        }
    }

    /// A string with its default applied and its length (in characters) checked against the
    /// key's range.
    pub(crate) fn string(&mut self, scope: &Scope, key: &KeyDoc, value: Option<&str>) -> String {
        let value = match (value, key.default) {
            (Some(value), _) => value,
            (None, DefaultValue::Str(default)) => default,
            (None, _) => {
                self.missing(scope, key);
                return String::new();
            }
        };
        if let Some((low, high)) = key.range {
            let length = i64::try_from(value.chars().count()).unwrap_or(i64::MAX);
            if length < low {
                let message = if low == 1 {
                    "must not be empty".to_owned()
                } else {
                    format!("{value:?} is shorter than {low} characters")
                };
                self.problem(scope, key, message);
            } else if length > high {
                self.problem(
                    scope,
                    key,
                    format!("{value:?} is longer than {high} characters"),
                );
            }
        }
        value.to_owned()
    }

    /// A string from the key's fixed set of choices (compared without regard to ASCII case),
    /// turned into `T` by `parse`.
    pub(crate) fn choice<T>(
        &mut self,
        scope: &Scope,
        key: &KeyDoc,
        value: Option<&str>,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = match (value, key.default) {
            (Some(text), _) => text,
            (None, DefaultValue::Str(default)) => default,
            (None, _) => {
                self.missing(scope, key);
                return None;
            }
        };
        let parsed = parse(&text.to_ascii_lowercase());
        if parsed.is_none() {
            self.problem(scope, key, unknown_choice(key, text));
        }
        parsed
    }

    /// Takes the problems and warnings found.
    pub(crate) fn finish(self) -> (Vec<Problem>, Vec<Warning>) {
        (self.problems, self.warnings)
    }
}

/// "unknown bind type "trx"; expected one of transmitter, receiver, transceiver".
pub(crate) fn unknown_choice(key: &KeyDoc, text: &str) -> String {
    let what = key.name.replace('_', " ");
    format!(
        "unknown {what} {text:?}; expected one of {}",
        key.choices().join(", ")
    )
}

/// `listen.port`, `metrics.host`, or just the key for top-level keys.
pub(crate) fn table_path(key: &KeyDoc) -> String {
    match key.section {
        Section::Global => key.name.to_owned(),
        Section::Listen => format!("listen.{}", key.name),
        Section::Metrics => format!("metrics.{}", key.name),
        Section::Web => format!("web.{}", key.name),
        Section::Binds => format!("binds[].{}", key.name),
        Section::ServerBinds => format!("server_binds[].{}", key.name),
    }
}

/// Whether the string holds only printable ASCII, as SMPP's C-octet strings must.
pub(crate) fn printable_ascii(text: &str) -> bool {
    text.bytes().all(|byte| (0x20..=0x7e).contains(&byte))
}

/// Whether the string is a valid bind or instance name: letters, digits, `_`, `-`, `.`.
pub(crate) fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
