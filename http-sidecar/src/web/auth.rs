//! Who may use the web UI: one admin token, exchanged at the login form for a session cookie
//! (HttpOnly, SameSite=Strict) or sent by scripts as `Authorization: Bearer <token>`.
//!
//! A session also carries a CSRF token the pages send back in `X-CSRF-Token` with every
//! mutating call; bearer calls carry no ambient credential and need none.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;

use tiny_http::Request;

use crate::http::request_header;
use crate::view::now_millis;

/// Name of the session cookie.
pub(crate) const SESSION_COOKIE: &str = "omsmpp_session";
/// How long a session lives without a new login.
pub(crate) const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Most sessions kept; the oldest goes first.
const MAX_SESSIONS: usize = 256;

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A browser session and its CSRF token.
    Session {
        /// The token mutating calls must echo.
        csrf: String,
    },
    /// A script with the admin token.
    Bearer,
}

#[derive(Debug, Clone)]
struct Session {
    csrf: String,
    expires_ms: i64,
}

/// Live sessions (only web threads take this lock).
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
}

/// `count` random bytes from the kernel, hex-encoded.
pub(crate) fn random_hex(count: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; count];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn secrets_equal(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` header.
pub(crate) fn cookie(request: &Request, name: &str) -> Option<String> {
    let header = request_header(request, "Cookie")?;
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        match self.sessions.lock() {
            Ok(sessions) => sessions,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Opens a session; returns its id.
    pub(crate) fn open(&self) -> std::io::Result<String> {
        let id = random_hex(32)?;
        let csrf = random_hex(32)?;
        let now = now_millis();
        let mut sessions = self.lock();
        sessions.retain(|_, session| session.expires_ms > now);
        if sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, session)| session.expires_ms)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                csrf,
                expires_ms: now + SESSION_TTL_MS,
            },
        );
        Ok(id)
    }

    /// Ends the request's session, if any.
    pub(crate) fn close(&self, request: &Request) {
        if let Some(id) = cookie(request, SESSION_COOKIE) {
            self.lock().remove(&id);
        }
    }

    /// Who sent `request`, if anyone with the right to.
    pub(crate) fn caller(&self, request: &Request, admin_token: &str) -> Option<Caller> {
        if let Some(bearer) =
            request_header(request, "Authorization").and_then(|h| h.strip_prefix("Bearer "))
        {
            return secrets_equal(admin_token, bearer.trim()).then_some(Caller::Bearer);
        }
        let id = cookie(request, SESSION_COOKIE)?;
        let now = now_millis();
        let sessions = self.lock();
        let session = sessions.get(&id).filter(|s| s.expires_ms > now)?;
        Some(Caller::Session {
            csrf: session.csrf.clone(),
        })
    }
}

impl Caller {
    /// Whether a mutating request from this caller carries what it must against CSRF.
    pub(crate) fn may_mutate(&self, request: &Request) -> bool {
        match self {
            Caller::Bearer => true,
            Caller::Session { csrf } => request_header(request, "X-CSRF-Token")
                .is_some_and(|given| secrets_equal(csrf, given)),
        }
    }

    /// The CSRF token of a session (empty for bearer callers).
    pub(crate) fn csrf(&self) -> &str {
        match self {
            Caller::Session { csrf } => csrf,
            Caller::Bearer => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(secrets_equal("s3cret-token", "s3cret-token"));
        assert!(!secrets_equal("s3cret-token", "s3cret-tokeN"));
        assert!(!secrets_equal("s3cret-token", "s3cret"));
        assert!(!secrets_equal("s3cret", ""));
    }

    #[test]
    fn random_ids_differ() {
        let a = random_hex(16).ok();
        let b = random_hex(16).ok();
        assert_eq!(a.as_ref().map(String::len), Some(32));
        assert_ne!(a, b);
    }
}
