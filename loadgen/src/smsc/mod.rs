//! The carrier SMSC simulator: accepts binds, answers submit_sm, sends delivery receipts and MO
//! deliver_sm, and injects faults on demand.
//!
//! Start it in-process with [`SmscSim::start`] (port 0 picks a free port) or from the command
//! line with `smpp-loadgen smsc`. One std thread serves each connection with an
//! [`engine::session::SmscSession`]; the loop reads with a short timeout, feeds the session,
//! answers its events, and writes everything the turn produced in one call.
//!
//! Receipts go out on the session that submitted when it is a transceiver, else on any bound
//! receiver or transceiver of the same system_id (a shared outbox per system_id).

pub mod cli;
mod conn;
pub mod mix;
mod mo;
mod receipts;
mod stats;
pub(crate) mod wire;

pub use mix::Mix;
pub use receipts::IdFormat;
pub use stats::SmscStats;

use engine::proto::receipt::ReceiptState;
use receipts::PendingReceipt;
use stats::Counters;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Fault injection settings (0 = off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Answer every Nth submit_sm of a connection with ESME_RTHROTTLED.
    pub throttle_every: u64,
    /// Delay every submit_sm_resp by this long.
    pub slow: Duration,
    /// Close a connection when a submit_sm arrives after this many (it stays unanswered).
    pub drop_after: u64,
    /// Never answer every Nth submit_sm of a connection.
    pub no_response_every: u64,
    /// With `slow`: send each receipt at once, before its (delayed) submit_sm_resp.
    pub receipt_first: bool,
    /// Answer the submit_sm that comes after this many on a connection with bytes that are no
    /// PDU (an impossible command_length), leaving it unanswered.
    pub garbage_after: u64,
}

/// MO traffic settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoConfig {
    /// MO deliver_sm per second over all receiver/transceiver sessions.
    pub rate: u64,
    /// Source numbers, used in turn.
    pub sources: Vec<String>,
    /// Destination numbers, used in turn.
    pub destinations: Vec<String>,
    /// Percentage of MO in UCS-2 (the rest GSM-7).
    pub ucs2_percent: u32,
}

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SmscConfig {
    /// Address to listen on.
    pub listen: String,
    /// system_id a bind must carry (`None`: any).
    pub system_id: Option<String>,
    /// password a bind must carry (`None`: any).
    pub password: Option<String>,
    /// Our system_id in bind_resp.
    pub smsc_system_id: String,
    /// Format of message ids.
    pub id_format: IdFormat,
    /// Delay between submit_sm_resp and the receipt.
    pub receipt_delay: Duration,
    /// States reported by receipts.
    pub receipt_mix: Mix<ReceiptState>,
    /// Add receipted_message_id and message_state TLVs to receipts.
    pub receipt_tlvs: bool,
    /// MO traffic (`None`: none).
    pub mo: Option<MoConfig>,
    /// Fault injection.
    pub faults: Faults,
    /// Our deliver_sm window per session.
    pub window: usize,
    /// enquire_link interval (zero: off).
    pub enquire_link_interval: Duration,
}

impl Default for SmscConfig {
    fn default() -> SmscConfig {
        SmscConfig {
            listen: "127.0.0.1:0".to_owned(),
            system_id: None,
            password: None,
            smsc_system_id: "SMSCSIM".to_owned(),
            id_format: IdFormat::Hex,
            receipt_delay: Duration::ZERO,
            receipt_mix: Mix::single(ReceiptState::Delivered),
            receipt_tlvs: true,
            mo: None,
            faults: Faults::default(),
            window: 256,
            enquire_link_interval: Duration::from_secs(30),
        }
    }
}

/// Receipts for one system_id waiting for a receiver or transceiver session.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queue: Mutex<VecDeque<PendingReceipt>>,
    /// Transmitter sessions of this system_id now bound: while there are any, its receivers
    /// look at the queue every millisecond instead of at every read timeout.
    pub(crate) transmitters: AtomicUsize,
}

impl Outbox {
    /// Queues receipts for any receiver, dropping the oldest beyond the limit.
    pub(crate) fn post(&self, receipts: impl IntoIterator<Item = PendingReceipt>) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.extend(receipts);
        while queue.len() > OUTBOX_LIMIT {
            queue.pop_front();
        }
    }

    /// Moves up to `max` receipts due by `now` into `into`.
    pub(crate) fn take_due(&self, now: Instant, max: usize, into: &mut VecDeque<PendingReceipt>) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..max {
            match queue.front() {
                Some(receipt) if receipt.due <= now => {}
                _ => break,
            }
            if let Some(receipt) = queue.pop_front() {
                into.push_back(receipt);
            }
        }
    }
}

/// Most receipts an outbox keeps when nobody receives them (older ones are dropped).
const OUTBOX_LIMIT: usize = 1 << 20;

/// State shared by the accept thread and every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SmscConfig,
    pub(crate) stop: AtomicBool,
    pub(crate) started: Instant,
    next_id: AtomicU64,
    /// MO deliver_sm claimed so far by the sessions (rate accounting).
    pub(crate) mo_claimed: AtomicU64,
    outboxes: Mutex<HashMap<Vec<u8>, Arc<Outbox>>>,
    counters: Mutex<Vec<Arc<Counters>>>,
}

/// Message ids a connection takes from the shared counter at once.
pub(crate) const ID_BLOCK: u64 = 4096;

impl Shared {
    /// The first id of a fresh block of [`ID_BLOCK`] ids.
    pub(crate) fn id_block(&self) -> u64 {
        self.next_id.fetch_add(ID_BLOCK, Ordering::Relaxed)
    }

    /// The outbox of `system_id`, created on first use.
    pub(crate) fn outbox(&self, system_id: &[u8]) -> Arc<Outbox> {
        let mut map = self.outboxes.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(system_id.to_vec()).or_default())
    }

    fn register(&self) -> Arc<Counters> {
        let counters = Arc::new(Counters::default());
        self.counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&counters));
        counters
    }

    fn stats(&self) -> SmscStats {
        let mut total = SmscStats::default();
        for c in self
            .counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            c.add_to(&mut total);
        }
        total
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct SmscSim {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl SmscSim {
    /// Binds the listener and starts accepting connections.
    pub fn start(config: SmscConfig) -> io::Result<SmscSim> {
        let listener = TcpListener::bind(&config.listen)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        // Ids start from the clock so a restarted simulator does not repeat the last run's.
        let base = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| (d.as_secs() & 0xFFF_FFFF) << 24);
        let shared = Arc::new(Shared {
            config,
            stop: AtomicBool::new(false),
            started: Instant::now(),
            next_id: AtomicU64::new(base),
            mo_claimed: AtomicU64::new(0),
            outboxes: Mutex::new(HashMap::new()),
            counters: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("smsc-accept".to_owned())
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(SmscSim {
            local_addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters so far.
    pub fn stats(&self) -> SmscStats {
        self.shared.stats()
    }

    /// Unbinds every session (waiting briefly for unbind_resp), stops, and returns the final
    /// counters.
    pub fn shutdown(mut self) -> SmscStats {
        self.stop_and_join();
        self.shared.stats()
    }

    fn stop_and_join(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for SmscSim {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let counters = shared.register();
                Counters::bump(&counters.connections, 1);
                let shared = Arc::clone(shared);
                let spawned = std::thread::Builder::new()
                    .name("smsc-conn".to_owned())
                    .spawn(move || conn::serve(stream, &shared, &counters));
                if let Ok(handle) = spawned {
                    workers.push(handle);
                }
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}
