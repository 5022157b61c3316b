//! `smpp-loadgen esme`: command-line options and the foreground run.

use engine::session::BindType;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{EsmeConfig, EsmeRun, TextKind};
use crate::smsc::cli::{for_each_flag, number};
use crate::smsc::Mix;

/// Usage text of the `esme` subcommand.
pub const USAGE: &str = "\
usage: smpp-loadgen esme [options]

Binds S sessions to an SMSC (the gateway, or `smpp-loadgen smsc`), sends submit_sm, matches
delivery receipts, and reports throughput, error statuses and HDR latency percentiles.

options:
  --host HOST                SMSC host (default 127.0.0.1)
  --port PORT                SMSC port (default 2775)
  --system-id ID[,ID..]      bind system_id (default loadgen); with a list, session i binds
                             as the (i mod n)-th
  --password PW              bind password (default secret)
  --bind-type TYPE           transmitter|receiver|transceiver (default transceiver)
  --sessions S               parallel sessions (default 1)
  --window W                 submit_sm in flight per session (default 64)
  --rate R                   messages per second over all sessions, 0 = max (default 0)
  --count N                  messages to send in total
  --duration SECS            longest sending time (default 10 without --count, else 600)
  --text-mix MIX             gsm=80,ucs2=15,long=5 style weights (default gsm=100)
  --source ADDR              source_addr (default MyBrand)
  --dest ADDR                destination_addr; all digits count up (default 447700900000)
  --dest-range N             how many destinations the counter cycles through (default 1000)
  --registered-delivery      ask for delivery receipts and match them
  --wait-receipts SECS       after sending, wait up to SECS for owed receipts (default 0)
  --response-timeout SECS    submit_sm response timeout (default 10)
  --progress-secs N          print a progress line every N seconds (default 1, 0 = never)
  --hgrm FILE                write the submit->resp distribution (.hgrm, milliseconds) to
                             FILE and the submit->receipt one to FILE with .receipt.hgrm
  --json FILE                write the summary as JSON
  -h, --help                 this text

Exit status: 0 when every submit was answered ESME_ROK (and, with --registered-delivery and
--wait-receipts, every receipt matched), 1 otherwise, 2 on bad options.
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
    /// The generator's configuration.
    pub config: EsmeConfig,
    /// Progress line period (zero: none).
    pub progress_every: Duration,
    /// Where to write the .hgrm distribution.
    pub hgrm: Option<PathBuf>,
    /// Where to write the JSON summary.
    pub json: Option<PathBuf>,
}

fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let secs: f64 = number(flag, value)?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{flag}: {value:?} is not a duration"))
}

/// Parses the arguments after `esme`.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut config = EsmeConfig::default();
    let mut duration = None;
    let mut options = RunOptions {
        config: EsmeConfig::default(),
        progress_every: Duration::from_secs(1),
        hgrm: None,
        json: None,
    };
    let go_on = for_each_flag(args, |flag, value| {
        match flag {
            "-h" | "--help" => return Ok(false),
            "--host" => config.host = value()?,
            "--port" => config.port = number(flag, &value()?)?,
            "--system-id" => config.system_id = value()?,
            "--password" => config.password = value()?,
            "--bind-type" => {
                config.bind_type = match value()?.as_str() {
                    "transmitter" | "tx" => BindType::Transmitter,
                    "receiver" | "rx" => BindType::Receiver,
                    "transceiver" | "trx" => BindType::Transceiver,
                    other => {
                        return Err(format!(
                            "{flag}: {other:?} is not transmitter, receiver or transceiver"
                        ))
                    }
                };
            }
            "--sessions" => config.sessions = number(flag, &value()?)?,
            "--window" => config.window = number(flag, &value()?)?,
            "--rate" => {
                let v = value()?;
                config.rate = number(flag, v.trim_end_matches("/s"))?;
            }
            "--count" => config.count = Some(number(flag, &value()?)?),
            "--duration" => duration = Some(seconds(flag, &value()?)?),
            "--text-mix" => config.text_mix = Mix::parse(&value()?, flag, TextKind::parse)?,
            "--source" => config.source = value()?,
            "--dest" => config.dest = value()?,
            "--dest-range" => config.dest_range = number(flag, &value()?)?,
            "--registered-delivery" => config.registered_delivery = true,
            "--wait-receipts" => config.wait_receipts = seconds(flag, &value()?)?,
            "--response-timeout" => config.response_timeout = seconds(flag, &value()?)?,
            "--progress-secs" => options.progress_every = seconds(flag, &value()?)?,
            "--hgrm" => options.hgrm = Some(PathBuf::from(value()?)),
            "--json" => options.json = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
        Ok(true)
    })?;
    if !go_on {
        return Ok(Command::Help);
    }
    if config.sessions == 0 || config.sessions > 1000 {
        return Err("--sessions must be 1..=1000".to_owned());
    }
    if !(1..=engine::session::MAX_WINDOW_SIZE).contains(&config.window) {
        return Err(format!(
            "--window must be 1..={}",
            engine::session::MAX_WINDOW_SIZE
        ));
    }
    if config.response_timeout.is_zero() {
        return Err("--response-timeout must be above 0".to_owned());
    }
    config.duration = duration.unwrap_or(if config.count.is_some() {
        Duration::from_secs(600)
    } else {
        Duration::from_secs(10)
    });
    options.config = config;
    Ok(Command::Run(Box::new(options)))
}

/// Runs `smpp-loadgen esme` in the foreground; returns the exit status.
pub fn run(args: &[String]) -> Result<u8, String> {
    let options = match parse_args(args)? {
        Command::Help => {
            print!("{USAGE}");
            return Ok(0);
        }
        Command::Run(options) => options,
    };
    let config = options.config.clone();
    println!(
        "esme: {} session(s) {} to {}:{} as {:?}, window {}, rate {}, count {}, duration {:?}",
        config.sessions,
        config.bind_type.as_str(),
        config.host,
        config.port,
        config.system_id,
        config.window,
        if config.rate == 0 {
            "max".to_owned()
        } else {
            format!("{}/s", config.rate)
        },
        config
            .count
            .map_or_else(|| "unbounded".to_owned(), |n| n.to_string()),
        config.duration,
    );
    let run = EsmeRun::start(config)?;
    let stop = run.stop_flag();
    {
        let stop = std::sync::Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot install the signal handler: {e}"))?;
    }
    let started = Instant::now();
    let mut last = (started, 0u64);
    while !run.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        if !options.progress_every.is_zero() && last.0.elapsed() >= options.progress_every {
            let acked = run.acked();
            #[allow(clippy::cast_precision_loss)]
            let rate = (acked - last.1) as f64 / last.0.elapsed().as_secs_f64();
            println!(
                "[{:>6.1}s] acked {acked:>10} ({rate:>8.0}/s)",
                started.elapsed().as_secs_f64()
            );
            last = (Instant::now(), acked);
        }
    }
    let report = run.join()?;
    if stop.load(Ordering::SeqCst) {
        println!("interrupted: partial report");
    }
    print!("{}", report.text());
    if let Some(path) = &options.hgrm {
        for written in report.write_hgrm(path)? {
            println!("wrote {}", written.display());
        }
    }
    if let Some(path) = &options.json {
        report.write_json(path)?;
        println!("wrote {}", path.display());
    }
    let clean = report.sessions_bound == report.sessions
        && report.acked == report.submitted
        && report.unsent == 0
        && (!options.config.registered_delivery
            || options.config.wait_receipts.is_zero()
            || report.receipts_missing == 0);
    Ok(if clean { 0 } else { 1 })
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
            "--host h --port 2776 --system-id acme --password pw --bind-type transmitter \
             --sessions 8 --window 32 --rate 5000/s --count 1000 --text-mix gsm=80,ucs2=15,long=5 \
             --source S --dest 4470 --dest-range 5 --registered-delivery --wait-receipts 2.5 \
             --hgrm out.hgrm --json out.json",
        ))
        .unwrap() else {
            panic!("expected run");
        };
        let c = &o.config;
        assert_eq!((c.host.as_str(), c.port), ("h", 2776));
        assert_eq!(c.bind_type, BindType::Transmitter);
        assert_eq!((c.sessions, c.window, c.rate), (8, 32, 5000));
        assert_eq!(c.count, Some(1000));
        assert_eq!(c.duration, Duration::from_secs(600));
        assert_eq!(c.text_mix.entries().len(), 3);
        assert!(c.registered_delivery);
        assert_eq!(c.wait_receipts, Duration::from_millis(2500));
        assert_eq!(o.hgrm, Some(PathBuf::from("out.hgrm")));
        let Command::Run(o) = parse_args(&[]).unwrap() else {
            panic!("expected run");
        };
        assert_eq!(
            o.config.duration,
            Duration::from_secs(10),
            "runs are bounded"
        );
    }

    #[test]
    fn errors_name_the_option() {
        let err = |text: &str| parse_args(&args(text)).unwrap_err();
        assert!(err("--bind-type both").contains("--bind-type"));
        assert!(err("--text-mix gsm=1,mms=2").contains("--text-mix"));
        assert!(err("--sessions 0").contains("--sessions"));
        assert!(err("--window 0").contains("--window"));
        assert!(err("--rate fast").contains("--rate"));
        assert!(err("--wait-receipts -1").contains("--wait-receipts"));
    }
}
