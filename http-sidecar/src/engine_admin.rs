//! [`PeerAdmin`] and [`GatewayControl`] over the running engine: runtime peer changes are
//! validated like the configuration file, put in effect through the shards' reconcile (see
//! `engine::shard::Shared::change_peers`) and persisted in the gateway's [`PeerStore`] so they
//! override the file at the next start (docs/RUNTIME-PEERS.md).
//!
//! Every call runs on a sidecar thread; a change blocks for the validation and one fsync.

use std::sync::Arc;

use engine::shard::{Peers, Shared};
use engine::store::{PeerStore, PeerStoreError};
use smpp_config::{ClientBind, ConfigError, ServerBind};

use crate::admin::PeerAdmin;
use crate::view::{ControlError, GatewayControl};

/// The engine's runtime peer management.
#[derive(Debug, Clone)]
pub struct EngineAdmin {
    shared: Arc<Shared>,
    store: Option<Arc<PeerStore>>,
}

type Binds = (Vec<ClientBind>, Vec<ServerBind>);

fn current(peers: &Peers) -> Binds {
    (
        peers
            .client_binds
            .iter()
            .map(|bind| bind.config.clone())
            .collect(),
        peers
            .server_binds
            .iter()
            .map(|bind| bind.config.clone())
            .collect(),
    )
}

fn invalid(error: ConfigError) -> ControlError {
    ControlError::Invalid(error.to_string())
}

fn unstored(error: PeerStoreError) -> ControlError {
    ControlError::Unavailable(format!(
        "the change could not be saved, nothing was changed: {error}"
    ))
}

impl EngineAdmin {
    /// Manages the peers of `shared`, persisting changes in `store` (`None`: changes last until
    /// the process ends, as in the demo).
    pub fn new(shared: Arc<Shared>, store: Option<Arc<PeerStore>>) -> Self {
        Self { shared, store }
    }

    /// Checks `binds` like the file would be, then persists with `persist` the checked version
    /// and puts it in effect; a failure of either leaves everything unchanged.
    fn change(
        &self,
        edit: impl FnOnce(&mut Binds) -> Result<(), ControlError>,
        persist: impl FnOnce(&PeerStore, &Binds) -> Result<(), PeerStoreError>,
    ) -> Result<(), ControlError> {
        self.shared.change_peers(|peers| {
            let mut binds = current(peers);
            edit(&mut binds)?;
            let loaded = self
                .shared
                .config
                .with_binds(
                    binds.0.iter().map(ClientBind::to_spec).collect(),
                    binds.1.iter().map(ServerBind::to_spec).collect(),
                )
                .map_err(invalid)?;
            let about_binds =
                |key: &str| key.starts_with("binds") || key.starts_with("server_binds");
            for warning in loaded.warnings.iter().filter(|w| about_binds(&w.key)) {
                log::warn!("runtime peer change: {warning}");
            }
            let checked = (loaded.config.binds, loaded.config.server_binds);
            if let Some(store) = &self.store {
                persist(store, &checked).map_err(unstored)?;
            }
            Ok((checked.0, checked.1, ()))
        })
    }

    fn client_or_server(&self, name: &str) -> Result<Target, ControlError> {
        let peers = self.shared.peers();
        if let Some(bind) = peers.client_bind(name) {
            return Ok(Target::Client(Arc::clone(bind)));
        }
        if let Some(bind) = peers.server_bind(name) {
            return Ok(Target::Server(Arc::clone(bind)));
        }
        Err(ControlError::UnknownBind(name.to_owned()))
    }

    fn running(&self) -> Result<(), ControlError> {
        if self.shared.stopping() {
            Err(ControlError::Unavailable(
                "the gateway is stopping".to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

enum Target {
    Client(Arc<engine::shard::ClientBindRuntime>),
    Server(Arc<engine::shard::ServerBindRuntime>),
}

fn put<T: Clone>(list: &mut Vec<T>, item: T, name: impl Fn(&T) -> &str) {
    let key = name(&item).to_owned();
    match list.iter_mut().find(|existing| name(existing) == key) {
        Some(slot) => *slot = item,
        None => list.push(item),
    }
}

fn remove<T>(list: &mut Vec<T>, name: &str, key: impl Fn(&T) -> &str) -> Result<(), ControlError> {
    let before = list.len();
    list.retain(|item| key(item) != name);
    if list.len() == before {
        Err(ControlError::UnknownBind(name.to_owned()))
    } else {
        Ok(())
    }
}

fn stored_client<'a>(binds: &'a Binds, name: &str) -> Option<&'a ClientBind> {
    binds.0.iter().find(|bind| bind.name == name)
}

fn stored_server<'a>(binds: &'a Binds, name: &str) -> Option<&'a ServerBind> {
    binds.1.iter().find(|bind| bind.name == name)
}

impl PeerAdmin for EngineAdmin {
    fn client_peers(&self) -> Vec<ClientBind> {
        current(&self.shared.peers()).0
    }

    fn server_peers(&self) -> Vec<ServerBind> {
        current(&self.shared.peers()).1
    }

    fn put_client_peer(&self, bind: ClientBind) -> Result<(), ControlError> {
        self.running()?;
        let name = bind.name.clone();
        self.change(
            |binds| {
                put(&mut binds.0, bind, |b| b.name.as_str());
                Ok(())
            },
            |store, checked| match stored_client(checked, &name) {
                Some(bind) => store.put_client(bind),
                None => Ok(()),
            },
        )?;
        log::info!("Client bind {name}: added or changed at runtime");
        Ok(())
    }

    fn delete_client_peer(&self, name: &str) -> Result<(), ControlError> {
        self.running()?;
        self.change(
            |binds| remove(&mut binds.0, name, |b| b.name.as_str()),
            |store, _| store.delete_client(name),
        )?;
        log::info!("Client bind {name}: deleted at runtime");
        Ok(())
    }

    fn put_server_peer(&self, bind: ServerBind) -> Result<(), ControlError> {
        self.running()?;
        let name = bind.name.clone();
        self.change(
            |binds| {
                put(&mut binds.1, bind, |b| b.name.as_str());
                Ok(())
            },
            |store, checked| match stored_server(checked, &name) {
                Some(bind) => store.put_server(bind),
                None => Ok(()),
            },
        )?;
        log::info!("Partner {name}: added or changed at runtime");
        Ok(())
    }

    fn delete_server_peer(&self, name: &str) -> Result<(), ControlError> {
        self.running()?;
        self.change(
            |binds| remove(&mut binds.1, name, |b| b.name.as_str()),
            |store, _| store.delete_server(name),
        )?;
        log::info!("Partner {name}: deleted at runtime");
        Ok(())
    }
}

impl GatewayControl for EngineAdmin {
    fn reconnect(&self, bind_name: &str) -> Result<(), ControlError> {
        self.running()?;
        match self.client_or_server(bind_name)? {
            Target::Client(bind) => {
                if !bind.config.enabled {
                    return Err(ControlError::NotApplicable(format!(
                        "client bind '{bind_name}' is disabled (enabled = false); enable it in its \
                         settings"
                    )));
                }
                bind.operator.set_down(false);
                bind.operator.kick();
            }
            Target::Server(bind) => bind.operator.kick(),
        }
        self.shared.bump_generation();
        log::info!("{bind_name}: reconnect asked by the operator");
        Ok(())
    }

    fn disconnect(&self, bind_name: &str) -> Result<(), ControlError> {
        self.running()?;
        match self.client_or_server(bind_name)? {
            Target::Client(bind) => bind.operator.set_down(true),
            Target::Server(bind) => bind.operator.kick(),
        }
        self.shared.bump_generation();
        log::info!("{bind_name}: disconnect asked by the operator");
        Ok(())
    }
}
