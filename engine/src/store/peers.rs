//! Runtime peer changes (web UI, admin API) kept across restarts: one fjall database in
//! `<cache_dir>/peers`, one keyspace of overrides keyed by kind and bind name.
//!
//! A value is the bind's whole TOML table (as the file would write it, password included: the
//! directory is the gateway's private state, like the config file) or empty for a deleted bind.
//! At start [`PeerOverrides::apply`] merges them over the file's binds: a changed bind replaces
//! the file's entry of that name, an added one is appended, a deleted one stays deleted, and
//! the result is checked by the configuration's own rules. Each write is fsynced before the
//! change counts as made. Resetting to the file = clearing the keyspace ([`PeerStore::clear`])
//! or deleting the directory while the gateway is stopped.

use std::path::{Path, PathBuf};

use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use smpp_config::spec::{ClientBindSpec, ServerBindSpec};
use smpp_config::{ClientBind, Config, ConfigError, Loaded, ServerBind};

use super::StoreError;

const CLIENT: &str = "client/";
const SERVER: &str = "server/";

/// The persisted runtime peer changes.
pub struct PeerStore {
    db: Database,
    overrides: Keyspace,
    dir: PathBuf,
}

impl std::fmt::Debug for PeerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Stored changes, in key order (kind, then name). `None` marks a deleted bind.
#[derive(Debug, Default, Clone)]
pub struct PeerOverrides {
    /// Client binds changed, added (`Some`) or deleted (`None`) at runtime.
    pub clients: Vec<(String, Option<ClientBindSpec>)>,
    /// Server binds changed, added or deleted at runtime.
    pub servers: Vec<(String, Option<ServerBindSpec>)>,
}

/// An entry that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum PeerStoreError {
    /// fjall failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored entry is not a valid bind table.
    #[error("stored runtime peer {key}: {message}")]
    Corrupt {
        /// The entry's key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl From<fjall::Error> for PeerStoreError {
    fn from(error: fjall::Error) -> Self {
        Self::Store(StoreError::Fjall(error))
    }
}

impl PeerStore {
    /// Where the store of a gateway with this `cache_dir` lives.
    pub fn dir_for(cache_dir: &Path) -> PathBuf {
        cache_dir.join("peers")
    }

    /// Opens (or creates) the store in `dir`. Fails while another process holds it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, PeerStoreError> {
        let dir = dir.as_ref().to_owned();
        let db = Database::builder(&dir).open()?;
        let overrides = db.keyspace("peer_overrides", KeyspaceCreateOptions::default)?;
        Ok(Self { db, overrides, dir })
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write(&self, key: String, value: &[u8]) -> Result<(), PeerStoreError> {
        self.overrides.insert(key, value)?;
        self.db.persist(PersistMode::SyncAll)?;
        Ok(())
    }

    /// Records a client bind added or changed at runtime.
    pub fn put_client(&self, bind: &ClientBind) -> Result<(), PeerStoreError> {
        let text = bind.to_toml().to_string();
        self.write(format!("{CLIENT}{}", bind.name), text.as_bytes())
    }

    /// Records a server bind added or changed at runtime.
    pub fn put_server(&self, bind: &ServerBind) -> Result<(), PeerStoreError> {
        let text = bind.to_toml().to_string();
        self.write(format!("{SERVER}{}", bind.name), text.as_bytes())
    }

    /// Records that a client bind was deleted at runtime.
    pub fn delete_client(&self, name: &str) -> Result<(), PeerStoreError> {
        self.write(format!("{CLIENT}{name}"), b"")
    }

    /// Records that a server bind was deleted at runtime.
    pub fn delete_server(&self, name: &str) -> Result<(), PeerStoreError> {
        self.write(format!("{SERVER}{name}"), b"")
    }

    /// Every stored change.
    pub fn overrides(&self) -> Result<PeerOverrides, PeerStoreError> {
        let mut out = PeerOverrides::default();
        for entry in self.overrides.iter() {
            let (key, value) = entry.into_inner()?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let text = String::from_utf8_lossy(&value);
            let corrupt = |message: String| PeerStoreError::Corrupt {
                key: key.clone(),
                message,
            };
            if let Some(name) = key.strip_prefix(CLIENT) {
                let spec = if text.is_empty() {
                    None
                } else {
                    Some(ClientBindSpec::from_toml_str(&text).map_err(corrupt)?)
                };
                out.clients.push((name.to_owned(), spec));
            } else if let Some(name) = key.strip_prefix(SERVER) {
                let spec = if text.is_empty() {
                    None
                } else {
                    Some(ServerBindSpec::from_toml_str(&text).map_err(corrupt)?)
                };
                out.servers.push((name.to_owned(), spec));
            } else {
                return Err(corrupt("unknown kind of entry".to_owned()));
            }
        }
        Ok(out)
    }

    /// Forgets every runtime change (the file's binds apply again at the next start); returns
    /// how many entries were removed.
    pub fn clear(&self) -> Result<usize, PeerStoreError> {
        let mut keys = Vec::new();
        for entry in self.overrides.iter() {
            keys.push(entry.key()?);
        }
        let mut batch = self.db.batch();
        for key in &keys {
            batch.remove(&self.overrides, key.as_ref());
        }
        batch.commit()?;
        self.db.persist(PersistMode::SyncAll)?;
        Ok(keys.len())
    }
}

impl PeerOverrides {
    /// Whether nothing was changed at runtime.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty() && self.servers.is_empty()
    }

    /// `config` with these changes over its binds, checked like a file (errors name the key).
    pub fn apply(&self, config: &Config) -> Result<Loaded, ConfigError> {
        let mut clients: Vec<(String, ClientBindSpec)> = config
            .binds
            .iter()
            .map(|bind| (bind.name.clone(), bind.to_spec()))
            .collect();
        merge(&mut clients, &self.clients);
        let mut servers: Vec<(String, ServerBindSpec)> = config
            .server_binds
            .iter()
            .map(|bind| (bind.name.clone(), bind.to_spec()))
            .collect();
        merge(&mut servers, &self.servers);
        config.with_binds(
            clients.into_iter().map(|(_, spec)| spec).collect(),
            servers.into_iter().map(|(_, spec)| spec).collect(),
        )
    }
}

fn merge<T: Clone>(binds: &mut Vec<(String, T)>, changes: &[(String, Option<T>)]) {
    for (name, change) in changes {
        let at = binds.iter().position(|(existing, _)| existing == name);
        match (at, change) {
            (Some(at), Some(spec)) => {
                if let Some(slot) = binds.get_mut(at) {
                    slot.1 = spec.clone();
                }
            }
            (None, Some(spec)) => binds.push((name.clone(), spec.clone())),
            (Some(at), None) => {
                binds.remove(at);
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FILE: &str = r#"
api_base_url = "http://127.0.0.1:1"
[[binds]]
name = "a"
bind_type = "transmitter"
host = "127.0.0.1"
port = 2001
system_id = "a"
password = "pa"
[[binds]]
name = "b"
bind_type = "transmitter"
host = "127.0.0.1"
port = 2002
system_id = "b"
password = "pb"
[[server_binds]]
name = "p"
system_id = "p"
password = "pp"
allowed_bind_types = ["transceiver"]
"#;

    #[test]
    fn changes_survive_a_reopen_and_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml_str(FILE).unwrap().config;
        {
            let store = PeerStore::open(dir.path()).unwrap();
            let mut changed = config.binds[0].clone();
            changed.port = 3001;
            store.put_client(&changed).unwrap();
            store.delete_client("b").unwrap();
            let mut added = config.binds[1].clone();
            added.name = "c".into();
            added.system_id = "c".into();
            store.put_client(&added).unwrap();
            store.delete_server("p").unwrap();
        }
        let store = PeerStore::open(dir.path()).unwrap();
        let overrides = store.overrides().unwrap();
        let merged = overrides.apply(&config).unwrap().config;
        let names: Vec<_> = merged.binds.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(merged.binds[0].port, 3001);
        assert!(merged.server_binds.is_empty());

        assert_eq!(store.clear().unwrap(), 4);
        let merged = store.overrides().unwrap().apply(&config).unwrap().config;
        assert_eq!(merged.binds, config.binds);
        assert_eq!(merged.server_binds, config.server_binds);
    }

    #[test]
    fn an_override_that_breaks_a_rule_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml_str(FILE).unwrap().config;
        let store = PeerStore::open(dir.path()).unwrap();
        let mut clash = config.binds[1].clone();
        clash.name = "c".into();
        store.put_client(&clash).unwrap();
        // "c" now has b's system_id on the same host... still legal; a duplicate name is not:
        let overrides = PeerOverrides {
            clients: vec![("b".into(), Some(config.binds[0].to_spec()))],
            servers: Vec::new(),
        };
        let error = overrides.apply(&config).unwrap_err().to_string();
        assert!(error.contains("name"), "{error}");
    }
}
