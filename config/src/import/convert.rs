//! From parsed statements to TOML: which `config` calls matter, where each key goes, and what
//! the operator is told about the rest.

use super::parser::{Expr, ExprKind, Stmt};
use super::values::{self, describe, edit_distance, eval, to_toml, Field, Value, Variables};
use super::{ImportError, Imported, Note, UnknownKey};
use crate::keys::{DefaultValue, KeyDoc, Section, ValueKind, KEYS};

/// The application the original gateway reads its settings from.
const APP: &str = "omnimessage_smpp";

/// What the `config` statements set, in order; a later setting of the same key wins, as in
/// Elixir.
#[derive(Default)]
struct Settings {
    globals: Vec<Field>,
    binds: Option<Field>,
    server_binds: Option<Field>,
    listen: Option<Field>,
}

#[derive(Default)]
struct Converter {
    vars: Variables,
    settings: Settings,
    unknown: Vec<UnknownKey>,
    notes: Vec<Note>,
}

pub(super) fn convert(statements: &[Stmt]) -> Result<Imported, ImportError> {
    let mut converter = Converter::default();
    converter.statements(statements)?;
    Ok(converter.render())
}

impl Converter {
    fn note(&mut self, line: u32, message: impl Into<String>) {
        self.notes.push(Note {
            line,
            message: message.into(),
        });
    }

    fn statements(&mut self, statements: &[Stmt]) -> Result<(), ImportError> {
        for statement in statements {
            match statement {
                Stmt::Import { module, line } => {
                    if module != "Config" {
                        self.note(*line, format!("`import {module}` ignored"));
                    }
                }
                Stmt::Assign { name, value } => {
                    let value = eval(value, &self.vars);
                    self.vars.insert(name.clone(), value);
                }
                Stmt::If {
                    condition: _,
                    body,
                    line,
                } => {
                    self.note(
                        *line,
                        "the `if` condition is not evaluated: the settings inside it were \
                         imported as if it held",
                    );
                    self.statements(body)?;
                }
                Stmt::Config { args, line } => self.config(args, *line)?,
            }
        }
        Ok(())
    }

    fn config(&mut self, args: &[Expr], line: u32) -> Result<(), ImportError> {
        let app = match args.first() {
            Some(Expr {
                kind: ExprKind::Atom(app),
                ..
            }) => app.as_str(),
            Some(other) => {
                return Err(error(
                    other,
                    "expected the application atom, e.g. `:omnimessage_smpp`",
                ))
            }
            None => {
                return Err(ImportError {
                    line,
                    column: 1,
                    message: "`config` needs an application and settings".to_owned(),
                })
            }
        };
        let entries: Vec<Field> =
            match args {
                [_, Expr {
                    kind: ExprKind::Keywords(entries),
                    ..
                }] => values::fields(entries, &self.vars),
                [_, Expr {
                    kind: ExprKind::Atom(key),
                    line,
                    ..
                }, value] => vec![Field {
                    key: key.clone(),
                    line: *line,
                    value: eval(value, &self.vars),
                }],
                [_, Expr {
                    kind: ExprKind::Module(module),
                    line,
                    ..
                }, _] => {
                    if app == APP {
                        if module.ends_with("Endpoint") {
                            self.note(
                                *line,
                                format!(
                                    "{module} (the original's web endpoint) is not imported: \
                                     this gateway's web UI is set in [web] (host, port, \
                                     tls_cert, tls_key)"
                                ),
                            );
                        }
                        self.unknown.push(UnknownKey {
                            path: module.clone(),
                            line: *line,
                            suggestion: None,
                        });
                    } else {
                        self.note(*line, format!("`config :{app}, {module}` skipped"));
                    }
                    return Ok(());
                }
                [_, second, ..] => return Err(error(
                    second,
                    "expected `key: value` settings or a `:key, value` pair after the application",
                )),
                _ => {
                    return Err(ImportError {
                        line,
                        column: 1,
                        message: "`config` needs an application and settings".to_owned(),
                    })
                }
            };
        if app == "logger" {
            self.logger(entries);
            return Ok(());
        }
        if app != APP {
            if edit_distance(app, APP) > 2 {
                self.note(
                    line,
                    format!("`config :{app}` is another application's configuration; skipped"),
                );
                return Ok(());
            }
            self.note(
                line,
                format!(
                    "`config :{app}` read as `config :{APP}` (a misspelling? the original \
                     gateway would have ignored it)"
                ),
            );
        }
        for field in entries {
            self.set(field);
        }
        Ok(())
    }

    /// `config :logger, level: ...` is the original's log level.
    fn logger(&mut self, entries: Vec<Field>) {
        for field in entries {
            if field.key == "level" {
                self.note(
                    field.line,
                    "`config :logger, level:` imported as `log_level`",
                );
                self.set(Field {
                    key: "log_level".to_owned(),
                    ..field
                });
            } else {
                self.note(
                    field.line,
                    format!("`config :logger, {}:` skipped", field.key),
                );
            }
        }
    }

    fn set(&mut self, field: Field) {
        let slot = match field.key.as_str() {
            "binds" => &mut self.settings.binds,
            "server_binds" => &mut self.settings.server_binds,
            "listen" => &mut self.settings.listen,
            _ => {
                let key = canonical(Section::Global, &field.key);
                if let Some(earlier) = self
                    .settings
                    .globals
                    .iter()
                    .position(|f| canonical(Section::Global, &f.key) == key)
                {
                    let earlier = self.settings.globals.remove(earlier);
                    self.note(
                        field.line,
                        format!(
                            "{} is set again (first on line {}); the later value wins",
                            field.key, earlier.line
                        ),
                    );
                }
                self.settings.globals.push(field);
                return;
            }
        };
        let replaced = slot.replace(field);
        if let (Some(earlier), Some(current)) = (replaced, slot.as_ref()) {
            let message = format!(
                "{} is set again (first on line {}); the later value wins",
                current.key, earlier.line
            );
            let line = current.line;
            self.note(line, message);
        }
    }

    fn render(mut self) -> Imported {
        let settings = std::mem::take(&mut self.settings);
        let mut body = String::new();
        let globals = settings.globals;
        self.table(Section::Global, "", &globals, &mut body);
        let mut client_tables = Vec::new();
        let mut server_tables = Vec::new();
        if let Some(binds) = &settings.binds {
            for (index, line, fields) in self.entries_of(binds) {
                let path = format!("binds[{index}]");
                let is_server = fields.iter().any(|f| {
                    f.key == "mode"
                        && matches!(&f.value, Value::Atom(m) | Value::Str(m) if m == "server")
                });
                if is_server {
                    self.note(
                        line,
                        format!("{path} has mode :server: written as a [[server_binds]] entry"),
                    );
                    server_tables.push((path, fields));
                } else {
                    client_tables.push((path, fields));
                }
            }
        }
        if let Some(server_binds) = &settings.server_binds {
            for (index, _, fields) in self.entries_of(server_binds) {
                server_tables.push((format!("server_binds[{index}]"), fields));
            }
        }
        for (path, fields) in client_tables {
            body.push_str("\n[[binds]]\n");
            self.table(Section::Binds, &path, &fields, &mut body);
        }
        for (path, fields) in server_tables {
            body.push_str("\n[[server_binds]]\n");
            self.table(Section::ServerBinds, &path, &fields, &mut body);
        }
        if let Some(listen) = &settings.listen {
            match &listen.value {
                Value::Map(fields) => {
                    body.push_str("\n[listen]\n");
                    self.table(Section::Listen, "listen", fields, &mut body);
                }
                other => {
                    let message = format!(
                        "listen is {}, not a map: left out (write `%{{host: ..., port: ...}}`)",
                        describe(other)
                    );
                    self.note(listen.line, message);
                }
            }
        }
        let mut toml = String::from(
            "# Converted from the original gateway's runtime.exs by `omnimessage-smpp config \
             import`.\n# Check it with `omnimessage-smpp config check <file>` before use.\n",
        );
        self.notes.sort_by_key(|note| note.line);
        for note in &self.notes {
            toml.push_str(&format!("# note: {note}\n"));
        }
        toml.push('\n');
        toml.push_str(body.trim_start_matches('\n'));
        Imported {
            toml,
            unknown: self.unknown,
            notes: self.notes,
        }
    }

    /// The maps of a `:binds`/`:server_binds` list with their index and line.
    fn entries_of(&mut self, list: &Field) -> Vec<(usize, u32, Vec<Field>)> {
        let Value::List(items) = &list.value else {
            let message = format!(
                "{} is {}, not a list of maps: left out",
                list.key,
                describe(&list.value)
            );
            self.note(list.line, message);
            return Vec::new();
        };
        let mut entries = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item {
                Value::Map(fields) => {
                    let line = fields.first().map_or(list.line, |f| f.line);
                    entries.push((index, line, fields.clone()));
                }
                other => {
                    let message = format!(
                        "{}[{index}] is {}, not a map: left out",
                        list.key,
                        describe(other)
                    );
                    self.note(list.line, message);
                }
            }
        }
        entries
    }

    /// Writes the known keys of one table and reports the others; `path` prefixes key paths.
    fn table(&mut self, section: Section, path: &str, fields: &[Field], out: &mut String) {
        for (position, field) in fields.iter().enumerate() {
            let key_path = if path.is_empty() {
                field.key.clone()
            } else {
                format!("{path}.{}", field.key)
            };
            let name = canonical(section, &field.key);
            if let Some(later) = fields
                .iter()
                .skip(position + 1)
                .find(|f| canonical(section, &f.key) == name)
            {
                let message = format!(
                    "{key_path} is given again on line {}; the later value wins",
                    later.line
                );
                self.note(field.line, message);
                continue;
            }
            let Some(key) = KEYS
                .iter()
                .find(|key| key.section == section && key.name == name)
            else {
                out.push_str(&format!(
                    "# unknown key {} (runtime.exs line {}) not imported\n",
                    field.key, field.line
                ));
                self.unknown.push(UnknownKey {
                    path: key_path,
                    line: field.line,
                    suggestion: suggestion(section, &field.key),
                });
                continue;
            };
            if name != field.key {
                self.note(field.line, format!("{key_path} written as {name}"));
            }
            if let Some(text) = self.value(key, &key_path, field.line, &field.value) {
                out.push_str(&format!("{name} = {text}\n"));
            }
        }
    }

    /// The TOML text of one key's value, or `None` (with a note saying why) to leave it out.
    fn value(&mut self, key: &KeyDoc, path: &str, line: u32, value: &Value) -> Option<String> {
        match value {
            Value::Env { var, default } => {
                let reads = if key.env.contains(&var.as_str()) {
                    format!("{var} overrides it at run time in this gateway too")
                } else if let Some(ours) = key.env.first() {
                    format!(
                        "this gateway does not read {var}; set {ours} to override it at run time"
                    )
                } else {
                    "this gateway reads no environment variable for it, so the value must be in the file"
                        .to_owned()
                };
                match default {
                    Some(default) => {
                        self.note(
                            line,
                            format!(
                                "{path} set to {var}'s default ({}); {reads}",
                                shown(key, default)
                            ),
                        );
                        self.value(key, path, line, default)
                    }
                    None => {
                        let required = if key.default == DefaultValue::Required {
                            " It is required: set the variable or write the value in."
                        } else {
                            ""
                        };
                        self.note(
                            line,
                            format!(
                                "{path} left out: it comes only from {var}; {reads}.{required}"
                            ),
                        );
                        None
                    }
                }
            }
            Value::Nil => {
                self.note(
                    line,
                    format!("{path} is nil: left out, the default applies"),
                );
                None
            }
            Value::Opaque(what) => {
                self.note(
                    line,
                    format!("{path} left out: {what} cannot be converted; write the value in"),
                );
                None
            }
            other => match to_toml(key.kind, other) {
                Ok(text) => Some(text),
                Err(natural) => {
                    let message = format!(
                        "{path} is {}, which does not fit this key{}",
                        shown(key, other),
                        if natural.is_some() {
                            "; written as is, `config check` will say what it expects"
                        } else {
                            ": left out"
                        }
                    );
                    self.note(line, message);
                    natural
                }
            },
        }
    }
}

/// A value for a note; secrets are not repeated on the operator's terminal.
fn shown(key: &KeyDoc, value: &Value) -> String {
    if key.kind == ValueKind::Secret {
        "a value not shown here".to_owned()
    } else {
        describe(value)
    }
}

/// This gateway's name for a key (`mnesia_storage_type` is `cache_storage_type`).
fn canonical(section: Section, key: &str) -> &str {
    match (section, key) {
        (Section::Global, "mnesia_storage_type") => "cache_storage_type",
        _ => key,
    }
}

/// The known key of `section` closest to `key`, if close enough to be a misspelling.
fn suggestion(section: Section, key: &str) -> Option<String> {
    KEYS.iter()
        .filter(|known| known.section == section)
        .map(|known| (edit_distance(key, known.name), known.name))
        .filter(|(distance, _)| *distance <= 2.max(key.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.to_owned())
}

fn error(expr: &Expr, message: &str) -> ImportError {
    ImportError {
        line: expr.line,
        column: expr.column,
        message: message.to_owned(),
    }
}
