//! What one shard knows: its index, the shared state, and the connections it runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use core_api::InsertResponse;

use super::mailbox::MailboxSender;
use super::shared::Shared;
use crate::coreclient::{CoreClient, CoreError};
use crate::proto::CommandId;
use crate::session::SequenceNumber;

/// A message to a connection task from elsewhere on its shard.
#[derive(Debug)]
pub(crate) enum Command {
    /// Unbind and close (shutdown or an operator's disconnect).
    Unbind,
    /// Deliver these parts of core message `core_id` to the partner.
    Deliver {
        core_id: String,
        parts: Vec<crate::proto::DeliverSm>,
    },
    /// The core answered the insert of the partner's request `seq`.
    Inserted {
        seq: SequenceNumber,
        request: CommandId,
        result: Result<InsertResponse, CoreError>,
    },
    /// Answer the partner's request `seq` with this body (status ESME_ROK) or this status.
    Answer {
        seq: SequenceNumber,
        request: CommandId,
        answer: Result<crate::proto::Body, crate::proto::CommandStatus>,
    },
}

/// How the shard reaches one of its connections: a way to ask it to unbind.
pub(crate) struct ConnectionHandle {
    unbind: Box<dyn Fn()>,
}

impl ConnectionHandle {
    /// A handle that sends `message()` to the connection's mailbox to make it unbind.
    pub(crate) fn new<M: 'static>(sender: MailboxSender<M>, message: fn() -> M) -> Self {
        Self {
            unbind: Box::new(move || {
                let _ = sender.send(message());
            }),
        }
    }
}

impl std::fmt::Debug for ConnectionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionHandle")
    }
}

/// One shard's view of the gateway.
pub(crate) struct ShardContext {
    pub(crate) index: usize,
    pub(crate) shared: Arc<Shared>,
    /// This shard's handle on the core pool.
    pub(crate) core: CoreClient,
    /// The durable receipt map (only on shards that run client binds, disc storage).
    pub(crate) receipts: Option<super::receipts::ReceiptStore>,
    /// Durable MO reassembly (only on shards that run a client bind with mo_reassembly).
    pub(crate) mo_parts: Option<std::rc::Rc<super::mo_parts::MoParts>>,
    /// Bound receiver/transceiver sessions per server bind (for the delivery pollers).
    pub(crate) receivers: RefCell<super::deliveries::Receivers>,
    connections: RefCell<Connections>,
    /// Inserts and status updates waiting to go to the core in one job (`core_queue`).
    pub(crate) core_queue: super::core_queue::CoreQueue,
    /// Core calls (inserts, statuses, polls) whose task has not finished.
    core_calls: std::rc::Rc<std::cell::Cell<usize>>,
}

#[derive(Debug, Default)]
struct Connections {
    next_id: u64,
    handles: HashMap<u64, ConnectionHandle>,
    /// The bind each bound connection serves: its name and which runtime snapshot of it
    /// (an address compared, never dereferenced), so a runtime change can close exactly the
    /// sessions that still run the old settings.
    binds: HashMap<u64, (BindSide, String, usize)>,
}

/// Which kind of bind a connection serves (names are unique only within a kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindSide {
    /// A client bind (carrier) session.
    Client,
    /// A server bind (partner) session.
    Server,
}

/// Starts the shard's receipt store when it runs client binds and the cache is on disc.
fn receipt_store(index: usize, shared: &Shared) -> Option<super::receipts::ReceiptStore> {
    let runs_client_binds = shared
        .peers()
        .client_binds
        .iter()
        .any(|bind| bind.home_shard == index && bind.config.enabled);
    let on_disc = shared.config.cache_storage_type == smpp_config::CacheStorageType::Disc;
    if !runs_client_binds || !on_disc {
        return None;
    }
    let dir = shared
        .config
        .cache_dir
        .join("receipts")
        .join(format!("shard-{index}"));
    super::receipts::ReceiptStore::start(dir, index)
}

impl std::fmt::Debug for ShardContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardContext")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl ShardContext {
    pub(crate) fn new(index: usize, shared: Arc<Shared>) -> Self {
        Self {
            index,
            core: shared.core.clone(),
            receipts: receipt_store(index, &shared),
            mo_parts: super::mo_parts::MoParts::start(index, &shared),
            receivers: RefCell::new(HashMap::new()),
            core_queue: super::core_queue::CoreQueue::default(),
            core_calls: std::rc::Rc::new(std::cell::Cell::new(0)),
            shared,
            connections: RefCell::new(Connections::default()),
        }
    }

    /// Registers a connection; the id unregisters it.
    pub(crate) fn register(&self, handle: ConnectionHandle) -> u64 {
        let mut connections = self.connections.borrow_mut();
        connections.next_id += 1;
        let id = connections.next_id;
        connections.handles.insert(id, handle);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        let mut connections = self.connections.borrow_mut();
        connections.handles.remove(&id);
        connections.binds.remove(&id);
    }

    /// Notes that connection `id` serves bind `name` under the runtime state at `runtime`
    /// (`Arc::as_ptr` of the bind's runtime, as an address).
    pub(crate) fn tag_connection(&self, id: u64, side: BindSide, name: &str, runtime: usize) {
        self.connections
            .borrow_mut()
            .binds
            .insert(id, (side, name.to_owned(), runtime));
    }

    /// Asks the connections of bind `name` to unbind, except those running under the runtime
    /// state at `keep`; returns how many were asked.
    pub(crate) fn unbind_bind(&self, side: BindSide, name: &str, keep: Option<usize>) -> usize {
        let connections = self.connections.borrow();
        let mut asked = 0;
        for (id, (bind_side, bind, runtime)) in &connections.binds {
            if *bind_side == side && bind == name && Some(*runtime) != keep {
                if let Some(handle) = connections.handles.get(id) {
                    (handle.unbind)();
                    asked += 1;
                }
            }
        }
        asked
    }

    /// Asks every connection of this shard to unbind.
    pub(crate) fn unbind_all(&self) {
        for handle in self.connections.borrow().handles.values() {
            (handle.unbind)();
        }
    }

    /// Runs a task that talks to the core, counted so that a stopping shard waits for the
    /// answers (a `sent` status lost at shutdown would make the core send the message again).
    pub(crate) fn spawn_core_call(&self, call: impl std::future::Future<Output = ()> + 'static) {
        let calls = std::rc::Rc::clone(&self.core_calls);
        calls.set(calls.get() + 1);
        glommio::spawn_local(async move {
            call.await;
            calls.set(calls.get().saturating_sub(1));
        })
        .detach();
    }

    /// Core calls still running.
    pub(crate) fn core_calls(&self) -> usize {
        self.core_calls.get()
    }

    /// Connections running on this shard.
    pub(crate) fn connection_count(&self) -> usize {
        self.connections.borrow().handles.len()
    }
}
