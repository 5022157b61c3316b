//! `omnimessage-smpp`: the command line of the gateway.
//!
//! Commands:
//! - `omnimessage-smpp --config FILE` (or `omnimessage-smpp` with `OMNIMESSAGE_SMPP_CONFIG=FILE`):
//!   run the gateway until SIGTERM or SIGINT, then unbind every session, let answers in flight
//!   arrive, and exit 0. A configuration or start-up error exits 1 with a message naming it.
//! - `omnimessage-smpp config check FILE`: validate a configuration file, print the effective
//!   configuration (environment overrides applied, passwords masked) and its warnings; exit 0 when
//!   it is valid, 1 when it is not.
//! - `omnimessage-smpp config import runtime.exs`: convert the original gateway's Elixir
//!   configuration into our TOML on stdout; notes and unknown keys go to stderr.
//! - `omnimessage-smpp peers reset --config FILE`: forget the peer changes made at runtime (web
//!   UI, admin API); the file's binds apply again at the next start. SIGHUP makes a running
//!   gateway re-read its file (see `reload`).
//! - `omnimessage-smpp demo`: the embedded default: core and carrier simulators, the gateway on
//!   `config/examples/demo.toml` and a partner load through it, with an HDR latency report.
//! - `omnimessage-smpp --version`.

mod demo;
mod gateway;
mod reload;
mod run;

use std::process::ExitCode;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Environment variable naming the configuration file when `--config` is not given.
const CONFIG_ENV: &str = "OMNIMESSAGE_SMPP_CONFIG";

const USAGE: &str = "\
usage:
  omnimessage-smpp demo [--messages N] [--rate N]
                                       run the whole flow locally: core and carrier simulators,
                                       the gateway and a partner load, then an HDR latency report
  omnimessage-smpp --config FILE       run the gateway (or set OMNIMESSAGE_SMPP_CONFIG=FILE)
  omnimessage-smpp config check FILE   validate FILE and print the effective configuration
  omnimessage-smpp config import EXS   convert an Elixir runtime.exs of the original gateway to TOML
  omnimessage-smpp peers reset --config FILE
                                       forget the peers changed at runtime (gateway stopped)
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
        ["peers", "reset", "--config" | "-c", path] => run::peers_reset(path),
        ["demo", rest @ ..] => demo::demo(rest),
        ["--config" | "-c", path] => run::run(path),
        [] => match std::env::var(CONFIG_ENV) {
            Ok(path) if !path.is_empty() => run::run(&path),
            _ => {
                eprintln!("omnimessage-smpp: no configuration: pass --config FILE or set {CONFIG_ENV}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("omnimessage-smpp: unrecognised arguments {args:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn config_check(path: &str) -> ExitCode {
    match smpp_config::Config::load(path) {
        Ok(loaded) => {
            print!("{}", loaded.config.to_effective_toml());
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
