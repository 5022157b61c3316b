//! What one shard knows: its index, the shared state, and the connections it runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::mailbox::MailboxSender;
use super::shared::Shared;

/// A message to a connection task from elsewhere on its shard.
#[derive(Debug)]
pub(crate) enum Command {
    /// Unbind and close (shutdown or an operator's disconnect).
    Unbind,
}

/// How the shard reaches one of its connections.
#[derive(Debug)]
pub(crate) struct ConnectionHandle {
    pub(crate) sender: MailboxSender<Command>,
}

/// One shard's view of the gateway.
#[derive(Debug)]
pub(crate) struct ShardContext {
    pub(crate) index: usize,
    pub(crate) shared: Arc<Shared>,
    connections: RefCell<Connections>,
}

#[derive(Debug, Default)]
struct Connections {
    next_id: u64,
    handles: HashMap<u64, ConnectionHandle>,
}

impl ShardContext {
    pub(crate) fn new(index: usize, shared: Arc<Shared>) -> Self {
        Self {
            index,
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
        self.connections.borrow_mut().handles.remove(&id);
    }

    /// Sends `make()` to every connection of this shard.
    pub(crate) fn broadcast(&self, make: impl Fn() -> Command) {
        for handle in self.connections.borrow().handles.values() {
            let _ = handle.sender.send(make());
        }
    }

    /// Connections running on this shard.
    pub(crate) fn connection_count(&self) -> usize {
        self.connections.borrow().handles.len()
    }
}
