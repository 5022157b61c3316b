//! Keys of the top level and of the `[listen]`, `[metrics]` and `[web]` tables.

/// Top-level keys.
pub mod global {
    use crate::keys::{DefaultValue as D, KeyDoc, Section::Global, ValueKind as K};

    /// `api_base_url`.
    pub const API_BASE_URL: KeyDoc = KeyDoc::new(
        Global,
        "api_base_url",
        K::Url,
        D::Required,
        "Base URL of the OmniMessage core REST API, `http://` or `https://` (https in production).",
    )
    .env(&["API_BASE_URL"]);
    /// `smpp_poll_interval`.
    pub const SMPP_POLL_INTERVAL: KeyDoc = KeyDoc::new(
        Global,
        "smpp_poll_interval",
        K::Integer,
        D::Int(100),
        "How often each bind checks the core's message queue while it keeps returning messages.",
    )
    .unit("ms")
    .range(100, 2000)
    .env(&["SMPP_POLL_INTERVAL"]);
    /// `verify_ssl_peer`.
    pub const VERIFY_SSL_PEER: KeyDoc = KeyDoc::new(
        Global,
        "verify_ssl_peer",
        K::Boolean,
        D::Bool(false),
        "Verify the core's TLS certificate (`false` accepts self-signed certificates).",
    )
    .env(&["VERIFY_SSL_PEER"]);
    /// `smsc_name`.
    pub const SMSC_NAME: KeyDoc = KeyDoc::new(
        Global,
        "smsc_name",
        K::String,
        D::Str("smpp_gateway"),
        "Identifies this gateway instance to the core (frontend registration, inserted messages).",
    )
    .range(1, 64)
    .env(&["SMSC_NAME"]);
    /// `cache_flush_interval`.
    pub const CACHE_FLUSH_INTERVAL: KeyDoc = KeyDoc::new(
        Global,
        "cache_flush_interval",
        K::Integer,
        D::Int(10_000),
        "How often the flush worker tries to deliver cached messages to the core.",
    )
    .unit("ms")
    .range(100, 3_600_000)
    .env(&["CACHE_FLUSH_INTERVAL"]);
    /// `cache_max_retry_attempts`.
    pub const CACHE_MAX_RETRY_ATTEMPTS: KeyDoc = KeyDoc::new(
        Global,
        "cache_max_retry_attempts",
        K::Integer,
        D::Int(10),
        "Failed deliveries of a cached message before it is marked `failed_permanent`.",
    )
    .range(1, 1000)
    .env(&["CACHE_MAX_RETRY_ATTEMPTS"]);
    /// `cache_backoff_multiplier`.
    pub const CACHE_BACKOFF_MULTIPLIER: KeyDoc = KeyDoc::new(
        Global,
        "cache_backoff_multiplier",
        K::Integer,
        D::Int(2),
        "Factor applied to a bind's `cache_retry_interval` after each failed delivery.",
    )
    .range(1, 10)
    .env(&["CACHE_BACKOFF_MULTIPLIER"]);
    /// `cache_storage_type` (also accepted as `mnesia_storage_type`).
    pub const CACHE_STORAGE_TYPE: KeyDoc = KeyDoc::new(
        Global,
        "cache_storage_type",
        K::Choice(&["disc", "ram"]),
        D::Str("disc"),
        "`disc` keeps the cache across restarts, `ram` loses it. Also accepted: the key \
         `mnesia_storage_type` and the values `disc_copies`/`ram_copies`.",
    )
    .env(&["CACHE_STORAGE_TYPE", "MNESIA_STORAGE_TYPE"]);
    /// `cache_dir`.
    pub const CACHE_DIR: KeyDoc = KeyDoc::new(
        Global,
        "cache_dir",
        K::Path,
        D::Str("/var/lib/omnimessage-smpp/cache"),
        "Absolute directory of the message cache and the submit/receipt id map.",
    )
    .env(&["OMNIMESSAGE_SMPP_CACHE_DIR"]);
    /// `shards`.
    pub const SHARDS: KeyDoc = KeyDoc::new(
        Global,
        "shards",
        K::AutoOrInteger,
        D::Str("auto"),
        "Number of pinned I/O threads; `\"auto\"` uses one per available CPU core.",
    )
    .range(1, 256)
    .env(&["OMNIMESSAGE_SMPP_SHARDS"]);
    /// `log_level`.
    pub const LOG_LEVEL: KeyDoc = KeyDoc::new(
        Global,
        "log_level",
        K::Choice(&["error", "warn", "info", "debug", "trace"]),
        D::Str("info"),
        "Lowest level of log lines written.",
    )
    .env(&["OMNIMESSAGE_SMPP_LOG_LEVEL"]);
    /// `log_format`.
    pub const LOG_FORMAT: KeyDoc = KeyDoc::new(
        Global,
        "log_format",
        K::Choice(&["text", "json"]),
        D::Str("text"),
        "`text` lines for journald, or one JSON object per line for log shippers.",
    )
    .env(&["OMNIMESSAGE_SMPP_LOG_FORMAT"]);
    /// `max_command_length`.
    pub const MAX_COMMAND_LENGTH: KeyDoc = KeyDoc::new(
        Global,
        "max_command_length",
        K::Integer,
        D::Int(65_536),
        "Largest SMPP PDU accepted from a peer; a longer `command_length` closes the session.",
    )
    .unit("bytes")
    .range(1024, 16_777_216)
    .env(&["OMNIMESSAGE_SMPP_MAX_COMMAND_LENGTH"]);
    /// `api_connect_timeout_ms`.
    pub const API_CONNECT_TIMEOUT_MS: KeyDoc = KeyDoc::new(
        Global,
        "api_connect_timeout_ms",
        K::Integer,
        D::Int(5000),
        "Time allowed to open a connection to the core.",
    )
    .unit("ms")
    .range(100, 300_000)
    .env(&["OMNIMESSAGE_SMPP_API_CONNECT_TIMEOUT_MS"]);
    /// `api_send_timeout_ms`.
    pub const API_SEND_TIMEOUT_MS: KeyDoc = KeyDoc::new(
        Global,
        "api_send_timeout_ms",
        K::Integer,
        D::Int(5000),
        "Time allowed to send a request to the core.",
    )
    .unit("ms")
    .range(100, 300_000)
    .env(&["OMNIMESSAGE_SMPP_API_SEND_TIMEOUT_MS"]);
    /// `api_recv_timeout_ms`.
    pub const API_RECV_TIMEOUT_MS: KeyDoc = KeyDoc::new(
        Global,
        "api_recv_timeout_ms",
        K::Integer,
        D::Int(5000),
        "Time allowed to receive the core's response.",
    )
    .unit("ms")
    .range(100, 300_000)
    .env(&["OMNIMESSAGE_SMPP_API_RECV_TIMEOUT_MS"]);
    /// `api_pool_threads`.
    pub const API_POOL_THREADS: KeyDoc = KeyDoc::new(
        Global,
        "api_pool_threads",
        K::Integer,
        D::Int(8),
        "Threads making HTTP calls to the core (each holds one keep-alive connection).",
    )
    .range(1, 256)
    .env(&["OMNIMESSAGE_SMPP_API_POOL_THREADS"]);
}

/// Keys of the `[listen]` table.
pub mod listen {
    use crate::keys::{DefaultValue as D, KeyDoc, Section::Listen, ValueKind as K};

    /// `listen.enabled`.
    pub const ENABLED: KeyDoc = KeyDoc::new(
        Listen,
        "enabled",
        K::Boolean,
        D::Described(
            "`true` if a server bind exists or any `[listen]` key is given (file or environment)",
        ),
        "Run the SMPP listener for partners (server binds).",
    )
    .env(&["OMNIMESSAGE_SMPP_LISTEN_ENABLED"]);
    /// `listen.host`.
    pub const HOST: KeyDoc = KeyDoc::new(
        Listen,
        "host",
        K::IpAddr,
        D::Str("0.0.0.0"),
        "Address the SMPP listener binds to (`0.0.0.0` = all IPv4 interfaces, `::` = all).",
    )
    .env(&["OMNIMESSAGE_SMPP_LISTEN_HOST"]);
    /// `listen.port`.
    pub const PORT: KeyDoc = KeyDoc::new(
        Listen,
        "port",
        K::Integer,
        D::Int(2775),
        "TCP port of the SMPP listener.",
    )
    .range(1, 65535)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_PORT"]);
    /// `listen.max_connections`.
    pub const MAX_CONNECTIONS: KeyDoc = KeyDoc::new(
        Listen,
        "max_connections",
        K::Integer,
        D::Int(100),
        "Most simultaneous partner connections; further connections are closed at once.",
    )
    .range(1, 10_000)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_MAX_CONNECTIONS"]);
    /// `listen.bind_timeout`.
    pub const BIND_TIMEOUT: KeyDoc = KeyDoc::new(
        Listen,
        "bind_timeout",
        K::Integer,
        D::Int(30),
        "Time a new connection has to send its bind PDU before it is closed.",
    )
    .unit("s")
    .range(1, 600)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_BIND_TIMEOUT"]);
    /// `listen.bind_failure_limit`.
    pub const BIND_FAILURE_LIMIT: KeyDoc = KeyDoc::new(
        Listen,
        "bind_failure_limit",
        K::Integer,
        D::Int(0),
        "Failed binds (wrong password or unknown system_id) from one IP address within \
         `bind_failure_window` that lock the address out; `0` = no lockout.",
    )
    .range(0, 1000)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_BIND_FAILURE_LIMIT"]);
    /// `listen.bind_failure_window`.
    pub const BIND_FAILURE_WINDOW: KeyDoc = KeyDoc::new(
        Listen,
        "bind_failure_window",
        K::Integer,
        D::Int(60),
        "Time over which failed binds are counted, from the first one.",
    )
    .unit("s")
    .range(1, 86_400)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_BIND_FAILURE_WINDOW"]);
    /// `listen.lockout_duration`.
    pub const LOCKOUT_DURATION: KeyDoc = KeyDoc::new(
        Listen,
        "lockout_duration",
        K::Integer,
        D::Int(300),
        "How long new connections from a locked-out IP address are closed at accept.",
    )
    .unit("s")
    .range(1, 86_400)
    .env(&["OMNIMESSAGE_SMPP_LISTEN_LOCKOUT_DURATION"]);
}

/// Keys of the `[metrics]` table.
pub mod metrics {
    use crate::keys::{DefaultValue as D, KeyDoc, Section::Metrics, ValueKind as K};

    /// `metrics.enabled`.
    pub const ENABLED: KeyDoc = KeyDoc::new(
        Metrics,
        "enabled",
        K::Boolean,
        D::Bool(true),
        "Serve Prometheus metrics at `http://host:port/metrics`.",
    )
    .env(&["OMNIMESSAGE_SMPP_METRICS_ENABLED"]);
    /// `metrics.host`.
    pub const HOST: KeyDoc = KeyDoc::new(
        Metrics,
        "host",
        K::IpAddr,
        D::Str("0.0.0.0"),
        "Address of the metrics endpoint.",
    )
    .env(&["OMNIMESSAGE_SMPP_METRICS_HOST"]);
    /// `metrics.port`.
    pub const PORT: KeyDoc = KeyDoc::new(
        Metrics,
        "port",
        K::Integer,
        D::Int(4000),
        "TCP port of the metrics endpoint.",
    )
    .range(1, 65535)
    .env(&["OMNIMESSAGE_SMPP_METRICS_PORT"]);
}

/// Keys of the `[web]` table.
pub mod web {
    use crate::keys::{DefaultValue as D, KeyDoc, Section::Web, ValueKind as K};

    /// `web.enabled`.
    pub const ENABLED: KeyDoc = KeyDoc::new(
        Web,
        "enabled",
        K::Boolean,
        D::Bool(true),
        "Serve the web UI, the JSON status and the admin API.",
    )
    .env(&["OMNIMESSAGE_SMPP_WEB_ENABLED"]);
    /// `web.host`.
    pub const HOST: KeyDoc = KeyDoc::new(
        Web,
        "host",
        K::IpAddr,
        D::Str("0.0.0.0"),
        "Address of the web UI.",
    )
    .env(&["OMNIMESSAGE_SMPP_WEB_HOST"]);
    /// `web.port`.
    pub const PORT: KeyDoc = KeyDoc::new(
        Web,
        "port",
        K::Integer,
        D::Int(8087),
        "TCP port of the web UI.",
    )
    .range(1, 65535)
    .env(&["OMNIMESSAGE_SMPP_WEB_PORT"]);
    /// `web.tls_cert`.
    pub const TLS_CERT: KeyDoc = KeyDoc::new(
        Web,
        "tls_cert",
        K::Path,
        D::Unset,
        "PEM certificate chain for HTTPS; set together with `tls_key` (unset = plain HTTP).",
    )
    .env(&["OMNIMESSAGE_SMPP_WEB_TLS_CERT"]);
    /// `web.tls_key`.
    pub const TLS_KEY: KeyDoc = KeyDoc::new(
        Web,
        "tls_key",
        K::Path,
        D::Unset,
        "PEM private key for HTTPS; set together with `tls_cert`.",
    )
    .env(&["OMNIMESSAGE_SMPP_WEB_TLS_KEY"]);
    /// `web.admin_token`.
    pub const ADMIN_TOKEN: KeyDoc = KeyDoc::new(
        Web,
        "admin_token",
        K::Secret,
        D::Unset,
        "Token operators log in to the web UI with and scripts send as `Authorization: Bearer` \
         (at least 16 characters, e.g. `openssl rand -hex 32`); without it the web UI is not started (a warning names this key).",
    )
    .range(16, 256)
    .env(&["OMNIMESSAGE_SMPP_WEB_ADMIN_TOKEN"]);
}
