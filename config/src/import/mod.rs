//! Conversion of the original gateway's Elixir `config/runtime.exs` into this gateway's TOML.
//!
//! Operators migrating from the original OmniMessage SMPP gateway have a `runtime.exs` written
//! in the subset of Elixir the operator guide uses:
//!
//! ```elixir
//! import Config
//!
//! config :omnimessage_smpp,
//!   api_base_url: System.get_env("API_BASE_URL", "https://core.example.com:8443"),
//!   cache_flush_interval: 10_000
//!
//! config :omnimessage_smpp, :binds, [
//!   %{name: "vodafone_uk", mode: :client, bind_type: :transceiver, host: "smpp.vodafone.co.uk",
//!     port: 2775, system_id: "user", password: "secret"}
//! ]
//! ```
//!
//! [`runtime_exs`] reads it with a real tokenizer and recursive-descent parser (never a pattern
//! match on text), evaluates the few expressions such files contain (`System.get_env`, `||`,
//! `String.to_integer`, variables, `~w(...)a` word lists) and writes the same keys as TOML: `:binds` become
//! `[[binds]]`, `:server_binds` `[[server_binds]]`, `:listen` `[listen]`, `mnesia_storage_type`
//! `cache_storage_type`. Keys this gateway does not know are reported (with their path and
//! line) and left as comments in the TOML, never dropped silently; everything else worth knowing
//! (environment variables, values that could not be converted) comes back as [`Note`]s.
//!
//! ```
//! let imported = smpp_config::import::runtime_exs(
//!     "config :omnimessage_smpp, api_base_url: \"https://core:8443\", color: :blue",
//! )
//! .unwrap();
//! assert!(imported.toml.contains("api_base_url = \"https://core:8443\""));
//! assert_eq!(imported.unknown[0].path, "color");
//! ```

mod convert;
mod lexer;
mod parser;
mod values;

use std::fmt;

/// The result of a conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The configuration as TOML, ready for [`crate::Config::from_toml_str`] when the input was
    /// complete.
    pub toml: String,
    /// Keys this gateway does not know, in input order; they are not in [`Imported::toml`]
    /// (except as comments).
    pub unknown: Vec<UnknownKey>,
    /// Things the operator should know: values taken from environment variable defaults, values
    /// left out, sections skipped.
    pub notes: Vec<Note>,
}

/// A key of the input that has no equivalent here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// Where it is: `smcsc_name`, `binds[0].foo`, `listen.backlog`.
    pub path: String,
    /// Its line in the input (1-based).
    pub line: u32,
    /// A known key with a similar name, if any (`smsc_name` for `smcsc_name`).
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "line {}: unknown key {}", self.line, self.path)?;
        if let Some(suggestion) = &self.suggestion {
            write!(formatter, " (did you mean {suggestion}?)")?;
        }
        Ok(())
    }
}

/// Something the operator should know about the conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The line of the input it is about (1-based).
    pub line: u32,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "line {}: {}", self.line, self.message)
    }
}

/// Input that is not Elixir the converter understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ImportError {
    /// 1-based line of the problem.
    pub line: u32,
    /// 1-based column (in characters) of the problem.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

/// Converts the text of an Elixir `config/runtime.exs` into this gateway's TOML.
pub fn runtime_exs(text: &str) -> Result<Imported, ImportError> {
    let tokens = lexer::tokenize(text)?;
    let end = end_position(text);
    let statements = parser::Parser::new(tokens, end).program()?;
    convert::convert(&statements)
}

/// Line and column just past the last character.
fn end_position(text: &str) -> (u32, u32) {
    let mut line: u32 = 1;
    let mut column: u32 = 1;
    for c in text.chars() {
        if c == '\n' {
            line = line.saturating_add(1);
            column = 1;
        } else {
            column = column.saturating_add(1);
        }
    }
    (line, column)
}
