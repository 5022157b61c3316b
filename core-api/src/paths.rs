//! Endpoint paths of the contract, built and parsed with the same percent-encoding on both sides.
//!
//! Bind names and ids are encoded as RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) plus
//! `%XX` escapes for every other byte of their UTF-8 form, so any name survives a query string
//! or a path segment.

use std::fmt;

/// `GET` health check.
pub const HEALTH: &str = "/api/system/health";
/// `POST` frontend registration.
pub const FRONTENDS: &str = "/api/frontends";
/// `GET` MT queue (with `destination_smsc` and `limit` query parameters).
pub const MESSAGE_QUEUE: &str = "/api/message_queue";
/// `POST` insert; `GET` the read-only pending view (extension).
pub const MESSAGES: &str = "/api/messages";
/// `POST` batch insert.
pub const MESSAGES_BATCH: &str = "/api/messages/batch";
/// `PUT` batch delivery status.
pub const DELIVERY_STATUS_BATCH: &str = "/api/delivery_status/batch";
/// `POST` an unmatched delivery receipt.
pub const DELIVERY_RECEIPTS: &str = "/api/delivery_receipts";

const MESSAGES_PREFIX: &str = "/api/messages/";
const DELIVERY_STATUS_SUFFIX: &str = "/delivery_status";

/// `GET /api/message_queue?destination_smsc=<bind>&limit=<n>`.
pub fn message_queue(destination_smsc: &str, limit: u32) -> String {
    let mut out = String::with_capacity(MESSAGE_QUEUE.len() + destination_smsc.len() + 40);
    out.push_str(MESSAGE_QUEUE);
    out.push_str("?destination_smsc=");
    encode_into(destination_smsc, &mut out);
    out.push_str("&limit=");
    out.push_str(&limit.to_string());
    out
}

/// `PUT /api/messages/<id>/delivery_status`, the id percent-encoded.
pub fn delivery_status(id: &str) -> String {
    let mut out = String::with_capacity(MESSAGES_PREFIX.len() + id.len() + 20);
    out.push_str(MESSAGES_PREFIX);
    encode_into(id, &mut out);
    out.push_str(DELIVERY_STATUS_SUFFIX);
    out
}

/// `GET /api/messages?status=..&dest_smsc=..&limit=..` (the pending view; absent filters are
/// left out).
pub fn messages_view(status: Option<&str>, dest_smsc: Option<&str>, limit: Option<u32>) -> String {
    let mut out = String::from(MESSAGES);
    let mut sep = '?';
    for (key, value) in [("status", status), ("dest_smsc", dest_smsc)] {
        if let Some(value) = value {
            out.push(sep);
            out.push_str(key);
            out.push('=');
            encode_into(value, &mut out);
            sep = '&';
        }
    }
    if let Some(limit) = limit {
        out.push(sep);
        out.push_str("limit=");
        out.push_str(&limit.to_string());
    }
    out
}

/// Server side: the decoded id of a `/api/messages/<id>/delivery_status` path, `None` when the
/// path has another shape.
pub fn parse_delivery_status(path: &str) -> Option<Result<String, PercentDecodeError>> {
    let segment = path
        .strip_prefix(MESSAGES_PREFIX)?
        .strip_suffix(DELIVERY_STATUS_SUFFIX)?;
    if segment.is_empty() || segment.contains('/') {
        return None;
    }
    Some(percent_decode(segment, false))
}

/// Splits a request target into its path and its query (empty when absent).
pub fn split_target(target: &str) -> (&str, &str) {
    match target.split_once('?') {
        Some((path, query)) => (path, query),
        None => (target, ""),
    }
}

/// Decoded `key=value` pairs of a query string (`+` is a space); empty pairs are skipped.
pub fn query_pairs(
    query: &str,
) -> impl Iterator<Item = Result<(String, String), PercentDecodeError>> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        Ok((percent_decode(key, true)?, percent_decode(value, true)?))
    })
}

/// Appends `text` percent-encoded (everything but RFC 3986 unreserved characters).
pub fn encode_into(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

/// `text` percent-encoded.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(text, &mut out);
    out
}

/// Why a percent-encoded string could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentDecodeError {
    /// `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

impl fmt::Display for PercentDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PercentDecodeError::BadEscape => "bad percent escape",
            PercentDecodeError::NotUtf8 => "percent-decoded text is not UTF-8",
        })
    }
}

impl std::error::Error for PercentDecodeError {}

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`, as in query strings).
pub fn percent_decode(text: &str, plus_as_space: bool) -> Result<String, PercentDecodeError> {
    if !text
        .bytes()
        .any(|b| b == b'%' || (plus_as_space && b == b'+'))
    {
        return Ok(text.to_owned());
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut iter = text.bytes();
    while let Some(b) = iter.next() {
        match b {
            b'%' => {
                let hi = iter.next().and_then(hex_value);
                let lo = iter.next().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => bytes.push(hi << 4 | lo),
                    _ => return Err(PercentDecodeError::BadEscape),
                }
            }
            b'+' if plus_as_space => bytes.push(b' '),
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| PercentDecodeError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn queue_path_encodes_the_bind_name() {
        assert_eq!(
            message_queue("vodafone_uk", 50),
            "/api/message_queue?destination_smsc=vodafone_uk&limit=50"
        );
        assert_eq!(
            message_queue("a b&c=d/é", 1),
            "/api/message_queue?destination_smsc=a%20b%26c%3Dd%2F%C3%A9&limit=1"
        );
    }

    #[test]
    fn status_path_round_trips_odd_ids() {
        for id in ["184467", "-123456789", "a/b c", "x%y", "ü?#"] {
            let path = delivery_status(id);
            assert_eq!(
                parse_delivery_status(&path),
                Some(Ok(id.to_owned())),
                "{path}"
            );
        }
        assert_eq!(
            delivery_status("7/8"),
            "/api/messages/7%2F8/delivery_status"
        );
        assert_eq!(
            parse_delivery_status("/api/messages/1/2/delivery_status"),
            None
        );
        assert_eq!(
            parse_delivery_status("/api/messages//delivery_status"),
            None
        );
        assert_eq!(parse_delivery_status("/api/messages/1"), None);
    }

    #[test]
    fn query_pairs_decode() {
        let (path, query) = split_target("/api/message_queue?destination_smsc=a%20b+c&limit=5&&x");
        assert_eq!(path, "/api/message_queue");
        let pairs: Vec<_> = query_pairs(query).map(|p| p.unwrap()).collect();
        assert_eq!(
            pairs,
            vec![
                ("destination_smsc".to_owned(), "a b c".to_owned()),
                ("limit".to_owned(), "5".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            query_pairs("a=%zz").next(),
            Some(Err(PercentDecodeError::BadEscape))
        );
        assert_eq!(
            query_pairs("a=%ff").next(),
            Some(Err(PercentDecodeError::NotUtf8))
        );
        assert_eq!(
            percent_decode("%4", false),
            Err(PercentDecodeError::BadEscape)
        );
    }

    #[test]
    fn view_path() {
        assert_eq!(messages_view(None, None, None), "/api/messages");
        assert_eq!(
            messages_view(Some("pending"), Some("carrier a"), Some(10)),
            "/api/messages?status=pending&dest_smsc=carrier%20a&limit=10"
        );
        assert_eq!(messages_view(None, None, Some(3)), "/api/messages?limit=3");
    }
}
