//! `smpp-loadgen`: traffic generators and simulators for omnimessage-smpp.

use smpp_loadgen::{core_sim, esme, smsc};
use std::process::ExitCode;

const USAGE: &str = "\
usage: smpp-loadgen <command> [options]

commands:
  core    run the OmniMessage core simulator (see `smpp-loadgen core --help`)
  smsc    run a carrier SMSC simulator (see `smpp-loadgen smsc --help`)
  esme    generate partner ESME traffic (see `smpp-loadgen esme --help`)
";

fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let Ok(args) = args else {
        eprintln!("smpp-loadgen: arguments must be UTF-8");
        return ExitCode::from(2);
    };
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("core") => match core_sim::cli::run(rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("smpp-loadgen core: {e}");
                ExitCode::from(2)
            }
        },
        Some("smsc") => match smsc::cli::run(rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("smpp-loadgen smsc: {e}");
                ExitCode::from(2)
            }
        },
        Some("esme") => match esme::cli::run(rest) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("smpp-loadgen esme: {e}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("smpp-loadgen: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
