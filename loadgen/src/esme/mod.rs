//! The partner ESME load generator: S sessions, each a std thread driving an
//! [`engine::session::EsmeSession`] over TCP, sending submit_sm as fast as the window (or
//! `rate`) allows, matching receipts to submits, and measuring both latencies in HDR
//! histograms.
//!
//! Start it in-process with [`EsmeRun::start`] (tests, benchmarks) or with `smpp-loadgen
//! esme`. Each submit's tag is its send time (ns since the run started), so submit->resp
//! latency needs no lookup; receipts are matched by normalised message id in a sharded table
//! shared by the sessions. Every run is bounded: by `count` and by `duration` (defaults
//! apply), then an in-flight drain, then at most `wait_receipts`.

pub mod cli;
mod client;
mod matcher;
pub mod report;
pub mod traffic;

pub use report::{Percentiles, Report};
pub use traffic::TextKind;

use crate::smsc::Mix;
use engine::session::BindType;
use matcher::Matcher;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the generator runs.
#[derive(Debug, Clone)]
pub struct EsmeConfig {
    /// SMSC host.
    pub host: String,
    /// SMSC port.
    pub port: u16,
    /// Our system_id.
    pub system_id: String,
    /// Our password.
    pub password: String,
    /// How each session binds.
    pub bind_type: BindType,
    /// Sessions (connections) in parallel.
    pub sessions: usize,
    /// submit_sm in flight per session.
    pub window: usize,
    /// Messages per second over all sessions (0: as fast as the windows allow).
    pub rate: u64,
    /// Messages to send in total (`None`: until `duration`).
    pub count: Option<u64>,
    /// Longest sending phase.
    pub duration: Duration,
    /// Message kinds.
    pub text_mix: Mix<TextKind>,
    /// source_addr.
    pub source: String,
    /// destination_addr (all digits: counted up within `dest_range`).
    pub dest: String,
    /// How many consecutive destinations to cycle through.
    pub dest_range: u64,
    /// Ask for delivery receipts.
    pub registered_delivery: bool,
    /// After sending, wait this long at most for the receipts still owed.
    pub wait_receipts: Duration,
    /// How long a submit_sm may wait for its response.
    pub response_timeout: Duration,
}

impl Default for EsmeConfig {
    fn default() -> EsmeConfig {
        EsmeConfig {
            host: "127.0.0.1".to_owned(),
            port: 2775,
            system_id: "loadgen".to_owned(),
            password: "secret".to_owned(),
            bind_type: BindType::Transceiver,
            sessions: 1,
            window: 64,
            rate: 0,
            count: None,
            duration: Duration::from_secs(10),
            text_mix: Mix::single(TextKind::Gsm),
            source: "MyBrand".to_owned(),
            dest: "447700900000".to_owned(),
            dest_range: 1000,
            registered_delivery: false,
            wait_receipts: Duration::ZERO,
            response_timeout: Duration::from_secs(10),
        }
    }
}

/// State shared by the sessions of a run.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EsmeConfig,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) started: Instant,
    pub(crate) matcher: Matcher,
    /// Sessions not yet past their sending and draining.
    pub(crate) sending: AtomicUsize,
    /// Acked submits that asked for a receipt.
    pub(crate) receipts_expected: AtomicU64,
    /// Receipts matched so far.
    pub(crate) receipts_matched: AtomicU64,
    /// submit_sm answered so far (for progress lines).
    pub(crate) acked: AtomicU64,
}

impl Shared {
    /// Nanoseconds since the run started.
    pub(crate) fn ns(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.started).as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A run in progress.
#[derive(Debug)]
pub struct EsmeRun {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<client::SessionResult>>,
}

impl EsmeRun {
    /// Validates `config` and starts its sessions.
    pub fn start(config: EsmeConfig) -> Result<EsmeRun, String> {
        if config.sessions == 0 {
            return Err("sessions must be at least 1".to_owned());
        }
        if !(1..=engine::session::MAX_WINDOW_SIZE).contains(&config.window) {
            return Err(format!(
                "window must be 1..={}",
                engine::session::MAX_WINDOW_SIZE
            ));
        }
        // Fail on bad addresses or credentials here, not in every session.
        traffic::Traffic::new(
            config.text_mix.clone(),
            &config.source,
            &config.dest,
            config.dest_range,
            config.registered_delivery,
        )?;
        for system_id in config.system_id.split(',') {
            engine::proto::Bind::new(system_id, &config.password)
                .map_err(|e| format!("credentials: {e}"))?;
        }
        let sessions = config.sessions;
        let shared = Arc::new(Shared {
            config,
            stop: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
            matcher: Matcher::new(),
            sending: AtomicUsize::new(sessions),
            receipts_expected: AtomicU64::new(0),
            receipts_matched: AtomicU64::new(0),
            acked: AtomicU64::new(0),
        });
        let mut threads = Vec::with_capacity(sessions);
        for index in 0..sessions {
            let shared = Arc::clone(&shared);
            let thread = std::thread::Builder::new()
                .name(format!("esme-{index}"))
                .spawn(move || client::run_session(index, &shared))
                .map_err(|e| format!("cannot start a session thread: {e}"))?;
            threads.push(thread);
        }
        Ok(EsmeRun { shared, threads })
    }

    /// A flag that, once set, ends the run early (with a partial report).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.shared.stop)
    }

    /// submit_sm answered so far.
    pub fn acked(&self) -> u64 {
        self.shared.acked.load(Ordering::Relaxed)
    }

    /// Whether every session has finished.
    pub fn is_finished(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// Waits for every session and merges their results.
    pub fn join(self) -> Result<Report, String> {
        let mut results = Vec::with_capacity(self.threads.len());
        for thread in self.threads {
            results.push(
                thread
                    .join()
                    .map_err(|_| "a session thread panicked".to_owned())??,
            );
        }
        merge(&self.shared, results)
    }
}

/// Runs `config` to the end (or until `stop` is set) and returns the report.
pub fn run(config: EsmeConfig) -> Result<Report, String> {
    EsmeRun::start(config)?.join()
}

fn merge(shared: &Shared, results: Vec<client::SessionOutcome>) -> Result<Report, String> {
    let mut resp = report::new_histogram()?;
    let mut receipt = report::new_histogram()?;
    let mut report = Report {
        sessions: results.len(),
        sessions_bound: 0,
        session_failures: BTreeMap::new(),
        messages: 0,
        submitted: 0,
        acked: 0,
        errors: BTreeMap::new(),
        timed_out: 0,
        lost_in_flight: 0,
        unsent: 0,
        receipts: 0,
        receipts_matched: 0,
        receipts_unmatched: shared.matcher.unmatched(),
        receipts_missing: 0,
        receipt_states: BTreeMap::new(),
        mo_received: 0,
        send_secs: 0.0,
        throughput: 0.0,
        messages_per_sec: 0.0,
        elapsed_secs: shared.started.elapsed().as_secs_f64(),
        submit_resp: Percentiles::default(),
        submit_receipt: Percentiles::default(),
        resp_histogram: report::new_histogram()?,
        receipt_histogram: report::new_histogram()?,
    };
    let (mut first_send, mut last_resp) = (u64::MAX, 0u64);
    for r in results {
        report.sessions_bound += usize::from(r.bound);
        if let Some(failure) = r.failure {
            *report.session_failures.entry(failure).or_default() += 1;
        }
        report.messages += r.messages;
        report.submitted += r.submitted;
        report.acked += r.acked;
        for (status, n) in r.errors {
            let name = report::status_name(engine::proto::CommandStatus(status));
            *report.errors.entry(name).or_default() += n;
        }
        report.timed_out += r.timed_out;
        report.lost_in_flight += r.lost;
        report.unsent += r.unsent;
        report.receipts += r.receipts;
        report.receipts_matched += r.receipts_matched;
        for (state, n) in r.receipt_states {
            *report.receipt_states.entry(state.to_owned()).or_default() += n;
        }
        report.mo_received += r.mo_received;
        if let Some(at) = r.first_send {
            first_send = first_send.min(at);
        }
        last_resp = last_resp.max(r.last_response);
        resp.add(&r.resp_histogram)
            .map_err(|e| format!("histogram: {e:?}"))?;
        receipt
            .add(&r.receipt_histogram)
            .map_err(|e| format!("histogram: {e:?}"))?;
    }
    report.receipts_missing = shared
        .receipts_expected
        .load(Ordering::Relaxed)
        .saturating_sub(report.receipts_matched);
    if first_send < last_resp {
        #[allow(clippy::cast_precision_loss)]
        {
            report.send_secs = (last_resp - first_send) as f64 / 1e9;
            let answered = report.acked + report.errors.values().sum::<u64>();
            report.throughput = answered as f64 / report.send_secs;
            report.messages_per_sec = report.messages as f64 / report.send_secs;
        }
    }
    report.submit_resp = Percentiles::of(&resp);
    report.submit_receipt = Percentiles::of(&receipt);
    report.resp_histogram = resp;
    report.receipt_histogram = receipt;
    Ok(report)
}
