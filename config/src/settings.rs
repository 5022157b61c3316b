//! The typed configuration and the checks that span the whole file.

use crate::binds::{build_client_bind, build_server_bind, ClientBind, ServerBind};
use crate::checker::{printable_ascii, valid_name, Checker, Scope};
use crate::error::{ConfigError, WarningKind};
use crate::keys::{global, listen, metrics, web, KeyDoc, Section};
use crate::net::ApiBaseUrl;
use crate::rules::{check_ports, check_unique_names, check_unique_system_ids};
use crate::secret::Secret;
use crate::spec::{ConfigSpec, ShardsSpec};
use crate::Loaded;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Where the message cache lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStorageType {
    /// On disc: survives restarts (the seed's `disc_copies`).
    Disc,
    /// In memory only (the seed's `ram_copies`).
    Ram,
}

impl CacheStorageType {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "disc" | "disc_copies" | "disk" => Some(CacheStorageType::Disc),
            "ram" | "ram_copies" => Some(CacheStorageType::Ram),
            _ => None,
        }
    }
}

/// How many shards (pinned I/O threads) to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// One per available CPU core.
    Auto,
    /// A fixed number (1-256).
    Fixed(u16),
}

impl Shards {
    /// The number of shards on a machine with `available_cores` cores (at least 1).
    pub fn resolve(self, available_cores: usize) -> usize {
        match self {
            Shards::Auto => available_cores.max(1),
            Shards::Fixed(count) => usize::from(count).max(1),
        }
    }
}

/// Lowest level of log lines written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Normal operation.
    Info,
    /// Debugging detail.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "error" => Some(LogLevel::Error),
            "warn" | "warning" => Some(LogLevel::Warn),
            "info" => Some(LogLevel::Info),
            "debug" => Some(LogLevel::Debug),
            "trace" => Some(LogLevel::Trace),
            _ => None,
        }
    }
}

/// Format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// The SMPP listener for server binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// Whether the listener runs.
    pub enabled: bool,
    /// Address to bind.
    pub host: IpAddr,
    /// Port to bind.
    pub port: u16,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Time a new connection has to send its bind PDU.
    pub bind_timeout: Duration,
    /// Failed binds from one IP address within `bind_failure_window` that lock it out (0 = off).
    pub bind_failure_limit: u32,
    /// Time failed binds are counted over.
    pub bind_failure_window: Duration,
    /// How long a locked-out address has its connections closed at accept.
    pub lockout_duration: Duration,
}

impl Listen {
    /// The address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

/// The Prometheus endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    /// Whether it is served.
    pub enabled: bool,
    /// Address to bind.
    pub host: IpAddr,
    /// Port to bind.
    pub port: u16,
}

impl Metrics {
    /// The address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

/// Certificate and key files for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// The web UI, JSON status and admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Web {
    /// Whether it is served.
    pub enabled: bool,
    /// Address to bind.
    pub host: IpAddr,
    /// Port to bind.
    pub port: u16,
    /// HTTPS files; `None` serves plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The operators' token (login and `Authorization: Bearer`); without one the UI is not
    /// started (a warning names the key) while the gateway runs.
    pub admin_token: Option<Secret>,
}

impl Web {
    /// The address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

/// The validated configuration. Field names are the TOML keys; `_ms` suffixes are dropped where
/// the value became a [`Duration`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The core's REST API.
    pub api_base_url: ApiBaseUrl,
    /// Queue poll interval while messages keep coming.
    pub smpp_poll_interval: Duration,
    /// Whether the core's TLS certificate is verified.
    pub verify_ssl_peer: bool,
    /// This instance's name at the core.
    pub smsc_name: String,
    /// How often cached messages are flushed to the core.
    pub cache_flush_interval: Duration,
    /// Failed deliveries before a cached message is `failed_permanent`.
    pub cache_max_retry_attempts: u32,
    /// Retry backoff factor.
    pub cache_backoff_multiplier: u32,
    /// Disc or RAM cache.
    pub cache_storage_type: CacheStorageType,
    /// Cache directory (absolute).
    pub cache_dir: PathBuf,
    /// Number of shards.
    pub shards: Shards,
    /// Lowest log level written.
    pub log_level: LogLevel,
    /// Log line format.
    pub log_format: LogFormat,
    /// Largest PDU accepted, in bytes.
    pub max_command_length: u32,
    /// Connect timeout of core API calls (`api_connect_timeout_ms`).
    pub api_connect_timeout: Duration,
    /// Send timeout of core API calls (`api_send_timeout_ms`).
    pub api_send_timeout: Duration,
    /// Receive timeout of core API calls (`api_recv_timeout_ms`).
    pub api_recv_timeout: Duration,
    /// Threads calling the core.
    pub api_pool_threads: u16,
    /// Client binds (carriers).
    pub binds: Vec<ClientBind>,
    /// Server binds (partners).
    pub server_binds: Vec<ServerBind>,
    /// SMPP listener.
    pub listen: Listen,
    /// Prometheus endpoint.
    pub metrics: Metrics,
    /// Web UI.
    pub web: Web,
    /// The specification this was built from (after environment overrides), kept so that
    /// [`Config::with_binds`] can re-check a changed set of binds against the same settings.
    pub(crate) spec: ConfigSpec,
    pub(crate) env_origin: HashMap<(Section, &'static str), &'static str>,
}

impl Config {
    /// The server bind a partner's `bind_*` selects by its system_id.
    pub fn server_bind_by_system_id(&self, system_id: &str) -> Option<&ServerBind> {
        self.server_binds
            .iter()
            .find(|bind| bind.system_id == system_id)
    }

    /// The client bind with this name.
    pub fn client_bind(&self, name: &str) -> Option<&ClientBind> {
        self.binds.iter().find(|bind| bind.name == name)
    }
}

const ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

fn ip(checker: &mut Checker, key: &KeyDoc, value: Option<&str>) -> IpAddr {
    let text = checker.string(&Scope::Table, key, value);
    match text.parse() {
        Ok(address) => address,
        Err(_) => {
            checker.problem(
                &Scope::Table,
                key,
                format!("{text:?} is not an IP address (e.g. \"0.0.0.0\", \"127.0.0.1\", \"::\")"),
            );
            ANY
        }
    }
}

/// Builds and checks the whole configuration.
pub(crate) fn build(spec: ConfigSpec, mut checker: Checker) -> Result<Loaded, ConfigError> {
    let table = &Scope::Table;
    let c = &mut checker;
    let api_base_url = match spec.api_base_url.as_deref() {
        None => {
            c.problem(
                table,
                &global::API_BASE_URL,
                "missing; this key is required",
            );
            None
        }
        Some(text) => match ApiBaseUrl::parse(text) {
            Ok(url) => Some(url),
            Err(why) => {
                c.problem(table, &global::API_BASE_URL, why);
                None
            }
        },
    };
    let verify_ssl_peer = c.boolean(table, &global::VERIFY_SSL_PEER, spec.verify_ssl_peer);
    if let Some(url) = &api_base_url {
        if !url.is_https() {
            c.warn(
                WarningKind::PlainHttpApi,
                table,
                &global::API_BASE_URL,
                "uses plain http: messages and credentials cross the network unencrypted; use \
                 https in production",
            );
        } else if !verify_ssl_peer {
            c.warn(
                WarningKind::TlsVerificationDisabled,
                table,
                &global::VERIFY_SSL_PEER,
                "is false: the core's certificate is not checked; set it to true with a valid \
                 certificate",
            );
        }
    }
    let smsc_name = c.string(table, &global::SMSC_NAME, spec.smsc_name.as_deref());
    if !smsc_name.is_empty() && !valid_name(&smsc_name) {
        c.problem(
            table,
            &global::SMSC_NAME,
            format!("{smsc_name:?} may only contain letters, digits, `_`, `-` and `.`"),
        );
    }
    let cache_dir = PathBuf::from(c.string(table, &global::CACHE_DIR, spec.cache_dir.as_deref()));
    if !cache_dir.is_absolute() {
        c.problem(
            table,
            &global::CACHE_DIR,
            format!(
                "{:?} is not an absolute path",
                cache_dir.display().to_string()
            ),
        );
    }
    let shards = shards(c, spec.shards.as_ref());
    let smpp_poll_interval = c.millis(table, &global::SMPP_POLL_INTERVAL, spec.smpp_poll_interval);
    let cache_flush_interval = c.millis(
        table,
        &global::CACHE_FLUSH_INTERVAL,
        spec.cache_flush_interval,
    );
    let cache_max_retry_attempts = c.uint(
        table,
        &global::CACHE_MAX_RETRY_ATTEMPTS,
        spec.cache_max_retry_attempts,
    );
    let cache_backoff_multiplier = c.uint(
        table,
        &global::CACHE_BACKOFF_MULTIPLIER,
        spec.cache_backoff_multiplier,
    );
    let cache_storage_type = c
        .choice(
            table,
            &global::CACHE_STORAGE_TYPE,
            spec.cache_storage_type.as_deref(),
            CacheStorageType::from_name,
        )
        .unwrap_or(CacheStorageType::Disc);
    let log_level = c
        .choice(
            table,
            &global::LOG_LEVEL,
            spec.log_level.as_deref(),
            LogLevel::from_name,
        )
        .unwrap_or(LogLevel::Info);
    let log_format = c
        .choice(
            table,
            &global::LOG_FORMAT,
            spec.log_format.as_deref(),
            LogFormat::from_name,
        )
        .unwrap_or(LogFormat::Text);
    let max_command_length = c.uint(table, &global::MAX_COMMAND_LENGTH, spec.max_command_length);
    let api_connect_timeout = c.millis(
        table,
        &global::API_CONNECT_TIMEOUT_MS,
        spec.api_connect_timeout_ms,
    );
    let api_send_timeout = c.millis(
        table,
        &global::API_SEND_TIMEOUT_MS,
        spec.api_send_timeout_ms,
    );
    let api_recv_timeout = c.millis(
        table,
        &global::API_RECV_TIMEOUT_MS,
        spec.api_recv_timeout_ms,
    );
    let api_pool_threads = c.uint(table, &global::API_POOL_THREADS, spec.api_pool_threads);

    let binds: Vec<ClientBind> = spec
        .binds
        .iter()
        .enumerate()
        .map(|(index, bind)| build_client_bind(c, index, bind))
        .collect();
    let server_binds: Vec<ServerBind> = spec
        .server_binds
        .iter()
        .enumerate()
        .map(|(index, bind)| build_server_bind(c, index, bind))
        .collect();
    check_unique_names(c, &binds, &server_binds);
    check_unique_system_ids(c, &server_binds);
    let listen = build_listen(c, &spec, !server_binds.is_empty());
    let metrics_spec = spec.metrics.clone().unwrap_or_default();
    let metrics = Metrics {
        enabled: c.boolean(table, &metrics::ENABLED, metrics_spec.enabled),
        host: ip(c, &metrics::HOST, metrics_spec.host.as_deref()),
        port: c.uint(table, &metrics::PORT, metrics_spec.port),
    };
    let web = build_web(c, &spec);
    check_ports(c, &listen, &metrics, &web);

    let api_base_url = match api_base_url {
        Some(url) if checker.problems.is_empty() => url,
        _ => return Err(ConfigError::Invalid(checker.finish().0)),
    };
    let env_origin = checker.env_origin.clone();
    let (_, warnings) = checker.finish();
    let config = Config {
        api_base_url,
        smpp_poll_interval,
        verify_ssl_peer,
        smsc_name,
        cache_flush_interval,
        cache_max_retry_attempts,
        cache_backoff_multiplier,
        cache_storage_type,
        cache_dir,
        shards,
        log_level,
        log_format,
        max_command_length,
        api_connect_timeout,
        api_send_timeout,
        api_recv_timeout,
        api_pool_threads,
        binds,
        server_binds,
        listen,
        metrics,
        web,
        spec,
        env_origin,
    };
    Ok(Loaded { config, warnings })
}

fn shards(checker: &mut Checker, spec: Option<&ShardsSpec>) -> Shards {
    let key = &global::SHARDS;
    match spec {
        None => Shards::Auto,
        Some(ShardsSpec::Text(text)) if text.eq_ignore_ascii_case("auto") => Shards::Auto,
        Some(ShardsSpec::Text(text)) => {
            checker.problem(
                &Scope::Table,
                key,
                format!("{text:?} is neither \"auto\" nor a number"),
            );
            Shards::Auto
        }
        Some(ShardsSpec::Count(count)) => {
            Shards::Fixed(checker.uint(&Scope::Table, key, Some(*count)))
        }
    }
}

fn build_listen(checker: &mut Checker, spec: &ConfigSpec, has_server_binds: bool) -> Listen {
    let table = &Scope::Table;
    let listen_spec = spec.listen.clone().unwrap_or_default();
    let enabled = listen_spec
        .enabled
        .unwrap_or(spec.listen.is_some() || has_server_binds);
    if !enabled && has_server_binds {
        checker.warn(
            WarningKind::ListenerDisabled,
            table,
            &listen::ENABLED,
            "is false although server binds are configured: partners cannot connect",
        );
    }
    Listen {
        enabled,
        host: ip(checker, &listen::HOST, listen_spec.host.as_deref()),
        port: checker.uint(table, &listen::PORT, listen_spec.port),
        max_connections: checker.uint(table, &listen::MAX_CONNECTIONS, listen_spec.max_connections),
        bind_timeout: checker.secs(table, &listen::BIND_TIMEOUT, listen_spec.bind_timeout),
        bind_failure_limit: checker.uint(
            table,
            &listen::BIND_FAILURE_LIMIT,
            listen_spec.bind_failure_limit,
        ),
        bind_failure_window: checker.secs(
            table,
            &listen::BIND_FAILURE_WINDOW,
            listen_spec.bind_failure_window,
        ),
        lockout_duration: checker.secs(
            table,
            &listen::LOCKOUT_DURATION,
            listen_spec.lockout_duration,
        ),
    }
}

fn build_web(checker: &mut Checker, spec: &ConfigSpec) -> Web {
    let table = &Scope::Table;
    let web_spec = spec.web.clone().unwrap_or_default();
    let enabled = checker.boolean(table, &web::ENABLED, web_spec.enabled);
    let mut path = |key: &KeyDoc, value: Option<&str>| -> Option<PathBuf> {
        let value = value?;
        if value.is_empty() {
            checker.problem(table, key, "must not be empty; omit the key for plain HTTP");
        }
        Some(PathBuf::from(value))
    };
    let cert = path(&web::TLS_CERT, web_spec.tls_cert.as_deref());
    let key = path(&web::TLS_KEY, web_spec.tls_key.as_deref());
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (Some(_), None) => {
            checker.problem(
                table,
                &web::TLS_CERT,
                "is set without tls_key; set both or neither",
            );
            None
        }
        (None, Some(_)) => {
            checker.problem(
                table,
                &web::TLS_KEY,
                "is set without tls_cert; set both or neither",
            );
            None
        }
        (None, None) => None,
    };
    if enabled && tls.is_none() {
        checker.warn(
            WarningKind::PlainHttpWebUi,
            table,
            &web::TLS_CERT,
            "is not set: the web UI (which can change binds) is served over plain HTTP; set \
             tls_cert and tls_key",
        );
    }
    let admin_token = web_spec.admin_token.clone();
    if let Some(token) = &admin_token {
        let (low, high) = web::ADMIN_TOKEN.range.unwrap_or((16, 256));
        let length = i64::try_from(token.char_count()).unwrap_or(i64::MAX);
        if length < low || length > high {
            checker.problem(
                table,
                &web::ADMIN_TOKEN,
                format!("must be {low} to {high} characters long (e.g. `openssl rand -hex 32`)"),
            );
        } else if !printable_ascii(token.expose()) || token.expose().contains(' ') {
            checker.problem(
                table,
                &web::ADMIN_TOKEN,
                "must be printable ASCII without spaces (it travels in an HTTP header)",
            );
        }
    }
    Web {
        enabled,
        host: ip(checker, &web::HOST, web_spec.host.as_deref()),
        port: checker.uint(table, &web::PORT, web_spec.port),
        tls,
        admin_token,
    }
}
