//! Client binds: the connector that keeps one carrier session up (connect, bind, run, back off
//! and retry) and the task that drives that session.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use core_api::QueueItem;
use glommio::net::TcpStream;

use super::context::{BindSide, ConnectionHandle, ShardContext};
use super::control::ClientTask;
use super::driver::{Driver, Wake};
use super::idmap::IdMap;
use super::mailbox::{mailbox, Mailbox};
use super::mt::MtState;
use super::shared::ClientBindRuntime;
use crate::coreclient::CoreError;
use crate::proto::{Bind, CommandId, CommandStatus, Npi, Ton};
use crate::session::{EsmeSession, Event, SessionConfig};
use crate::stats::ConnectionStatus;
use crate::translate::{BindContext, CarrierReceipt};

/// A bind that stayed up this long resets the reconnect backoff.
const STABLE_BIND: Duration = Duration::from_secs(30);
/// Time allowed for the TCP connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Carrier requests waiting for the core before we stop reading from the carrier.
const MAX_PENDING_INBOUND: usize = 256;

/// A message to a client connection task.
#[derive(Debug)]
pub(crate) enum ClientMsg {
    /// Unbind and close (shutdown or an operator's disconnect).
    Unbind,
    /// The core answered the queue poll.
    Queue(Result<Vec<QueueItem>, CoreError>),
    /// The carrier's request `seq` was handled: answer it with `status`.
    InboundDone {
        seq: u32,
        request: CommandId,
        status: CommandStatus,
    },
    /// Look a receipt up again (it may have overtaken its submit_sm_resp).
    ReceiptRetry {
        seq: u32,
        receipt: Box<CarrierReceipt>,
        attempt: u8,
    },
}

/// Keeps the client bind connected until the gateway stops or the shard stops this bind (a
/// runtime delete or disable); picks up changed settings and operator commands from `task`.
pub(crate) async fn run_client_bind(ctx: Rc<ShardContext>, task: Rc<ClientTask>) {
    let first = task.current();
    let idmap = Rc::new(RefCell::new(IdMap::new(
        IdMap::DEFAULT_TTL,
        IdMap::DEFAULT_CAPACITY,
    )));
    let mut mt = MtState::new(seed(&first.config.name));
    let mut backoff = Duration::ZERO;
    while !ctx.shared.stopping() && !task.stopped() {
        let bind = task.current();
        let config = &bind.config;
        let min_backoff = config.reconnect_min_backoff.max(Duration::from_millis(10));
        let max_backoff = config.reconnect_max_backoff.max(min_backoff);
        backoff = backoff.clamp(min_backoff, max_backoff);
        if bind.operator.is_down() {
            bind.stats.set_status(ConnectionStatus::Disconnected);
            task.take_restart();
            wait_while_down(&ctx, &task).await;
            backoff = min_backoff;
            continue;
        }
        // This attempt uses the settings in effect now: an older restart request is served.
        task.take_restart();
        bind.stats.set_status(ConnectionStatus::Connecting);
        bind.stats.add_connection_attempts(1);
        let bound_for = match connect(&config.host, config.port).await {
            // Stopped, changed or disconnected while connecting: start over with what is current.
            Ok(_) if task.stopped() || task.restart_pending() || bind.operator.is_down() => None,
            Ok(stream) => {
                let connection = ClientConnection::new(&ctx, &bind, &idmap, mt);
                let (bound_for, state) = connection.run(Driver::new(stream)).await;
                mt = state;
                bound_for
            }
            Err(error) => {
                bind.stats
                    .set_last_error(format!("cannot connect: {error}"));
                log::warn!(
                    "Client bind {}: cannot connect to {}:{}: {error}",
                    config.name,
                    config.host,
                    config.port
                );
                None
            }
        };
        if ctx.shared.stopping() || task.stopped() {
            break;
        }
        if task.take_restart() || bind.operator.is_down() {
            // New settings or the operator's reconnect: connect again at once.
            backoff = min_backoff;
            continue;
        }
        if bound_for.is_some_and(|d| d >= STABLE_BIND) {
            backoff = min_backoff;
        }
        bind.stats.set_status(ConnectionStatus::Reconnecting);
        let delay = jitter(backoff, &mut mt.rng);
        log::info!("Client bind {}: reconnecting in {delay:?}", config.name);
        sleep_unless_interrupted(&ctx, &task, delay).await;
        backoff = (backoff * 2).min(max_backoff);
    }
    let bind = task.current();
    bind.stats.set_status(if bind.config.enabled {
        ConnectionStatus::Disconnected
    } else {
        ConnectionStatus::Disabled
    });
}

/// Sleeps `delay` unless the gateway stops or the shard stops or restarts this bind.
async fn sleep_unless_interrupted(ctx: &ShardContext, task: &ClientTask, delay: Duration) {
    let until = Instant::now() + delay;
    while !ctx.shared.stopping() && !task.stopped() && !task.restart_pending() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        glommio::timer::sleep(left.min(Duration::from_millis(50))).await;
    }
}

/// Waits while the operator keeps the bind disconnected.
async fn wait_while_down(ctx: &ShardContext, task: &ClientTask) {
    while !ctx.shared.stopping() && !task.stopped() && task.current().operator.is_down() {
        glommio::timer::sleep(Duration::from_millis(50)).await;
    }
}

/// Between half and all of `backoff`, so binds that dropped together do not retry together.
fn jitter(backoff: Duration, rng: &mut u64) -> Duration {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let fraction = 0.5 + (*rng % 1000) as f64 / 2000.0;
    backoff.mul_f64(fraction)
}

fn seed(name: &str) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ u64::from(nanos);
    for byte in name.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash | 1
}

/// Connects to `host:port`; a host name is resolved on a helper thread (the resolver blocks).
async fn connect(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let address = match host.parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(_) => {
            let (tx, rx) = futures_channel::oneshot::channel();
            let name = format!("{host}:{port}");
            std::thread::Builder::new()
                .name("omsmpp-resolve".into())
                .spawn(move || {
                    use std::net::ToSocketAddrs;
                    let _ = tx.send(name.to_socket_addrs().map(|mut a| a.next()));
                })?;
            match rx.await {
                Ok(Ok(Some(address))) => address,
                Ok(Ok(None)) => {
                    return Err(std::io::Error::other(format!("{host} has no address")))
                }
                Ok(Err(error)) => return Err(error),
                Err(_) => return Err(std::io::Error::other("resolver thread failed")),
            }
        }
    };
    TcpStream::connect_timeout(address, CONNECT_TIMEOUT)
        .await
        .map_err(|error| std::io::Error::other(error.to_string()))
}

/// One carrier session.
pub(super) struct ClientConnection {
    pub(super) ctx: Rc<ShardContext>,
    pub(super) bind: Arc<ClientBindRuntime>,
    pub(super) idmap: Rc<RefCell<IdMap>>,
    pub(super) session: EsmeSession,
    pub(super) mailbox: Mailbox<ClientMsg>,
    pub(super) mt: MtState,
    pub(super) bound_at: Option<Instant>,
    pub(super) transmits: bool,
    pub(super) unbinding: bool,
    pub(super) pending_inbound: usize,
    enquire_links_sent: u64,
    /// This session's share of the bind's in-flight gauge.
    reported_in_flight: usize,
}

impl ClientConnection {
    fn new(
        ctx: &Rc<ShardContext>,
        bind: &Arc<ClientBindRuntime>,
        idmap: &Rc<RefCell<IdMap>>,
        mt: MtState,
    ) -> Self {
        let config = &bind.config;
        let session_config = SessionConfig {
            window_size: usize::try_from(config.window_size).unwrap_or(1).max(1),
            response_timeout: config.response_timeout,
            enquire_link_interval: config.enquire_link_interval.unwrap_or(Duration::ZERO),
            max_pdu_len: usize::try_from(ctx.shared.config.max_command_length)
                .unwrap_or(SessionConfig::DEFAULT_MAX_PDU_LEN),
            ..SessionConfig::default()
        };
        Self {
            ctx: Rc::clone(ctx),
            bind: Arc::clone(bind),
            idmap: Rc::clone(idmap),
            session: EsmeSession::new(session_config, Instant::now()),
            mailbox: mailbox().1,
            mt,
            bound_at: None,
            transmits: false,
            unbinding: false,
            pending_inbound: 0,
            enquire_links_sent: 0,
            reported_in_flight: 0,
        }
    }

    /// Binds and runs the session; returns how long it stayed bound and the MT state.
    async fn run(mut self, mut driver: Driver) -> (Option<Duration>, MtState) {
        let handle = ConnectionHandle::new(self.mailbox.sender(), || ClientMsg::Unbind);
        let id = self.ctx.register(handle);
        self.ctx
            .tag_connection(id, BindSide::Client, &self.bind.config.name, 0);
        let reason = match self.bind_request() {
            Ok(()) => self.drive(&mut driver).await,
            Err(reason) => {
                self.session.connection_lost();
                reason
            }
        };
        driver.close(&mut self.session).await;
        self.ctx.unregister(id);
        for message in self.mailbox.close() {
            if let ClientMsg::Queue(Ok(items)) = message {
                // Leased items we never started: give them back at once.
                self.fail_items(&items);
            }
        }
        self.mt.fail_all_unsent(&self.ctx, &self.bind);
        self.report_in_flight(0);
        let bound_for = self.bound_at.map(|at| at.elapsed());
        if bound_for.is_some() {
            self.bind.stats.add_disconnections(1);
            if !self.unbinding {
                self.bind
                    .stats
                    .set_last_error(format!("session lost: {reason}"));
            }
        }
        self.bind.stats.set_status(ConnectionStatus::Disconnected);
        log::info!(
            "Client bind {}: session ended: {reason}",
            self.bind.config.name
        );
        (bound_for, self.mt)
    }

    fn bind_request(&mut self) -> Result<(), String> {
        let config = &self.bind.config;
        let mut bind = Bind::new(&config.system_id, config.password.expose())
            .map_err(|e| format!("bad credentials: {e}"))?;
        bind.system_type = crate::proto::SystemType::new(&config.system_type)
            .map_err(|e| format!("bad system_type: {e}"))?;
        bind.addr_ton = Ton(config.addr_ton);
        bind.addr_npi = Npi(config.addr_npi);
        bind.address_range = crate::proto::AddressRange::new(&config.address_range)
            .map_err(|e| format!("bad address_range: {e}"))?;
        let bind_type = super::auth::session_bind_type(config.bind_type);
        self.session
            .bind(bind_type, bind, Instant::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn drive(&mut self, driver: &mut Driver) -> String {
        loop {
            while let Some(event) = self.session.poll_event() {
                if let Event::Closed(reason) = event {
                    return format!("{reason:?}");
                }
                self.on_event(event);
            }
            let now = Instant::now();
            self.pump_mt(now);
            self.report_in_flight(self.session.in_flight());
            driver.read_paused = self.pending_inbound >= MAX_PENDING_INBOUND;
            let deadline = self.mt_deadline(now);
            let wake = driver
                .wait(&mut self.session, &self.mailbox, deadline)
                .await;
            let now = Instant::now();
            match wake {
                Wake::Input => {
                    let enquire_links = driver.feed(&mut self.session, now);
                    self.bind.stats.add_enquire_link_received(enquire_links);
                }
                Wake::Timer => {
                    self.session.handle_timeout(now);
                    let sent = self.session.stats().enquire_links_sent;
                    self.bind
                        .stats
                        .add_enquire_link_sent(sent.saturating_sub(self.enquire_links_sent));
                    self.enquire_links_sent = sent;
                }
                Wake::Message(message) => self.on_message(message, now),
                Wake::Lost(error) => {
                    if let Some(error) = error {
                        log::debug!("connection error: {error}");
                    }
                    self.session.connection_lost();
                }
            }
        }
    }

    fn on_message(&mut self, message: ClientMsg, now: Instant) {
        match message {
            ClientMsg::Unbind => {
                self.unbinding = true;
                if self.session.unbind(now).is_err() {
                    self.session.connection_lost();
                }
            }
            ClientMsg::Queue(result) => self.on_queue(result, now),
            ClientMsg::InboundDone {
                seq,
                request,
                status,
            } => {
                self.pending_inbound = self.pending_inbound.saturating_sub(1);
                let _ = self.session.respond_status(seq, request, status);
            }
            ClientMsg::ReceiptRetry {
                seq,
                receipt,
                attempt,
            } => self.on_receipt(seq, *receipt, attempt),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Bound { bind_type, .. } => {
                self.bound_at = Some(Instant::now());
                self.transmits = bind_type.transmits();
                self.bind.stats.add_bind_success(1);
                self.bind.stats.set_status(ConnectionStatus::Connected);
                log::info!(
                    "Client bind {} bound as {} to {}:{}",
                    self.bind.config.name,
                    bind_type.as_str(),
                    self.bind.config.host,
                    self.bind.config.port
                );
            }
            Event::BindFailed(status) => {
                self.bind.stats.add_bind_failures(1);
                self.bind
                    .stats
                    .set_last_error(format!("bind refused by the carrier: {status}"));
                log::warn!(
                    "Client bind {}: bind refused by the carrier: {status}",
                    self.bind.config.name
                );
            }
            Event::RequestReceived(pdu) => self.on_carrier_request(pdu),
            Event::Response { tag, pdu, .. } => self.on_submit_response(tag, &pdu),
            Event::RequestTimedOut { tag, .. } | Event::RequestAborted { tag, .. } => {
                self.on_submit_unanswered(tag)
            }
            Event::OutbindReceived(_)
            | Event::BindRequested { .. }
            | Event::AlertReceived(_)
            | Event::Closed(_) => {}
        }
    }

    fn report_in_flight(&mut self, in_flight: usize) {
        if in_flight != self.reported_in_flight {
            self.bind
                .stats
                .move_in_flight(self.reported_in_flight, in_flight);
            self.reported_in_flight = in_flight;
        }
    }

    /// The translation context of this bind now.
    pub(super) fn bind_context(&self) -> BindContext<'_> {
        BindContext {
            bind_name: &self.bind.config.name,
            smsc_name: &self.ctx.shared.config.smsc_name,
            now: SystemTime::now(),
        }
    }
}
