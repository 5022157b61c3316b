//! `omnimessage-smpp`: the command line of the gateway.
//!
//! Commands:
//! - `omnimessage-smpp config check FILE`: validate a configuration file, print the effective
//!   configuration (environment overrides applied, passwords masked) and its warnings; exit 0 when
//!   it is valid, 1 when it is not.
//! - `omnimessage-smpp config import runtime.exs`: convert the original gateway's Elixir
//!   configuration into our TOML on stdout; notes and unknown keys go to stderr.
//! - `omnimessage-smpp --version`.

use std::process::ExitCode;

const VERSION: &str = env!("CARGO_PKG_VERSION");

const USAGE: &str = "\
usage:
  omnimessage-smpp config check FILE   validate FILE and print the effective configuration
  omnimessage-smpp config import EXS   convert an Elixir runtime.exs of the original gateway to TOML
  omnimessage-smpp --version           print the version
  omnimessage-smpp --help              print this help

Environment variables (API_BASE_URL, SMSC_NAME, ...) override the file; see docs/CONFIGURATION.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--version" | "-V"] => {
            println!("omnimessage-smpp {VERSION}");
            ExitCode::SUCCESS
        }
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["config", "check", path] => config_check(path),
        ["config", "import", path] => config_import(path),
        _ => {
            eprintln!("omnimessage-smpp: unrecognised arguments {args:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn config_check(path: &str) -> ExitCode {
    match smpp_config::Config::load(path) {
        Ok(loaded) => {
            println!("{:#?}", loaded.config);
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            eprintln!(
                "{path}: configuration is valid ({} warning(s))",
                loaded.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{path}: invalid configuration:\n{error}");
            ExitCode::FAILURE
        }
    }
}

fn config_import(path: &str) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{path}: cannot read: {error}");
            return ExitCode::FAILURE;
        }
    };
    match smpp_config::import::runtime_exs(&text) {
        Ok(imported) => {
            print!("{}", imported.toml);
            for note in &imported.notes {
                eprintln!("note: {path}: {note}");
            }
            for unknown in &imported.unknown {
                eprintln!("unknown key: {path}: {unknown}");
            }
            eprintln!(
                "{path}: imported ({} note(s), {} unknown key(s) left as comments)",
                imported.notes.len(),
                imported.unknown.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{path}: cannot import: {error}");
            ExitCode::FAILURE
        }
    }
}
