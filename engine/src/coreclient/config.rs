//! Settings of the core client pool.

use std::time::Duration;

/// How the pool reaches the core. Built by the binary from the gateway configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreClientConfig {
    /// `api_base_url`: `http://host:port` or `https://host:port`, optionally with a path prefix;
    /// the contract's paths (`/api/...`) are appended to it.
    pub base_url: String,
    /// `smsc_name`: sent as `X-Frontend` on every call.
    pub smsc_name: String,
    /// Number of blocking worker threads (each runs one request at a time).
    pub threads: usize,
    /// Capacity of the job channel; a full channel hands jobs back (back-pressure).
    pub queue_capacity: usize,
    /// Time allowed to open a connection (TCP and TLS handshake).
    pub connect_timeout: Duration,
    /// Time allowed to send the request head, and again to send its body.
    pub send_timeout: Duration,
    /// Time allowed to receive the response head, and again to receive its body.
    pub recv_timeout: Duration,
    /// `verify_ssl_peer`: check the core's TLS certificate. When false, any certificate is
    /// accepted (self-signed test cores); the caller should log a warning at start.
    pub verify_ssl_peer: bool,
    /// Largest response body accepted (a bigger one is a parse error, not an allocation).
    pub max_response_bytes: u64,
}

/// Default per-phase time-out (the contract's "5 s per call").
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

impl CoreClientConfig {
    /// Defaults for everything but the core's address and the frontend's name.
    pub fn new(base_url: impl Into<String>, smsc_name: impl Into<String>) -> CoreClientConfig {
        CoreClientConfig {
            base_url: base_url.into(),
            smsc_name: smsc_name.into(),
            threads: 8,
            queue_capacity: 1024,
            connect_timeout: DEFAULT_TIMEOUT,
            send_timeout: DEFAULT_TIMEOUT,
            recv_timeout: DEFAULT_TIMEOUT,
            verify_ssl_peer: false,
            max_response_bytes: 16 * 1024 * 1024,
        }
    }

    /// Checks the settings, naming the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.base_url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| {
                ConfigError::new("api_base_url", "must start with http:// or https://")
            })?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(ConfigError::new("api_base_url", "has no host"));
        }
        if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::new(
                "api_base_url",
                "must not contain a query, a fragment, spaces or control characters",
            ));
        }
        // Header values must be visible ASCII or spaces (RFC 9110 field-value).
        if self.smsc_name.is_empty()
            || !self
                .smsc_name
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic())
        {
            return Err(ConfigError::new(
                "smsc_name",
                "must be non-empty printable ASCII (it is sent as the X-Frontend header)",
            ));
        }
        if self.threads == 0 {
            return Err(ConfigError::new("threads", "must be at least 1"));
        }
        if self.queue_capacity == 0 {
            return Err(ConfigError::new("queue_capacity", "must be at least 1"));
        }
        for (key, value) in [
            ("connect_timeout", self.connect_timeout),
            ("send_timeout", self.send_timeout),
            ("recv_timeout", self.recv_timeout),
        ] {
            if value.is_zero() {
                return Err(ConfigError::new(key, "must be greater than zero"));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(ConfigError::new("max_response_bytes", "must be at least 1"));
        }
        Ok(())
    }

    /// The base URL without a trailing slash, ready for a `/api/...` path.
    pub(crate) fn trimmed_base_url(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }
}

/// A setting of [`CoreClientConfig`] that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("core client setting `{key}` {reason}")]
pub struct ConfigError {
    /// The offending key.
    pub key: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl ConfigError {
    fn new(key: &'static str, reason: &'static str) -> ConfigError {
        ConfigError { key, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> CoreClientConfig {
        CoreClientConfig::new(url, "smpp_prod_01")
    }

    #[test]
    fn accepts_http_and_https_with_or_without_prefix() {
        for url in [
            "http://127.0.0.1:8080",
            "https://core.example.com/",
            "http://core:80/omni/",
        ] {
            assert_eq!(config(url).validate(), Ok(()), "{url}");
        }
        assert_eq!(
            config("http://core:80/omni/").trimmed_base_url(),
            "http://core:80/omni"
        );
    }

    #[test]
    fn names_the_bad_key() {
        let key = |c: CoreClientConfig| c.validate().map_err(|e| e.key);
        assert_eq!(key(config("core:8080")), Err("api_base_url"));
        assert_eq!(key(config("http://")), Err("api_base_url"));
        assert_eq!(key(config("http://core/?x=1")), Err("api_base_url"));
        let mut c = config("http://core");
        c.smsc_name = "bad\nname".to_owned();
        assert_eq!(key(c), Err("smsc_name"));
        let mut c = config("http://core");
        c.threads = 0;
        assert_eq!(key(c), Err("threads"));
        let mut c = config("http://core");
        c.queue_capacity = 0;
        assert_eq!(key(c), Err("queue_capacity"));
        let mut c = config("http://core");
        c.recv_timeout = std::time::Duration::ZERO;
        assert_eq!(key(c), Err("recv_timeout"));
    }
}
