//! Health answer and frontend registration (`frontend_register`).

use serde::{Deserialize, Serialize};

/// The feature flag a core advertises in [`Health::features`] when it serves the batch calls.
pub const FEATURE_BATCH: &str = "batch";

/// `GET /api/system/health` answer: `{"status":"ok","features":["batch"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when healthy; anything else counts as unhealthy.
    pub status: String,
    /// Optional capabilities of the core (e.g. `batch`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl Health {
    /// True when `status` is `ok`.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }

    /// True when the core advertises the batch endpoints.
    pub fn supports_batch(&self) -> bool {
        self.features.iter().any(|f| f == FEATURE_BATCH)
    }
}

/// Which side of an SMPP bind the gateway plays: `client` (ESME towards a carrier) or `server`
/// (SMSC towards a partner). Also the `source_mode` of an inserted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// The gateway connects out to a carrier SMSC.
    Client,
    /// A partner ESME connects in to the gateway.
    Server,
}

impl BindMode {
    /// The wire spelling (`client` / `server`).
    pub fn as_str(self) -> &'static str {
        match self {
            BindMode::Client => "client",
            BindMode::Server => "server",
        }
    }
}

/// One bind in a [`FrontendRegistration`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindEntry {
    /// Bind name (the `dest_smsc` value that selects it).
    pub name: String,
    /// Client or server bind.
    pub mode: BindMode,
    /// Free-form connection state, e.g. `connected`, `disconnected`, `reconnecting`.
    #[serde(default)]
    pub status: String,
}

/// `POST /api/frontends` body, sent at start and every 60 s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendRegistration {
    /// The frontend's `smsc_name`.
    pub name: String,
    /// Frontend type; `smpp` for this gateway.
    #[serde(rename = "type", default = "default_frontend_type")]
    pub frontend_type: String,
    /// Frontend software version.
    #[serde(default)]
    pub version: String,
    /// The core forgets the frontend when it has not re-registered within this many seconds.
    #[serde(default = "default_ttl")]
    pub ttl_seconds: u64,
    /// The frontend's binds and their state.
    #[serde(default)]
    pub binds: Vec<BindEntry>,
}

fn default_frontend_type() -> String {
    "smpp".to_owned()
}

fn default_ttl() -> u64 {
    90
}

/// Answer to a registration (the gateway only checks the 2xx status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendAck {
    /// The registered name.
    pub name: String,
    /// The TTL the core applied.
    pub ttl_seconds: u64,
    /// When the registration lapses unless renewed (RFC 3339).
    #[serde(default)]
    pub expires_at: String,
}
