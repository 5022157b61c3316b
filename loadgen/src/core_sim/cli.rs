//! `smpp-loadgen core`: command-line options and the foreground run.

use super::routes::{RouteRule, RouteTable};
use super::{CoreSim, SimConfig};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// Usage text of the `core` subcommand.
pub const USAGE: &str = "\
usage: smpp-loadgen core [options]

Runs the OmniMessage core simulator (the REST contract of docs/core-api.md, in memory).

options:
  --listen ADDR          address to listen on (default 127.0.0.1:18080)
  --routes FILE          routing table, TOML (or JSON when FILE ends in .json)
  --route SPEC           a routing rule, repeatable, tried after the file's rules:
                         source_smsc=NAME,source_mode=server|client,dest_prefix=DIGITS,to=BIND
                         (short keys: from, mode, prefix)
  --default-route BIND   dest_smsc of messages no rule matches
  --lease-secs N         lease of a handed-out queue item (default 60)
  --lease-ms N           the same in milliseconds
  --retry-delay-ms N     delay before a throttled/failed message is offered again (default 5000)
  --max-attempts N       hand-outs after which a temporary failure is final (default 0: never)
  --no-batch             do not serve or advertise the batch endpoints
  --max-body-bytes N     largest request body (default 33554432)
  -h, --help             this text
";

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    /// Run with this configuration.
    Run(SimConfig),
    /// Print the usage.
    Help,
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: {value:?} is not a valid number"))
}

/// Parses the arguments after `core`.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut config = SimConfig {
        listen: "127.0.0.1:18080".to_owned(),
        ..SimConfig::default()
    };
    let mut routes_file: Option<PathBuf> = None;
    let mut extra_rules = Vec::new();
    let mut default_route = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--listen" => config.listen = value()?,
            "--routes" => routes_file = Some(PathBuf::from(value()?)),
            "--route" => extra_rules.push(RouteRule::parse_spec(&value()?).map_err(|e| e.0)?),
            "--default-route" => default_route = Some(value()?),
            "--lease-secs" => {
                config.lease = Duration::from_secs(number(flag, &value()?)?);
            }
            "--lease-ms" => config.lease = Duration::from_millis(number(flag, &value()?)?),
            "--retry-delay-ms" => {
                config.retry_delay = Duration::from_millis(number(flag, &value()?)?);
            }
            "--max-attempts" => config.max_attempts = number(flag, &value()?)?,
            "--no-batch" => config.batch = false,
            "--max-body-bytes" => config.max_body_bytes = number(flag, &value()?)?,
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
    }
    if config.lease.is_zero() {
        return Err("the lease must be longer than 0".to_owned());
    }
    let mut routes = match routes_file {
        Some(path) => RouteTable::load(&path).map_err(|e| e.0)?,
        None => RouteTable::default(),
    };
    routes.rules.extend(extra_rules);
    if default_route.is_some() {
        routes.default = default_route;
    }
    routes.validate().map_err(|e| e.0)?;
    config.routes = routes;
    Ok(Command::Run(config))
}

/// Runs `smpp-loadgen core` in the foreground until Ctrl-C or SIGTERM.
pub fn run(args: &[String]) -> Result<(), String> {
    let config = match parse_args(args)? {
        Command::Help => {
            print!("{USAGE}");
            return Ok(());
        }
        Command::Run(config) => config,
    };
    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot install the signal handler: {e}"))?;
    let summary = format!(
        "lease {} ms, retry delay {} ms, batch {}, {} route(s){}",
        config.lease.as_millis(),
        config.retry_delay.as_millis(),
        if config.batch { "on" } else { "off" },
        config.routes.rules.len(),
        config
            .routes
            .default
            .as_deref()
            .map(|d| format!(", default route {d}"))
            .unwrap_or_default(),
    );
    let sim = CoreSim::start(config).map_err(|e| e.to_string())?;
    println!("core simulator listening on {} ({summary})", sim.base_url());
    let _ = stop_rx.recv();
    sim.shutdown();
    println!("core simulator stopped");
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use core_api::BindMode;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_parse() {
        let Command::Run(config) = parse_args(&args(
            "--listen 127.0.0.1:9 --lease-secs 2 --no-batch \
             --route from=partner_acme,to=carrier_a --route=mode=client,prefix=1234,to=partner_acme \
             --default-route carrier_b --retry-delay-ms 250 --max-attempts 4",
        ))
        .unwrap() else {
            panic!("expected run");
        };
        assert_eq!(config.listen, "127.0.0.1:9");
        assert_eq!(config.lease, Duration::from_secs(2));
        assert!(!config.batch);
        assert_eq!(config.retry_delay, Duration::from_millis(250));
        assert_eq!(config.max_attempts, 4);
        assert_eq!(
            config.routes.route("carrier_x", BindMode::Client, "12345"),
            Some("partner_acme")
        );
        assert_eq!(
            config.routes.route("partner_acme", BindMode::Server, "447"),
            Some("carrier_a")
        );
        assert_eq!(
            config.routes.route("zzz", BindMode::Server, "447"),
            Some("carrier_b")
        );
    }

    #[test]
    fn errors_name_the_option() {
        assert!(parse_args(&args("--lease-secs x"))
            .unwrap_err()
            .contains("--lease-secs"));
        assert!(parse_args(&args("--max-attempts"))
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse_args(&args("--bogus"))
            .unwrap_err()
            .contains("--bogus"));
        assert!(parse_args(&args("--lease-secs 0"))
            .unwrap_err()
            .contains("lease"));
        assert!(parse_args(&args("--routes /nonexistent/routes.toml"))
            .unwrap_err()
            .contains("/nonexistent/routes.toml"));
        assert!(matches!(parse_args(&args("--help")), Ok(Command::Help)));
    }
}
