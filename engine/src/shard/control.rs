//! Runtime peer changes on one shard: the client binds this shard runs follow the published
//! peers snapshot, and the sessions of changed or deleted binds are closed.
//!
//! The shard's main task calls [`ShardBinds::reconcile`] every 50 ms; it does nothing unless
//! [`Shared::generation`](super::Shared::generation) moved (a peer change or an operator
//! command). Then, for this shard's client binds:
//! - a new enabled bind starts its connector;
//! - a deleted or newly disabled bind is stopped: its session unbinds (requests in flight are
//!   reported to the core as failed-temporary, as on shutdown) and the connector ends;
//! - a changed bind unbinds and its connector reconnects at once with the new settings (same
//!   connector, so its id map and MT state survive);
//! - an operator reconnect drops the session and connects again at once; an operator
//!   disconnect unbinds and keeps the bind down until a reconnect.
//!
//! For server binds (every shard holds partner sessions): a deleted bind's sessions are closed;
//! a changed bind's sessions that still run the old settings are closed too (the partner binds
//! again and is checked against the new credentials, whitelists and limits); an operator
//! reconnect or disconnect closes all its sessions. Sessions close through the same unbind as a
//! shutdown: a partner session first waits for its inserts in flight.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use glommio::Task;

use super::client::run_client_bind;
use super::context::{BindSide, ShardContext};
use super::runtime::SHUTDOWN_GRACE;
use super::shared::{ClientBindRuntime, Peers};
use crate::stats::ConnectionStatus;

/// What a client bind's connector reads from the shard: its current settings and whether to
/// stop or start over.
#[derive(Debug)]
pub(crate) struct ClientTask {
    current: RefCell<Arc<ClientBindRuntime>>,
    stop: Cell<bool>,
    restart: Cell<bool>,
}

impl ClientTask {
    fn new(bind: Arc<ClientBindRuntime>) -> Self {
        Self {
            current: RefCell::new(bind),
            stop: Cell::new(false),
            restart: Cell::new(false),
        }
    }

    /// The settings to connect with now.
    pub(crate) fn current(&self) -> Arc<ClientBindRuntime> {
        Arc::clone(&self.current.borrow())
    }

    /// The bind was deleted or disabled: end the connector.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.get()
    }

    /// Whether a reconnect at once is pending.
    pub(crate) fn restart_pending(&self) -> bool {
        self.restart.get()
    }

    /// Takes the pending reconnect, if any.
    pub(crate) fn take_restart(&self) -> bool {
        self.restart.replace(false)
    }
}

/// A connector task and whether it has ended.
struct Connector {
    task: Task<()>,
    done: Rc<Cell<bool>>,
}

struct RunningClient {
    task: Rc<ClientTask>,
    connector: Connector,
    kicks_seen: u64,
    down_seen: bool,
}

struct ServerSeen {
    runtime: usize,
    kicks_seen: u64,
}

/// The binds one shard runs and what it last saw of the peers snapshot.
pub(crate) struct ShardBinds {
    generation: u64,
    clients: HashMap<String, RunningClient>,
    servers: HashMap<String, ServerSeen>,
    /// Connectors told to stop, still unbinding.
    stopping: Vec<Connector>,
}

fn address(bind: &Arc<impl Sized>) -> usize {
    Arc::as_ptr(bind) as usize
}

impl ShardBinds {
    /// Starts this shard's client binds as the peers stand now.
    pub(crate) fn start(ctx: &Rc<ShardContext>) -> Self {
        // Read the generation before the snapshot: a change in between is applied next round.
        let generation = ctx.shared.generation();
        let mut binds = Self {
            generation,
            clients: HashMap::new(),
            servers: HashMap::new(),
            stopping: Vec::new(),
        };
        binds.apply(ctx, &ctx.shared.peers());
        binds
    }

    /// Applies peer changes and operator commands published since the last call.
    pub(crate) fn reconcile(&mut self, ctx: &Rc<ShardContext>) {
        let generation = ctx.shared.generation();
        if generation == self.generation {
            return;
        }
        self.generation = generation;
        self.apply(ctx, &ctx.shared.peers());
        self.stopping.retain(|connector| !connector.done.get());
    }

    fn apply(&mut self, ctx: &Rc<ShardContext>, peers: &Peers) {
        let mut wanted = HashSet::new();
        for bind in &peers.client_binds {
            if bind.home_shard != ctx.index {
                continue;
            }
            let name = bind.config.name.as_str();
            wanted.insert(name);
            let Some(running) = self.clients.get_mut(name) else {
                if bind.config.enabled {
                    self.spawn_client(ctx, bind);
                } else {
                    bind.stats.set_status(ConnectionStatus::Disabled);
                }
                continue;
            };
            let changed = !Arc::ptr_eq(&running.task.current(), bind);
            if changed {
                running.task.current.replace(Arc::clone(bind));
            }
            if !bind.config.enabled {
                log::info!("Client bind {name}: disabled at runtime, unbinding");
                self.stop_client(ctx, name);
                continue;
            }
            let kicks = bind.operator.kicks();
            let down = bind.operator.is_down();
            // Coming back up needs no kick: the connector waits for exactly that.
            let came_up = running.down_seen && !down;
            let kicked = kicks != running.kicks_seen && !came_up;
            let went_down = down && !running.down_seen;
            running.kicks_seen = kicks;
            running.down_seen = down;
            if changed || kicked || went_down {
                if changed {
                    log::info!("Client bind {name}: settings changed, reconnecting");
                } else if went_down {
                    log::info!("Client bind {name}: disconnected by the operator");
                } else {
                    log::info!("Client bind {name}: reconnect asked by the operator");
                }
                running.task.restart.set(!went_down || changed);
                ctx.unbind_bind(BindSide::Client, name, None);
            }
        }
        let gone: Vec<String> = self
            .clients
            .keys()
            .filter(|name| !wanted.contains(name.as_str()))
            .cloned()
            .collect();
        for name in gone {
            log::info!("Client bind {name}: deleted at runtime, unbinding");
            self.stop_client(ctx, &name);
        }

        let mut present = HashSet::new();
        for bind in &peers.server_binds {
            let name = bind.config.name.as_str();
            present.insert(name);
            let runtime = address(bind);
            let kicks = bind.operator.kicks();
            match self.servers.get_mut(name) {
                None => {
                    self.servers.insert(
                        name.to_owned(),
                        ServerSeen {
                            runtime,
                            kicks_seen: kicks,
                        },
                    );
                }
                Some(seen) => {
                    if seen.runtime != runtime {
                        seen.runtime = runtime;
                        let closed = ctx.unbind_bind(BindSide::Server, name, Some(runtime));
                        if closed > 0 {
                            log::info!(
                                "Partner {name}: settings changed, closing {closed} session(s) \
                                 bound under the old ones"
                            );
                        }
                    }
                    if seen.kicks_seen != kicks {
                        seen.kicks_seen = kicks;
                        let closed = ctx.unbind_bind(BindSide::Server, name, None);
                        log::info!("Partner {name}: operator closed {closed} session(s)");
                    }
                }
            }
        }
        let removed: Vec<String> = self
            .servers
            .keys()
            .filter(|name| !present.contains(name.as_str()))
            .cloned()
            .collect();
        for name in removed {
            self.servers.remove(&name);
            let closed = ctx.unbind_bind(BindSide::Server, &name, None);
            log::info!("Partner {name}: deleted at runtime, closing {closed} session(s)");
        }
    }

    fn spawn_client(&mut self, ctx: &Rc<ShardContext>, bind: &Arc<ClientBindRuntime>) {
        let task = Rc::new(ClientTask::new(Arc::clone(bind)));
        let done = Rc::new(Cell::new(false));
        let connector = {
            let (ctx, task, done) = (Rc::clone(ctx), Rc::clone(&task), Rc::clone(&done));
            glommio::spawn_local(async move {
                run_client_bind(ctx, task).await;
                done.set(true);
            })
        };
        self.clients.insert(
            bind.config.name.clone(),
            RunningClient {
                task,
                connector: Connector {
                    task: connector,
                    done,
                },
                kicks_seen: bind.operator.kicks(),
                down_seen: bind.operator.is_down(),
            },
        );
    }

    fn stop_client(&mut self, ctx: &ShardContext, name: &str) {
        if let Some(running) = self.clients.remove(name) {
            running.task.stop.set(true);
            ctx.unbind_bind(BindSide::Client, name, None);
            self.stopping.push(running.connector);
        }
    }

    /// Waits (up to the shutdown grace each) for every connector to end; the gateway's stop
    /// flag makes them unbind.
    pub(crate) async fn shutdown(self) {
        let connectors = self
            .clients
            .into_values()
            .map(|running| running.connector)
            .chain(self.stopping);
        for connector in connectors {
            let _ = glommio::timer::timeout(SHUTDOWN_GRACE, async move {
                connector.task.await;
                Ok(())
            })
            .await;
        }
    }
}
