//! Configuration of omnimessage-smpp: schema, loading, environment overrides and validation.
//!
//! The file is TOML with the operator guide's key names (see docs/CONFIGURATION.md). Loading
//! parses it ([`spec`]), applies environment overrides, then checks every value and turns it into
//! the typed [`Config`]. Anything invalid fails with a [`ConfigError`] listing each bad key with its
//! bind and the problem; risky but legal settings come back as [`Warning`]s for the caller to log.
//!
//! ```
//! let text = r#"
//! api_base_url = "https://core.example.com:8443"
//!
//! [[binds]]
//! name = "vodafone_uk"
//! bind_type = "transceiver"
//! host = "smpp.vodafone.co.uk"
//! system_id = "your_username"
//! password = "your_password"
//! "#;
//! let loaded = smpp_config::Config::from_toml_str_with_env(text, &|_| None).unwrap();
//! assert_eq!(loaded.config.binds[0].tps_limit, 100);
//! ```
#![warn(missing_docs)]

mod binds;
mod checker;
mod effective;
mod env;
mod error;
pub mod import;
pub mod keys;
mod net;
mod rules;
mod secret;
mod settings;
pub mod spec;
mod to_spec;

pub use binds::{BindType, BindTypes, ClientBind, Concatenation, ServerBind};
pub use effective::MASK;
pub use error::{ConfigError, Problem, Warning, WarningKind};
pub use ipnet::IpNet;
pub use net::{ApiBaseUrl, IpWhitelist, SourceAddressWhitelist, SourcePattern, WhitelistEntry};
pub use secret::{constant_time_eq, Secret};
pub use settings::{
    CacheStorageType, Config, Listen, LogFormat, LogLevel, Metrics, Shards, TlsFiles, Web,
};

use checker::Checker;
use spec::{ClientBindSpec, ConfigSpec, ServerBindSpec};
use std::path::Path;

/// A loaded configuration and the warnings about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Risky but legal settings, for the caller to log.
    pub warnings: Vec<Warning>,
}

impl Config {
    /// Loads `path`, applying the process environment's overrides, and warns if the file is
    /// readable by group or others.
    pub fn load(path: impl AsRef<Path>) -> Result<Loaded, ConfigError> {
        Self::load_with_env(path, &|name| std::env::var(name).ok())
    }

    /// Loads `path` with environment variables looked up through `env`.
    pub fn load_with_env(
        path: impl AsRef<Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut loaded = Self::parse(&text, &path.display().to_string(), env)?;
        if let Some(warning) = check_file_permissions(path) {
            loaded.warnings.push(warning);
        }
        Ok(loaded)
    }

    /// Parses TOML text without looking at the environment.
    pub fn from_toml_str(text: &str) -> Result<Loaded, ConfigError> {
        Self::parse(text, "config", &|_| None)
    }

    /// Parses TOML text with environment variables looked up through `env`.
    pub fn from_toml_str_with_env(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigError> {
        Self::parse(text, "config", env)
    }

    /// This configuration with its client and server binds replaced (a change made at runtime
    /// from the web UI), checked like a file: every rule, including unique names and system_ids,
    /// applies, and messages name `binds[i]`/`server_binds[i]` of the new lists.
    pub fn with_binds(
        &self,
        binds: Vec<ClientBindSpec>,
        server_binds: Vec<ServerBindSpec>,
    ) -> Result<Loaded, ConfigError> {
        let spec = ConfigSpec {
            binds,
            server_binds,
            ..self.spec.clone()
        };
        let checker = Checker {
            env_origin: self.env_origin.clone(),
            ..Checker::default()
        };
        settings::build(spec, checker)
    }

    fn parse(
        text: &str,
        origin: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Loaded, ConfigError> {
        let mut spec: ConfigSpec = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            origin: origin.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })?;
        let mut checker = Checker::default();
        env::apply_env(&mut spec, env, &mut checker);
        settings::build(spec, checker)
    }
}

/// A warning if the file at `path` (which holds passwords) can be read or written by group or
/// others; `None` if it is private or its mode cannot be read.
pub fn check_file_permissions(path: &Path) -> Option<Warning> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| Warning {
            kind: WarningKind::ConfigFilePermissions,
            key: path.display().to_string(),
            message: format!(
                "has mode {mode:04o}: group/others can read the passwords in it; run chmod 600"
            ),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}
