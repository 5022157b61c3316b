//! Fault injection for reliability tests (`POST /admin/faults`). Faults apply to the contract's
//! paths (`/api/...` by default), never to `/admin/...`, so a test can always turn them off.

use crate::core_sim::store::lock;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// Longest hang or refusal accepted (10 minutes).
pub const MAX_FAULT_MS: u64 = 600_000;

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// No fault.
    Ok,
    /// Answer `503 {"error":"fault injected"}` without doing anything.
    #[serde(rename = "http_503")]
    Http503,
    /// Answer with `status` (500..=599) without doing anything.
    HttpError,
    /// Hold the answer `hang_ms`, then process the call normally.
    #[serde(alias = "hang_ms")]
    Hang,
    /// Answer `200` with a truncated JSON body, without doing anything.
    MalformedJson,
    /// Close the listener for `for_ms`: new connections are refused.
    Refuse,
}

/// `POST /admin/faults` body, also the `GET /admin/faults` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRequest {
    /// The fault; may be left out when `hang_ms` is given (then it is `hang`).
    #[serde(default)]
    pub mode: Option<FaultMode>,
    /// Delay of `hang`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang_ms: Option<u64>,
    /// Status of `http_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Duration of `refuse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    /// Only paths starting with this are affected (default `/api/`; must start with `/api/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Only the next `count` matching calls are affected, then the fault clears itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl FaultRequest {
    /// A request for `mode` with no options.
    pub fn mode(mode: FaultMode) -> FaultRequest {
        FaultRequest {
            mode: Some(mode),
            hang_ms: None,
            status: None,
            for_ms: None,
            path_prefix: None,
            count: None,
        }
    }
}

/// What to do with one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Process normally.
    Proceed,
    /// Answer this status with an error body.
    Status(u16),
    /// Answer 200 with a broken body.
    Malformed,
    /// Wait, then process normally.
    Hang(u64),
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Status(u16),
    Hang(u64),
    Malformed,
}

struct Active {
    kind: Kind,
    path_prefix: String,
    remaining: Option<u64>,
    request: FaultRequest,
}

/// The current fault; an atomic flag keeps the no-fault path lock-free.
#[derive(Default)]
pub(crate) struct Faults {
    armed: AtomicBool,
    active: Mutex<Option<Active>>,
    injected: AtomicU64,
}

/// What `set` asks the caller to do beyond arming a per-call fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOutcome {
    /// The fault is armed (or cleared).
    Armed,
    /// Close the listener for this many milliseconds.
    Refuse(u64),
}

impl Faults {
    /// Arms, replaces or clears the fault.
    pub(crate) fn set(&self, request: FaultRequest) -> Result<SetOutcome, String> {
        let mode = match (request.mode, request.hang_ms) {
            (Some(mode), _) => mode,
            (None, Some(_)) => FaultMode::Hang,
            (None, None) => return Err("mode is required".to_owned()),
        };
        let path_prefix = request
            .path_prefix
            .clone()
            .unwrap_or_else(|| "/api/".into());
        if !path_prefix.starts_with("/api/") {
            return Err("path_prefix must start with /api/".to_owned());
        }
        if request.count == Some(0) {
            return Err("count must be at least 1".to_owned());
        }
        let kind = match mode {
            FaultMode::Ok => {
                self.clear();
                return Ok(SetOutcome::Armed);
            }
            FaultMode::Refuse => {
                let ms = request
                    .for_ms
                    .ok_or_else(|| "refuse needs for_ms".to_owned())?;
                if ms == 0 || ms > MAX_FAULT_MS {
                    return Err(format!("for_ms must be 1..={MAX_FAULT_MS}"));
                }
                return Ok(SetOutcome::Refuse(ms));
            }
            FaultMode::Http503 => Kind::Status(503),
            FaultMode::HttpError => {
                let status = request
                    .status
                    .ok_or_else(|| "http_error needs status".to_owned())?;
                if !(500..=599).contains(&status) {
                    return Err("status must be 500..=599".to_owned());
                }
                Kind::Status(status)
            }
            FaultMode::Hang => {
                let ms = request
                    .hang_ms
                    .ok_or_else(|| "hang needs hang_ms".to_owned())?;
                if ms == 0 || ms > MAX_FAULT_MS {
                    return Err(format!("hang_ms must be 1..={MAX_FAULT_MS}"));
                }
                Kind::Hang(ms)
            }
            FaultMode::MalformedJson => Kind::Malformed,
        };
        let mut active = lock(&self.active);
        *active = Some(Active {
            kind,
            path_prefix,
            remaining: request.count,
            request: FaultRequest {
                mode: Some(mode),
                ..request
            },
        });
        self.armed.store(true, Relaxed);
        Ok(SetOutcome::Armed)
    }

    /// Clears any fault.
    pub(crate) fn clear(&self) {
        let mut active = lock(&self.active);
        *active = None;
        self.armed.store(false, Relaxed);
    }

    /// The armed fault (`mode: ok` when none), with `count` showing the calls it has left.
    pub(crate) fn current(&self) -> FaultRequest {
        let active = lock(&self.active);
        match active.as_ref() {
            Some(a) => FaultRequest {
                count: a.remaining,
                ..a.request.clone()
            },
            None => FaultRequest::mode(FaultMode::Ok),
        }
    }

    /// Calls a fault has been applied to.
    pub(crate) fn injected(&self) -> u64 {
        self.injected.load(Relaxed)
    }

    /// Decides the fate of a call to `path`.
    pub(crate) fn decide(&self, path: &str) -> Decision {
        if !self.armed.load(Relaxed) {
            return Decision::Proceed;
        }
        let mut guard = lock(&self.active);
        let Some(active) = guard.as_mut() else {
            return Decision::Proceed;
        };
        if !path.starts_with(&active.path_prefix) {
            return Decision::Proceed;
        }
        let decision = match active.kind {
            Kind::Status(status) => Decision::Status(status),
            Kind::Hang(ms) => Decision::Hang(ms),
            Kind::Malformed => Decision::Malformed,
        };
        if let Some(remaining) = active.remaining.as_mut() {
            *remaining -= 1;
            if *remaining == 0 {
                *guard = None;
                self.armed.store(false, Relaxed);
            }
        }
        self.injected.fetch_add(1, Relaxed);
        decision
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counted_fault_clears_itself_and_respects_prefix() {
        let faults = Faults::default();
        let mut req = FaultRequest::mode(FaultMode::Http503);
        req.count = Some(2);
        req.path_prefix = Some("/api/messages".into());
        assert_eq!(faults.set(req), Ok(SetOutcome::Armed));
        assert_eq!(faults.decide("/api/system/health"), Decision::Proceed);
        assert_eq!(faults.decide("/api/messages"), Decision::Status(503));
        assert_eq!(faults.current().count, Some(1));
        assert_eq!(
            faults.decide("/api/messages/1/delivery_status"),
            Decision::Status(503)
        );
        assert_eq!(faults.decide("/api/messages"), Decision::Proceed);
        assert_eq!(faults.current().mode, Some(FaultMode::Ok));
        assert_eq!(faults.injected(), 2);
    }

    #[test]
    fn bad_requests_are_refused() {
        let faults = Faults::default();
        let none: FaultRequest = serde_json::from_str("{}").unwrap();
        assert!(faults.set(none).is_err());
        let hang: FaultRequest = serde_json::from_str(r#"{"hang_ms":250}"#).unwrap();
        assert_eq!(faults.set(hang), Ok(SetOutcome::Armed));
        assert_eq!(faults.decide("/api/x"), Decision::Hang(250));
        let alias: FaultRequest = serde_json::from_str(r#"{"mode":"hang_ms"}"#).unwrap();
        assert!(faults.set(alias).unwrap_err().contains("hang_ms"));
        let admin: FaultRequest =
            serde_json::from_str(r#"{"mode":"http_503","path_prefix":"/admin/"}"#).unwrap();
        assert!(faults.set(admin).is_err());
        let refuse: FaultRequest = serde_json::from_str(r#"{"mode":"refuse"}"#).unwrap();
        assert!(faults.set(refuse).unwrap_err().contains("for_ms"));
        let status: FaultRequest =
            serde_json::from_str(r#"{"mode":"http_error","status":404}"#).unwrap();
        assert!(faults.set(status).is_err());
        faults.clear();
        assert_eq!(faults.decide("/api/x"), Decision::Proceed);
    }
}
