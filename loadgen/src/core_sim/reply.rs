//! JSON answers.

use core_api::ErrorBody;
use serde::Serialize;

/// An answer: status and JSON body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// Ask the client to drop the connection.
    pub(crate) close: bool,
}

impl Reply {
    /// `status` with `value` as JSON.
    pub(crate) fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body,
                close: false,
            },
            Err(e) => Reply::error(500, format!("cannot encode the answer: {e}")),
        }
    }

    /// `status` with `{"error": reason}`.
    pub(crate) fn error(status: u16, reason: impl Into<String>) -> Reply {
        let body = serde_json::to_vec(&ErrorBody {
            error: reason.into(),
        })
        .unwrap_or_else(|_| b"{\"error\":\"unknown\"}".to_vec());
        Reply {
            status,
            body,
            close: false,
        }
    }

    /// 400 naming what is wrong with the body.
    pub(crate) fn bad_body(error: impl std::fmt::Display) -> Reply {
        Reply::error(400, format!("invalid body: {error}"))
    }
}

/// Parses a JSON body; the error names the field at fault (`binds[0].mode: unknown variant ..`).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            Reply::bad_body(e.into_inner())
        } else {
            Reply::bad_body(format!("{path}: {}", e.into_inner()))
        }
    })?;
    deserializer.end().map_err(Reply::bad_body)?;
    Ok(value)
}
