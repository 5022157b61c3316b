//! Handlers of the contract's endpoints (`/api/...`).

use super::frontends::Registered;
use super::http::Call;
use super::http::Method;
use super::reply::Reply;
use super::store::{InsertError, InsertOutcome, StatusError, ViewFilter};
use super::Shared;
use core_api::paths::{self, parse_delivery_status, query_pairs};
use core_api::rfc3339::format_millis;
use core_api::{
    BatchInsertResult, BatchStatusResult, BatchStatusUpdate, DeliveryReceiptPost,
    DeliveryStatusUpdate, FrontendAck, FrontendRegistration, Health, InsertMessage, InsertResponse,
    FEATURE_BATCH,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::atomic::Ordering::Relaxed;

/// Default and largest `limit` of the queue and the pending view.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
/// Most elements in one batch call.
const MAX_BATCH: usize = 10_000;

/// Routes one `/api/...` call.
pub(crate) fn handle(shared: &Shared, call: &Call<'_>) -> Reply {
    let method = call.method;
    match call.path {
        paths::HEALTH if *method == Method::Get => health(shared),
        paths::FRONTENDS if *method == Method::Post => register(shared, call),
        paths::MESSAGE_QUEUE if *method == Method::Get => message_queue(shared, call),
        paths::MESSAGES if *method == Method::Get => pending_view(shared, call),
        paths::MESSAGES if *method == Method::Post => insert(shared, call),
        paths::MESSAGES_BATCH if *method == Method::Post => batch_only(shared, call, batch_insert),
        paths::DELIVERY_STATUS_BATCH if *method == Method::Put => {
            batch_only(shared, call, batch_status)
        }
        paths::DELIVERY_RECEIPTS if *method == Method::Post => unmatched_receipt(shared, call),
        path => match parse_delivery_status(path) {
            Some(Ok(id)) if *method == Method::Put => delivery_status(shared, call, &id),
            Some(Err(e)) => Reply::error(400, format!("message id in the path: {e}")),
            Some(Ok(_)) => method_not_allowed(call),
            None if is_known(path) => method_not_allowed(call),
            None => Reply::error(404, format!("no such endpoint: {} {}", method, path)),
        },
    }
}

fn is_known(path: &str) -> bool {
    [
        paths::HEALTH,
        paths::FRONTENDS,
        paths::MESSAGE_QUEUE,
        paths::MESSAGES,
        paths::MESSAGES_BATCH,
        paths::DELIVERY_STATUS_BATCH,
        paths::DELIVERY_RECEIPTS,
    ]
    .contains(&path)
}

fn method_not_allowed(call: &Call<'_>) -> Reply {
    Reply::error(
        405,
        format!("method {} not allowed on {}", call.method, call.path),
    )
}

/// Parses a JSON body or answers 400 naming the problem (serde names the field).
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    super::reply::parse_json(body)
}

/// The query's `limit`, defaulted and bounded.
fn limit(query: &[(String, String)]) -> Result<usize, Reply> {
    match query.iter().find(|(k, _)| k == "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some((_, v)) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Reply::error(
                400,
                format!("limit must be an integer 1..={MAX_LIMIT}, got {v:?}"),
            )),
        },
    }
}

fn query(call: &Call<'_>) -> Result<Vec<(String, String)>, Reply> {
    query_pairs(call.query)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Reply::error(400, format!("query string: {e}")))
}

fn health(shared: &Shared) -> Reply {
    let features = if shared.batch {
        vec![FEATURE_BATCH.to_owned()]
    } else {
        Vec::new()
    };
    Reply::json(
        200,
        &Health {
            status: "ok".to_owned(),
            features,
        },
    )
}

fn register(shared: &Shared, call: &Call<'_>) -> Reply {
    let registration: FrontendRegistration = match parse(call.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let name = registration.name.clone();
    match shared.frontends.register(registration, call.now_ms) {
        Ok((registered, expires_ms, ttl_seconds)) => Reply::json(
            if registered == Registered::New {
                201
            } else {
                200
            },
            &FrontendAck {
                name,
                ttl_seconds,
                expires_at: format_millis(expires_ms),
            },
        ),
        Err(reason) => Reply::error(400, reason),
    }
}

fn message_queue(shared: &Shared, call: &Call<'_>) -> Reply {
    let query = match query(call) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    let Some((_, dest)) = query.iter().find(|(k, _)| k == "destination_smsc") else {
        return Reply::error(400, "destination_smsc is required");
    };
    if dest.is_empty() {
        return Reply::error(400, "destination_smsc is empty");
    }
    let limit = match limit(&query) {
        Ok(n) => n,
        Err(reply) => return reply,
    };
    Reply::json(200, &shared.store.lease(dest, limit, call.now_ms))
}

fn pending_view(shared: &Shared, call: &Call<'_>) -> Reply {
    let query = match query(call) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    let filter = match query
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
    {
        None | Some("pending") => ViewFilter::Pending,
        Some("leased") => ViewFilter::Leased,
        Some("all") => ViewFilter::All,
        Some(other) => {
            return Reply::error(
                400,
                format!("status must be pending, leased or all, got {other:?}"),
            )
        }
    };
    let dest = query
        .iter()
        .find(|(k, _)| k == "dest_smsc")
        .map(|(_, v)| v.as_str());
    let limit = match limit(&query) {
        Ok(n) => n,
        Err(reply) => return reply,
    };
    Reply::json(
        200,
        &shared.store.pending_view(dest, filter, limit, call.now_ms),
    )
}

fn insert_one(
    shared: &Shared,
    call: &Call<'_>,
    msg: InsertMessage,
) -> Result<InsertOutcome, InsertError> {
    shared.store.insert(msg, call.frontend, call.now_ms)
}

fn insert(shared: &Shared, call: &Call<'_>) -> Reply {
    let msg: InsertMessage = match parse(call.body) {
        Ok(m) => m,
        Err(reply) => {
            shared.store.counters.inserts_rejected.fetch_add(1, Relaxed);
            return reply;
        }
    };
    match insert_one(shared, call, msg) {
        Ok(outcome) => Reply::json(
            if outcome.created { 201 } else { 200 },
            &InsertResponse {
                id: outcome.id.to_string(),
            },
        ),
        Err(InsertError(reason)) => Reply::error(400, reason),
    }
}

fn batch_only(shared: &Shared, call: &Call<'_>, handler: fn(&Shared, &Call<'_>) -> Reply) -> Reply {
    if shared.batch {
        handler(shared, call)
    } else {
        Reply::error(404, "the batch extension is turned off on this core")
    }
}

/// A batch element that did not parse.
struct BadElement {
    reason: String,
    /// Its `id`, when it had one.
    id: Option<String>,
}

/// Parses a batch: the whole array at once, or element by element when some element is bad
/// (so the good ones still go through and the bad ones are named).
fn parse_batch<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<Result<T, BadElement>>, Reply> {
    let items = match serde_json::from_slice::<Vec<T>>(body) {
        Ok(items) => items.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(_) => {
            let values: Vec<Value> = serde_json::from_slice(body)
                .map_err(|e| Reply::bad_body(format!("expected a JSON array: {e}")))?;
            values
                .into_iter()
                .map(|v| {
                    let id = v.get("id").map(|id| match id.as_str() {
                        Some(text) => text.to_owned(),
                        None => id.to_string(),
                    });
                    serde_path_to_error::deserialize(v).map_err(|e| BadElement {
                        reason: format!("{}: {}", e.path(), e.inner()),
                        id,
                    })
                })
                .collect()
        }
    };
    if items.len() > MAX_BATCH {
        return Err(Reply::error(
            413,
            format!("batch of {} elements; at most {MAX_BATCH}", items.len()),
        ));
    }
    Ok(items)
}

fn batch_insert(shared: &Shared, call: &Call<'_>) -> Reply {
    let items = match parse_batch::<InsertMessage>(call.body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let results: Vec<BatchInsertResult> = items
        .into_iter()
        .map(|item| {
            let outcome = item
                .map_err(|e| {
                    shared.store.counters.inserts_rejected.fetch_add(1, Relaxed);
                    format!("invalid element: {}", e.reason)
                })
                .and_then(|msg| insert_one(shared, call, msg).map_err(|InsertError(e)| e));
            match outcome {
                Ok(o) => BatchInsertResult {
                    status: if o.created { 201 } else { 200 },
                    id: Some(o.id.to_string()),
                    error: None,
                },
                Err(e) => BatchInsertResult {
                    status: 400,
                    id: None,
                    error: Some(e),
                },
            }
        })
        .collect();
    Reply::json(200, &results)
}

fn status_reply(
    result: Result<super::store::MsgState, StatusError>,
    id: &str,
) -> (u16, Option<String>) {
    match result {
        Ok(_) => (200, None),
        Err(StatusError::UnknownId) => (404, Some(format!("unknown message id {id:?}"))),
        Err(StatusError::Invalid(reason)) => (400, Some(reason)),
    }
}

fn delivery_status(shared: &Shared, call: &Call<'_>, id: &str) -> Reply {
    let update: DeliveryStatusUpdate = match parse(call.body) {
        Ok(u) => u,
        Err(reply) => return reply,
    };
    let result = shared.store.apply_status(id, &update, call.now_ms);
    let state = result.as_ref().ok().map(|s| s.as_str());
    match status_reply(result, id) {
        (200, _) => Reply::json(
            200,
            &serde_json::json!({"id": id, "state": state.unwrap_or("unknown")}),
        ),
        (status, reason) => Reply::error(status, reason.unwrap_or_default()),
    }
}

fn batch_status(shared: &Shared, call: &Call<'_>) -> Reply {
    let items = match parse_batch::<BatchStatusUpdate>(call.body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let results: Vec<BatchStatusResult> = items
        .into_iter()
        .map(|item| match item {
            Ok(BatchStatusUpdate { id, update }) => {
                let (status, error) =
                    status_reply(shared.store.apply_status(&id, &update, call.now_ms), &id);
                BatchStatusResult { id, status, error }
            }
            Err(e) => BatchStatusResult {
                id: e.id.unwrap_or_default(),
                status: 400,
                error: Some(format!("invalid element: {}", e.reason)),
            },
        })
        .collect();
    Reply::json(200, &results)
}

fn unmatched_receipt(shared: &Shared, call: &Call<'_>) -> Reply {
    let receipt: DeliveryReceiptPost = match parse(call.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if receipt.smsc_message_id.trim().is_empty() {
        return Reply::error(400, "smsc_message_id is empty");
    }
    let id = shared.store.add_unmatched_receipt(receipt, call.now_ms);
    Reply::json(201, &InsertResponse { id })
}
