//! `omnimessage-smpp demo`: the whole hub flow on one machine, in this process.
//!
//! It starts the bundled core simulator (127.0.0.1:18080), a carrier SMSC simulator
//! (127.0.0.1:12775) and the gateway with `config/examples/demo.toml` (one client bind to the
//! carrier, one server bind for a partner on 127.0.0.1:2775, metrics on 127.0.0.1:4000), then
//! pushes a partner load through it: partner -> gateway -> core (routed to the carrier) ->
//! gateway -> carrier -> receipt -> gateway -> core -> gateway -> partner. It prints the load
//! generator's HDR latency report and the core's flow counts, and keeps everything running for
//! manual exploration until Ctrl-C.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use engine::proto::receipt::ReceiptState;
use engine::stats::ConnectionStatus;
use smpp_loadgen::core_sim::{CoreSim, RouteRule, RouteTable, SimConfig, Stats};
use smpp_loadgen::esme::{EsmeConfig, TextKind};
use smpp_loadgen::smsc::{Mix, SmscConfig, SmscSim};

use crate::gateway::Gateway;
use crate::run::{install_logger, stop_on_signals, wait_for};

const DEMO_CONFIG: &str = include_str!("../config/examples/demo.toml");
const CLIENT_BIND: &str = "carrier_sim";
const SERVER_BIND: &str = "partner_demo";

/// What the demo pushes through the gateway.
struct DemoLoad {
    messages: u64,
    rate: u64,
}

/// Runs the demo; `args` are the words after `demo`.
pub(crate) fn demo(args: &[&str]) -> ExitCode {
    let load = match parse_args(args) {
        Ok(load) => load,
        Err(message) => {
            eprintln!("omnimessage-smpp demo: {message}\nusage: omnimessage-smpp demo [--messages N] [--rate N]");
            return ExitCode::from(2);
        }
    };
    match run_demo(&load) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("demo: {message}");
            eprintln!("demo failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[&str]) -> Result<DemoLoad, String> {
    let mut load = DemoLoad {
        messages: 2_000,
        rate: 500,
    };
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let value = words.next().ok_or(format!("{name} needs a value"))?;
            value
                .parse::<u64>()
                .map_err(|_| format!("{name}: {value:?} is not a whole number"))
        };
        match *word {
            "--messages" => load.messages = number("--messages")?.clamp(1, 1_000_000),
            "--rate" => load.rate = number("--rate")?,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(load)
}

fn run_demo(load: &DemoLoad) -> Result<(), String> {
    let mut config = smpp_config::Config::from_toml_str_with_env(DEMO_CONFIG, &|_| None)
        .map_err(|error| format!("the embedded demo configuration is invalid: {error}"))?
        .config;
    let cache_dir =
        std::env::temp_dir().join(format!("omnimessage-smpp-demo-{}", std::process::id()));
    config.cache_dir = cache_dir.clone();
    // The demo has no operator credentials to offer: its web UI stays off.
    config.web.enabled = false;
    install_logger(&config);
    let stop = stop_on_signals().ok_or("cannot install the signal handlers")?;

    let core = CoreSim::start(SimConfig {
        listen: "127.0.0.1:18080".to_owned(),
        routes: RouteTable {
            default: None,
            rules: vec![
                route(Some(SERVER_BIND), None, CLIENT_BIND),
                route(Some(CLIENT_BIND), Some("1234"), SERVER_BIND),
            ],
        },
        ..SimConfig::default()
    })
    .map_err(|error| format!("core simulator on 127.0.0.1:18080: {error}"))?;
    let carrier = SmscSim::start(SmscConfig {
        listen: "127.0.0.1:12775".to_owned(),
        system_id: Some("gateway".to_owned()),
        password: Some("secret".to_owned()),
        receipt_delay: Duration::from_millis(20),
        receipt_mix: Mix::parse(
            "DELIVRD=98,UNDELIV=2",
            "receipt mix",
            ReceiptState::from_stat,
        )?,
        ..SmscConfig::default()
    })
    .map_err(|error| format!("carrier simulator on 127.0.0.1:12775: {error}"))?;
    println!(
        "core simulator   http://{}  (admin: /admin/stats)",
        core.addr()
    );
    println!("carrier SMSC sim {}", carrier.local_addr());

    let gateway = Gateway::start(config)?;
    println!("gateway          SMPP 127.0.0.1:2775 (partner system_id \"partner\", password \"partner1\")");
    println!(
        "metrics          http://127.0.0.1:4000/metrics   status http://127.0.0.1:4000/status"
    );
    wait_until_bound(&gateway, Duration::from_secs(15))?;

    println!(
        "\npushing {} messages at {} msg/s from the partner, with receipts ...",
        load.messages, load.rate
    );
    let report = smpp_loadgen::esme::run(EsmeConfig {
        port: 2775,
        system_id: "partner".to_owned(),
        password: "partner1".to_owned(),
        sessions: 2,
        window: 32,
        rate: load.rate,
        count: Some(load.messages),
        duration: Duration::from_secs(600),
        text_mix: Mix::parse("gsm=85,ucs2=10,long=5", "text mix", TextKind::parse)?,
        registered_delivery: true,
        wait_receipts: Duration::from_secs(30),
        ..EsmeConfig::default()
    })?;
    println!("\n{}", report.text());
    let stats = core_stats(&core.base_url())?;
    println!("core: {}", flow_summary(&stats));

    println!("\neverything keeps running for you to explore; Ctrl-C stops it");
    wait_for(&stop);
    let result = gateway.stop();
    let _ = carrier.shutdown();
    core.shutdown();
    let _ = std::fs::remove_dir_all(&cache_dir);
    result
}

fn route(from: Option<&str>, dest_prefix: Option<&str>, to: &str) -> RouteRule {
    RouteRule {
        source_smsc: from.map(str::to_owned),
        source_mode: None,
        dest_prefix: dest_prefix.map(str::to_owned),
        to: to.to_owned(),
    }
}

fn wait_until_bound(gateway: &Gateway, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let peers = gateway.shared().peers();
    let bind = peers
        .client_bind(CLIENT_BIND)
        .ok_or("the demo configuration has no carrier bind")?;
    while bind.stats.status() != ConnectionStatus::Connected {
        if Instant::now() > deadline {
            return Err(format!(
                "the gateway did not bind to the carrier simulator within {within:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("client bind      {CLIENT_BIND} bound to the carrier");
    Ok(())
}

fn core_stats(base_url: &str) -> Result<Stats, String> {
    let url = format!("{base_url}/admin/stats");
    let mut response = ureq::get(&url)
        .call()
        .map_err(|error| format!("{url}: {error}"))?;
    response
        .body_mut()
        .read_json::<Stats>()
        .map_err(|error| format!("{url}: {error}"))
}

fn flow_summary(stats: &Stats) -> String {
    format!(
        "{} inserted, {} sent to the carrier, final states {:?}, {} receipts queued for the partner",
        stats.inserted, stats.sent, stats.final_states, stats.receipts_queued
    )
}
