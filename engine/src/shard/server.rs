//! Server binds: the listener every shard runs (SO_REUSEPORT spreads connections) and the task
//! that drives one partner's connection.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glommio::net::TcpListener;

use super::auth::{address_allowed, authenticate};
use super::context::{BindSide, Command, ConnectionHandle, ShardContext};
use super::deliveries::{Delivery, Receiver, Slots};
use super::driver::{Driver, Wake};
use super::mailbox::{mailbox, Mailbox};
use super::shared::ServerBindRuntime;
use crate::proto::{CommandStatus, SystemId};
use crate::session::{BindType, Event, SessionConfig, SmscSession};

/// Binds the listener on this shard.
pub(crate) fn bind_listener(ctx: &ShardContext) -> std::io::Result<TcpListener> {
    TcpListener::bind(ctx.shared.config.listen.socket_addr())
        .map_err(|error| std::io::Error::other(error.to_string()))
}

/// Accepts connections until the task is cancelled.
pub(crate) async fn accept_loop(ctx: Rc<ShardContext>, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok(stream) => stream,
            Err(error) => {
                log::warn!("listener accept failed: {error}");
                glommio::timer::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        let shared = &ctx.shared;
        shared
            .listener
            .accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if shared.stopping() {
            continue;
        }
        if shared.locked_out(peer.ip()) {
            shared
                .listener
                .refused_locked_out
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(suppressed) = LOCKOUT_LOG.admit_now() {
                log::warn!(
                    "Refused connection from {peer}: address locked out after failed binds{}",
                    suppressed_note(suppressed)
                );
            }
            continue;
        }
        if !address_allowed(&shared.peers(), peer.ip()) {
            shared
                .listener
                .refused_ip
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            log::warn!("Refused connection from {peer}: address not in any ip_whitelist");
            continue;
        }
        if !shared.try_open_connection(shared.config.listen.max_connections) {
            shared
                .listener
                .refused_max_connections
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            log::warn!(
                "Refused connection from {peer}: max_connections ({}) reached",
                shared.config.listen.max_connections
            );
            continue;
        }
        let ctx = Rc::clone(&ctx);
        glommio::spawn_local(async move {
            let shared = Arc::clone(&ctx.shared);
            ServerConnection::run(ctx, Driver::new(stream), peer).await;
            shared.close_connection();
        })
        .detach();
    }
}

/// One partner connection.
pub(super) struct ServerConnection {
    pub(super) ctx: Rc<ShardContext>,
    pub(super) peer: SocketAddr,
    pub(super) session: SmscSession,
    pub(super) mailbox: Mailbox<Command>,
    pub(super) bind: Option<Arc<ServerBindRuntime>>,
    bound: Option<BindType>,
    enquire_links_sent: u64,
    /// Partner requests waiting for the core's answer.
    pub(super) pending_inserts: usize,
    /// A shutdown asked to unbind once the pending inserts are answered.
    unbind_when_idle: bool,
    /// This connection's id in the shard's registry.
    id: u64,
    /// Window room shared with the delivery poller.
    pub(super) slots: Rc<Slots>,
    /// Messages being delivered, by key (the high bits of a deliver_sm's tag).
    pub(super) deliveries: HashMap<u64, Delivery>,
    pub(super) next_delivery: u64,
    receiving: bool,
    /// This session's share of the bind's in-flight gauge.
    reported_in_flight: usize,
}

/// Bind refusals logged per second at most: a password-guessing storm must not flood the log
/// (every refusal is still counted in the listener's and the bind's metrics).
static BIND_REFUSAL_LOG: crate::log_budget::LogBudget = crate::log_budget::LogBudget::new(10);

/// Lockout lines (a lockout begun, a connection refused by one) logged per second at most.
static LOCKOUT_LOG: crate::log_budget::LogBudget = crate::log_budget::LogBudget::new(5);

fn suppressed_note(suppressed: u64) -> String {
    if suppressed == 0 {
        String::new()
    } else {
        format!(" [{suppressed} similar refusals not logged]")
    }
}

/// Partner requests one connection may have waiting for the core before we stop reading
/// from it (back-pressure instead of an unbounded queue).
const MAX_PENDING_INSERTS: usize = 256;

impl ServerConnection {
    async fn run(ctx: Rc<ShardContext>, mut driver: Driver, peer: SocketAddr) {
        let now = Instant::now();
        let config = SessionConfig {
            bind_timeout: ctx.shared.config.listen.bind_timeout,
            max_pdu_len: usize::try_from(ctx.shared.config.max_command_length)
                .unwrap_or(SessionConfig::DEFAULT_MAX_PDU_LEN),
            ..SessionConfig::default()
        };
        let (sender, mailbox) = mailbox();
        let id = ctx.register(ConnectionHandle::new(sender, || Command::Unbind));
        let mut conn = ServerConnection {
            session: SmscSession::new(config, now),
            ctx: Rc::clone(&ctx),
            peer,
            mailbox,
            bind: None,
            bound: None,
            enquire_links_sent: 0,
            pending_inserts: 0,
            unbind_when_idle: false,
            id,
            slots: Rc::new(Slots::default()),
            deliveries: HashMap::new(),
            next_delivery: 1,
            receiving: false,
            reported_in_flight: 0,
        };
        log::debug!("Connection from {peer} on shard {}", ctx.index);
        let closed = conn.drive(&mut driver).await;
        driver.close(&mut conn.session).await;
        conn.finish(closed);
        ctx.unregister(id);
    }

    /// Runs the session until it closes; returns the close reason for the log.
    async fn drive(&mut self, driver: &mut Driver) -> String {
        loop {
            while let Some(event) = self.session.poll_event() {
                if let Event::Closed(reason) = event {
                    return format!("{reason:?}");
                }
                self.on_event(event);
            }
            self.slots.in_flight.set(self.session.in_flight());
            self.report_in_flight(self.session.in_flight());
            driver.read_paused = self.pending_inserts >= MAX_PENDING_INSERTS
                || (self.unbind_when_idle && self.pending_inserts > 0);
            let wake = driver.wait(&mut self.session, &self.mailbox, None).await;
            let now = Instant::now();
            match wake {
                Wake::Input => {
                    let enquire_links = driver.feed(&mut self.session, now);
                    if let Some(bind) = &self.bind {
                        bind.stats.add_enquire_link_received(enquire_links);
                    }
                }
                Wake::Timer => {
                    self.session.handle_timeout(now);
                    self.count_enquire_links_sent();
                }
                Wake::Message(Command::Deliver { core_id, parts }) => {
                    if self.session.state().is_bound() && !self.unbind_when_idle {
                        self.on_deliver(core_id, parts);
                    } else {
                        self.slots.reserved.set(0);
                        self.fail_unsent_delivery(core_id, parts.len());
                    }
                }
                Wake::Message(Command::Unbind) => {
                    self.stop_receiving();
                    self.unbind_when_idle = true;
                    self.unbind_if_idle(now);
                }
                Wake::Message(Command::Inserted {
                    seq,
                    request,
                    result,
                }) => {
                    self.pending_inserts = self.pending_inserts.saturating_sub(1);
                    self.on_inserted(seq, request, result);
                    self.unbind_if_idle(now);
                }
                Wake::Message(Command::Answer {
                    seq,
                    request,
                    answer,
                }) => {
                    self.pending_inserts = self.pending_inserts.saturating_sub(1);
                    let _ = match answer {
                        Ok(body) => self.session.respond(seq, CommandStatus::ESME_ROK, body),
                        Err(status) => self.session.respond_status(seq, request, status),
                    };
                    self.unbind_if_idle(now);
                }
                Wake::Lost(error) => {
                    if let Some(error) = error {
                        log::debug!("connection error: {error}");
                    }
                    self.session.connection_lost();
                }
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::BindRequested {
                seq: _,
                bind_type,
                bind,
            } => self.on_bind(bind_type, &bind),
            Event::Bound { bind_type, .. } => {
                self.bound = Some(bind_type);
                if let Some(bind) = &self.bind {
                    bind.stats.session_bound();
                    if bind_type.receives() {
                        let window = usize::try_from(bind.config.window_size).unwrap_or(1);
                        self.slots
                            .capacity
                            .set(window.clamp(1, self.session.window_capacity()));
                        self.ctx.add_receiver(
                            bind,
                            Receiver {
                                id: self.id,
                                sender: self.mailbox.sender(),
                                slots: Rc::clone(&self.slots),
                            },
                        );
                        self.receiving = true;
                    }
                    log::info!(
                        "Partner {} bound as {} from {}",
                        bind.config.name,
                        bind_type.as_str(),
                        self.peer
                    );
                }
            }
            Event::RequestReceived(pdu) => self.on_request(pdu),
            Event::AlertReceived(_)
            | Event::OutbindReceived(_)
            | Event::BindFailed(_)
            | Event::Closed(_) => {}
            Event::Response { tag, pdu, .. } => self.on_delivery_response(tag, pdu.command_status),
            Event::RequestTimedOut { tag, .. } | Event::RequestAborted { tag, .. } => {
                self.on_delivery_unanswered(tag)
            }
        }
    }

    fn on_bind(&mut self, bind_type: BindType, bind: &crate::proto::Bind) {
        let shared = &self.ctx.shared;
        let decision = authenticate(
            &shared.peers(),
            self.peer.ip(),
            bind.system_id.as_bytes(),
            bind.password.as_bytes(),
            bind_type,
        );
        match decision {
            Ok(server_bind) => {
                let our_id = SystemId::new(truncate(&shared.config.smsc_name, 15))
                    .unwrap_or_else(|_| SystemId::empty());
                server_bind.stats.add_connection_attempts(1);
                super::peer_settings::apply(&mut self.session, &server_bind.config, Instant::now());
                let runtime = Arc::as_ptr(&server_bind) as usize;
                self.ctx.tag_connection(
                    self.id,
                    BindSide::Server,
                    &server_bind.config.name,
                    runtime,
                );
                self.bind = Some(server_bind);
                shared.bind_succeeded(self.peer.ip());
                let _ = self.session.accept_bind(our_id, Instant::now());
            }
            Err(refusal) => {
                shared
                    .listener
                    .bind_refused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(server_bind) = &refusal.bind {
                    server_bind.stats.add_connection_attempts(1);
                    server_bind.stats.add_bind_failures(1);
                    server_bind.stats.set_last_error(format!(
                        "refused bind from {}: {}",
                        self.peer, refusal.reason
                    ));
                }
                if let Some(suppressed) = BIND_REFUSAL_LOG.admit_now() {
                    log::warn!(
                        "Refused {} from {} (system_id '{}'): {} ({}){}",
                        bind_type.as_str(),
                        self.peer,
                        bind.system_id.to_string_lossy(),
                        refusal.reason,
                        refusal.status,
                        suppressed_note(suppressed)
                    );
                }
                if matches!(
                    refusal.status,
                    CommandStatus::ESME_RINVPASWD | CommandStatus::ESME_RINVSYSID
                ) {
                    self.count_failed_bind();
                }
                let _ = self.session.reject_bind(refusal.status);
            }
        }
    }

    /// A wrong password or unknown system_id: counted towards the address's lockout.
    fn count_failed_bind(&self) {
        let shared = &self.ctx.shared;
        if let crate::lockout::FailureOutcome::LockedOut { .. } = shared.bind_failed(self.peer.ip())
        {
            shared
                .listener
                .lockouts
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(suppressed) = LOCKOUT_LOG.admit_now() {
                let listen = &shared.config.listen;
                log::warn!(
                    "Locked out {} for {} s: {} failed binds within {} s{}",
                    self.peer.ip(),
                    listen.lockout_duration.as_secs(),
                    listen.bind_failure_limit,
                    listen.bind_failure_window.as_secs(),
                    suppressed_note(suppressed)
                );
            }
        }
    }

    fn unbind_if_idle(&mut self, now: Instant) {
        if !self.unbind_when_idle || self.pending_inserts > 0 {
            return;
        }
        self.unbind_when_idle = false;
        if self.session.unbind(now).is_err() {
            // Not bound (or already closing): there is nobody to say goodbye to.
            self.session.connection_lost();
        }
    }

    fn count_enquire_links_sent(&mut self) {
        let sent = self.session.stats().enquire_links_sent;
        if let Some(bind) = &self.bind {
            bind.stats
                .add_enquire_link_sent(sent.saturating_sub(self.enquire_links_sent));
        }
        self.enquire_links_sent = sent;
    }

    fn stop_receiving(&mut self) {
        if self.receiving {
            self.receiving = false;
            if let Some(bind) = &self.bind {
                self.ctx.remove_receiver(&bind.config.name, self.id);
            }
        }
    }

    fn fail_unsent_delivery(&mut self, core_id: String, parts: usize) {
        if let Some(bind) = &self.bind {
            let context = crate::translate::BindContext {
                bind_name: &bind.config.name,
                smsc_name: &self.ctx.shared.config.smsc_name,
                now: std::time::SystemTime::now(),
            };
            let update = crate::translate::status::unanswered_update(parts, &context);
            super::mt::report(&self.ctx, &bind.config.name, core_id, update);
        }
    }

    fn report_in_flight(&mut self, in_flight: usize) {
        if let Some(bind) = &self.bind {
            if in_flight != self.reported_in_flight {
                bind.stats
                    .move_in_flight(self.reported_in_flight, in_flight);
                self.reported_in_flight = in_flight;
            }
        }
    }

    fn finish(&mut self, reason: String) {
        self.stop_receiving();
        self.report_in_flight(0);
        for message in self.mailbox.close() {
            if let Command::Deliver { core_id, parts } = message {
                self.fail_unsent_delivery(core_id, parts.len());
            }
        }
        self.fail_deliveries();
        match (&self.bind, self.bound) {
            (Some(bind), Some(_)) => {
                bind.stats.add_disconnections(1);
                bind.stats.session_unbound();
                log::info!(
                    "Partner {} from {} disconnected: {reason}",
                    bind.config.name,
                    self.peer
                );
            }
            _ => log::debug!("Connection from {} closed before bind: {reason}", self.peer),
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => text.get(..at).unwrap_or(text),
        None => text,
    }
}
