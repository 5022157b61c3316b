//! `smpp-loadgen smsc`: command-line options and the foreground run.

use engine::proto::receipt::ReceiptState;
use engine::proto::{Address, Password, SystemId};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Faults, IdFormat, Mix, MoConfig, SmscConfig, SmscSim, SmscStats};

/// Usage text of the `smsc` subcommand.
pub const USAGE: &str = "\
usage: smpp-loadgen smsc [options]

Runs a carrier SMSC simulator: accepts binds, answers submit_sm, sends delivery receipts and
MO deliver_sm, injects faults.

options:
  --listen ADDR              address to listen on (default 127.0.0.1:2776)
  --system-id ID             require this system_id in binds (else ESME_RINVSYSID)
  --password PW              require this password in binds (else ESME_RINVPASWD)
  --smsc-system-id ID        our system_id in bind_resp (default SMSCSIM)
  --id-format hex|decimal    message ids in submit_sm_resp and receipts (default hex)
  --receipt-delay-ms N       delay from submit_sm_resp to the receipt (default 0)
  --receipt-mix MIX          receipt states, e.g. DELIVRD=95,UNDELIV=5 (default DELIVRD=100)
  --receipt-tlvs true|false  add receipted_message_id and message_state TLVs (default true)
  --mo-rate N[/s]            MO deliver_sm per second over all receivers (default 0)
  --mo-source A,B,..         MO source numbers, used in turn (default 447700900001)
  --mo-dest A,B,..           MO destination numbers, used in turn (default 12345)
  --mo-ucs2-percent P        share of MO sent in UCS-2, the rest GSM-7 (default 0)
  --throttle-every N         answer every Nth submit_sm of a connection with 0x58
  --slow-ms N                delay every submit_sm_resp by N ms
  --drop-after N             close a connection when a submit_sm comes after N were
                             answered (that one and any behind it stay unanswered)
  --no-response-every N      never answer every Nth submit_sm of a connection
  --receipt-first            with --slow-ms: send each receipt before its submit_sm_resp
  --garbage-after N          answer the submit_sm after N on a connection with garbage bytes
  --window N                 our deliver_sm window per session (default 256)
  --enquire-link-secs N      enquire_link interval, 0 = off (default 30)
  --stats-secs N             print a stats line every N seconds (default 5, 0 = never)
  --stats-json FILE          write the counters as JSON (every stats line and at the end)
  --duration SECS            stop by itself after SECS (default: run until Ctrl-C)
  -h, --help                 this text
";

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    /// Run with these settings.
    Run(Box<RunOptions>),
    /// Print the usage.
    Help,
}

/// Everything a foreground run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The simulator's configuration.
    pub config: SmscConfig,
    /// Stats line period (zero: none).
    pub stats_every: Duration,
    /// Where to write the JSON counters.
    pub stats_json: Option<PathBuf>,
    /// Stop after this long.
    pub duration: Option<Duration>,
}

pub(crate) fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{flag}: {value:?} is not a valid number"))
}

fn list(flag: &str, value: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if items.is_empty() {
        return Err(format!("{flag}: the list is empty"));
    }
    for item in &items {
        Address::for_field("address", item).map_err(|e| format!("{flag}: {item:?}: {e}"))?;
    }
    Ok(items)
}

/// Splits `--flag=value` and `--flag value` alike; calls `on(flag, value_getter)`.
pub(crate) fn for_each_flag(
    args: &[String],
    mut on: impl FnMut(&str, &mut dyn FnMut() -> Result<String, String>) -> Result<bool, String>,
) -> Result<bool, String> {
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
        if !on(flag, &mut value)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Parses the arguments after `smsc`.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut config = SmscConfig {
        listen: "127.0.0.1:2776".to_owned(),
        ..SmscConfig::default()
    };
    let mut mo = MoConfig {
        rate: 0,
        sources: vec!["447700900001".to_owned()],
        destinations: vec!["12345".to_owned()],
        ucs2_percent: 0,
    };
    let mut options = RunOptions {
        config: SmscConfig::default(),
        stats_every: Duration::from_secs(5),
        stats_json: None,
        duration: None,
    };
    let mut faults = Faults::default();
    let go_on = for_each_flag(args, |flag, value| {
        match flag {
            "-h" | "--help" => return Ok(false),
            "--listen" => config.listen = value()?,
            "--system-id" => {
                let v = value()?;
                SystemId::for_field("system_id", &v).map_err(|e| format!("{flag}: {e}"))?;
                config.system_id = Some(v);
            }
            "--password" => {
                let v = value()?;
                Password::for_field("password", &v).map_err(|e| format!("{flag}: {e}"))?;
                config.password = Some(v);
            }
            "--smsc-system-id" => {
                let v = value()?;
                SystemId::for_field("system_id", &v).map_err(|e| format!("{flag}: {e}"))?;
                config.smsc_system_id = v;
            }
            "--id-format" => {
                let v = value()?;
                config.id_format = IdFormat::parse(&v)
                    .ok_or_else(|| format!("{flag}: {v:?} is not hex or decimal"))?;
            }
            "--receipt-delay-ms" => {
                config.receipt_delay = Duration::from_millis(number(flag, &value()?)?);
            }
            "--receipt-mix" => {
                config.receipt_mix = Mix::parse(&value()?, flag, ReceiptState::from_stat)?;
            }
            "--receipt-tlvs" => {
                config.receipt_tlvs = match value()?.as_str() {
                    "true" | "yes" | "on" | "1" => true,
                    "false" | "no" | "off" | "0" => false,
                    other => return Err(format!("{flag}: {other:?} is not true or false")),
                };
            }
            "--mo-rate" => {
                let v = value()?;
                mo.rate = number(flag, v.trim_end_matches("/s"))?;
            }
            "--mo-source" => mo.sources = list(flag, &value()?)?,
            "--mo-dest" => mo.destinations = list(flag, &value()?)?,
            "--mo-ucs2-percent" => {
                mo.ucs2_percent = number(flag, &value()?)?;
                if mo.ucs2_percent > 100 {
                    return Err(format!("{flag} must be 0..=100"));
                }
            }
            "--throttle-every" => faults.throttle_every = number(flag, &value()?)?,
            "--slow-ms" => faults.slow = Duration::from_millis(number(flag, &value()?)?),
            "--drop-after" => faults.drop_after = number(flag, &value()?)?,
            "--no-response-every" => faults.no_response_every = number(flag, &value()?)?,
            "--receipt-first" => faults.receipt_first = true,
            "--garbage-after" => faults.garbage_after = number(flag, &value()?)?,
            "--window" => {
                config.window = number(flag, &value()?)?;
                if !(1..=engine::session::MAX_WINDOW_SIZE).contains(&config.window) {
                    return Err(format!(
                        "{flag} must be 1..={}",
                        engine::session::MAX_WINDOW_SIZE
                    ));
                }
            }
            "--enquire-link-secs" => {
                config.enquire_link_interval = Duration::from_secs(number(flag, &value()?)?);
            }
            "--stats-secs" => options.stats_every = Duration::from_secs(number(flag, &value()?)?),
            "--stats-json" => options.stats_json = Some(PathBuf::from(value()?)),
            "--duration" => {
                options.duration = Some(Duration::from_secs_f64(number::<f64>(flag, &value()?)?));
            }
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
        Ok(true)
    })?;
    if !go_on {
        return Ok(Command::Help);
    }
    config.faults = faults;
    if mo.rate > 0 {
        config.mo = Some(mo);
    }
    options.config = config;
    Ok(Command::Run(Box::new(options)))
}

/// Writes `stats` as pretty JSON to `path`.
pub fn write_json(path: &Path, stats: &SmscStats) -> Result<(), String> {
    let text = serde_json::to_string_pretty(stats).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs `smpp-loadgen smsc` in the foreground until Ctrl-C, SIGTERM or `--duration`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = match parse_args(args)? {
        Command::Help => {
            print!("{USAGE}");
            return Ok(());
        }
        Command::Run(options) => options,
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot install the signal handler: {e}"))?;
    }
    let sim = SmscSim::start(options.config.clone())
        .map_err(|e| format!("cannot listen on {}: {e}", options.config.listen))?;
    println!("smsc simulator listening on {}", sim.local_addr());
    let started = Instant::now();
    let mut last = (started, SmscStats::default());
    while !stop.load(Ordering::SeqCst) && options.duration.is_none_or(|d| started.elapsed() < d) {
        std::thread::sleep(Duration::from_millis(100));
        if !options.stats_every.is_zero() && last.0.elapsed() >= options.stats_every {
            let stats = sim.stats();
            let secs = last.0.elapsed().as_secs_f64();
            #[allow(clippy::cast_precision_loss)]
            let rate = (stats.submits - last.1.submits) as f64 / secs;
            println!(
                "[{:>6.1}s] {rate:>9.0} submit/s | {}",
                started.elapsed().as_secs_f64(),
                stats.line()
            );
            if let Some(path) = &options.stats_json {
                write_json(path, &stats)?;
            }
            last = (Instant::now(), stats);
        }
    }
    let stats = sim.shutdown();
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = stats.submits as f64 / secs.max(1e-9);
    println!("smsc summary after {secs:.1}s ({rate:.0} submit/s average):");
    println!("  {}", stats.line());
    println!("  errors injected: {}", stats.injected_errors());
    if let Some(path) = &options.stats_json {
        write_json(path, &stats)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_parse() {
        let Command::Run(o) = parse_args(&args(
            "--listen 127.0.0.1:9 --system-id acme --password=pw --id-format decimal \
             --receipt-delay-ms 50 --receipt-mix DELIVRD=95,UNDELIV=5 --receipt-tlvs false \
             --mo-rate 100/s --mo-dest 1,2 --throttle-every 10 --slow-ms 3 --drop-after 7 \
             --no-response-every 9 --duration 2.5",
        ))
        .unwrap() else {
            panic!("expected run");
        };
        let c = &o.config;
        assert_eq!(c.listen, "127.0.0.1:9");
        assert_eq!(c.system_id.as_deref(), Some("acme"));
        assert_eq!(c.password.as_deref(), Some("pw"));
        assert_eq!(c.id_format, IdFormat::Decimal);
        assert_eq!(c.receipt_delay, Duration::from_millis(50));
        assert_eq!(
            c.receipt_mix.entries(),
            &[
                (ReceiptState::Delivered, 95),
                (ReceiptState::Undeliverable, 5)
            ]
        );
        assert!(!c.receipt_tlvs);
        let mo = c.mo.as_ref().unwrap();
        assert_eq!((mo.rate, mo.destinations.len()), (100, 2));
        assert_eq!(
            c.faults,
            Faults {
                throttle_every: 10,
                slow: Duration::from_millis(3),
                drop_after: 7,
                no_response_every: 9,
                receipt_first: false,
                garbage_after: 0
            }
        );
        assert_eq!(o.duration, Some(Duration::from_millis(2500)));
    }

    #[test]
    fn errors_name_the_option() {
        let err = |text: &str| parse_args(&args(text)).unwrap_err();
        assert!(err("--id-format octal").contains("--id-format"));
        assert!(err("--receipt-mix DELIVERD=1").contains("--receipt-mix"));
        assert!(err("--slow-ms x").contains("--slow-ms"));
        let too_long = format!("--password {}", "p".repeat(65));
        assert!(err(&too_long).contains("--password"));
        assert!(err("--mo-dest").contains("needs a value"));
        assert!(err("--bogus").contains("--bogus"));
    }
}
