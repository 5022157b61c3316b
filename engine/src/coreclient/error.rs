//! Errors of core calls, classified the way operators and the retry logic need them.
//!
//! The contract's rule: a `4xx` means the request itself is wrong (do not send the same body
//! again), while `5xx`, time-outs and connection errors mean the core is unavailable (retry or
//! cache). [`CoreError::is_temporary`] answers that question; [`CoreError::kind`] gives the
//! bounded label used by metrics, and `Display` gives the text of the log pattern
//! `api <endpoint> connection refused|timeout|http 503|parse error`.

use std::io;

/// Why a call to the core failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// The core could not be reached: connection refused, host or network unreachable, name not
    /// resolved.
    #[error("connection refused ({detail})")]
    ConnectionRefused {
        /// What the operating system or resolver said.
        detail: String,
    },
    /// A per-phase time-out expired.
    #[error("timeout ({phase})")]
    Timeout {
        /// The phase that ran out of time: `connect`, `send_request`, `send_body`,
        /// `recv_response`, `recv_body`, ...
        phase: &'static str,
    },
    /// The core answered with a status the call does not accept.
    #[error("http {status}{}", reason_suffix(.body_reason))]
    Http {
        /// HTTP status code.
        status: u16,
        /// The `error` field of the core's JSON error body, or the start of the body text.
        body_reason: String,
    },
    /// The answer could not be read as the expected JSON (or was not valid HTTP).
    #[error("parse error ({detail})")]
    Parse {
        /// What did not parse, naming the field when serde knows it.
        detail: String,
    },
    /// TLS handshake or certificate failure.
    #[error("tls error ({detail})")]
    Tls {
        /// The TLS library's reason.
        detail: String,
    },
    /// The connection broke during the exchange (reset, closed early, ...).
    #[error("io error ({detail})")]
    Io {
        /// The I/O error.
        detail: String,
    },
    /// The pool was shut down before the job ran.
    #[error("core client pool shut down")]
    Shutdown,
    /// Anything else (a bad URL, an internal fault).
    #[error("error ({detail})")]
    Other {
        /// Description.
        detail: String,
    },
}

fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

/// Bounded classification of a [`CoreError`], for per-kind counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`CoreError::ConnectionRefused`].
    ConnectionRefused,
    /// See [`CoreError::Timeout`].
    Timeout,
    /// An HTTP status in 400..=499.
    Http4xx,
    /// An HTTP status in 500..=599.
    Http5xx,
    /// Any other unexpected HTTP status (1xx/3xx, or a 2xx the call does not accept).
    HttpStatus,
    /// See [`CoreError::Parse`].
    Parse,
    /// See [`CoreError::Tls`].
    Tls,
    /// See [`CoreError::Io`].
    Io,
    /// See [`CoreError::Shutdown`].
    Shutdown,
    /// See [`CoreError::Other`].
    Other,
}

impl ErrorKind {
    /// Number of kinds (size of per-kind tables).
    pub const COUNT: usize = 10;

    /// Every kind, in [`ErrorKind::index`] order.
    pub const ALL: [ErrorKind; ErrorKind::COUNT] = [
        ErrorKind::ConnectionRefused,
        ErrorKind::Timeout,
        ErrorKind::Http4xx,
        ErrorKind::Http5xx,
        ErrorKind::HttpStatus,
        ErrorKind::Parse,
        ErrorKind::Tls,
        ErrorKind::Io,
        ErrorKind::Shutdown,
        ErrorKind::Other,
    ];

    /// Position in [`ErrorKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable metric label.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::ConnectionRefused => "connection_refused",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Http4xx => "http_4xx",
            ErrorKind::Http5xx => "http_5xx",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Parse => "parse_error",
            ErrorKind::Tls => "tls_error",
            ErrorKind::Io => "io_error",
            ErrorKind::Shutdown => "shutdown",
            ErrorKind::Other => "other",
        }
    }
}

impl CoreError {
    /// The bounded kind of this error.
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            CoreError::ConnectionRefused { .. } => ErrorKind::ConnectionRefused,
            CoreError::Timeout { .. } => ErrorKind::Timeout,
            CoreError::Http { status, .. } => match status {
                400..=499 => ErrorKind::Http4xx,
                500..=599 => ErrorKind::Http5xx,
                _ => ErrorKind::HttpStatus,
            },
            CoreError::Parse { .. } => ErrorKind::Parse,
            CoreError::Tls { .. } => ErrorKind::Tls,
            CoreError::Io { .. } => ErrorKind::Io,
            CoreError::Shutdown => ErrorKind::Shutdown,
            CoreError::Other { .. } => ErrorKind::Other,
        }
    }

    /// Stable label of the kind (`connection_refused`, `timeout`, `http_4xx`, `http_5xx`,
    /// `http_status`, `parse_error`, `tls_error`, `io_error`, `shutdown`, `other`).
    pub fn kind(&self) -> &'static str {
        self.error_kind().label()
    }

    /// True when the same request may succeed later (retry it, or hold it in the cache).
    ///
    /// Only a `4xx` is permanent, as the contract says, except `408 Request Timeout` and
    /// `429 Too Many Requests`, which a proxy in front of the core sends for load, not for a
    /// wrong body. A garbled answer is temporary too: the core may have applied the request,
    /// and every call is safe to repeat (inserts are idempotent by `frontend_message_id`).
    pub fn is_temporary(&self) -> bool {
        match self {
            CoreError::Http { status, .. } => {
                !(400..=499).contains(status) || *status == 408 || *status == 429
            }
            _ => true,
        }
    }

    /// The HTTP status, when the core answered with one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            CoreError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Classifies a transport-level error from ureq.
    pub(crate) fn from_ureq(error: ureq::Error) -> CoreError {
        match error {
            ureq::Error::Timeout(phase) => CoreError::Timeout {
                phase: timeout_phase(phase),
            },
            ureq::Error::Io(e) => CoreError::from_io(&e),
            ureq::Error::ConnectionFailed => CoreError::ConnectionRefused {
                detail: "connection failed".to_owned(),
            },
            ureq::Error::HostNotFound => CoreError::ConnectionRefused {
                detail: "host not found".to_owned(),
            },
            ureq::Error::StatusCode(status) => CoreError::Http {
                status,
                body_reason: String::new(),
            },
            ureq::Error::Protocol(e) => CoreError::Parse {
                detail: format!("http: {e}"),
            },
            ureq::Error::LargeResponseHeader(size, limit) => CoreError::Parse {
                detail: format!("response header of {size} bytes exceeds {limit}"),
            },
            ureq::Error::BodyExceedsLimit(limit) => CoreError::Parse {
                detail: format!("response body exceeds {limit} bytes"),
            },
            ureq::Error::Json(e) => CoreError::Parse {
                detail: e.to_string(),
            },
            e @ (ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::TlsRequired) => CoreError::Tls {
                detail: e.to_string(),
            },
            other => CoreError::Other {
                detail: other.to_string(),
            },
        }
    }

    /// Classifies an I/O error met while talking to the core.
    pub(crate) fn from_io(error: &io::Error) -> CoreError {
        match error.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NotConnected => CoreError::ConnectionRefused {
                detail: error.to_string(),
            },
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                CoreError::Timeout { phase: "io" }
            }
            _ => match error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                // rustls reports handshake and certificate failures as an io::Error wrapping
                // its own error.
                Some(tls) => CoreError::Tls {
                    detail: tls.to_string(),
                },
                None => CoreError::Io {
                    detail: error.to_string(),
                },
            },
        }
    }
}

fn timeout_phase(phase: ureq::Timeout) -> &'static str {
    match phase {
        ureq::Timeout::Connect => "connect",
        ureq::Timeout::Resolve => "resolve",
        ureq::Timeout::SendRequest => "send_request",
        ureq::Timeout::SendBody => "send_body",
        ureq::Timeout::RecvResponse => "recv_response",
        ureq::Timeout::RecvBody => "recv_body",
        ureq::Timeout::PerRead => "read",
        ureq::Timeout::PerWrite => "write",
        ureq::Timeout::Global | ureq::Timeout::PerCall => "call",
        _ => "other",
    }
}
