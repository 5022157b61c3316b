//! The JSON admin API behind the Peers, Queue and Cache pages (see docs/ADMIN-API.md). Each
//! group answers 503 with a reason when the gateway was started without its backend.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tiny_http::{Method, Request};

use super::peers::{self, PeerRejection};
use super::Context;
use crate::http::{form_value, percent_decode, reply_json};
use crate::view::ControlError;

/// Most cached messages or queued messages one call returns.
const MAX_LIST: usize = 1000;
/// Default page size of the lists.
const DEFAULT_LIST: usize = 100;

fn error(request: Request, status: u16, message: &str) {
    reply_json(request, status, &json!({ "error": message }), &[]);
}

fn absent(request: Request, what: &str) {
    let message = format!("{what} is not available on this gateway (no backend configured)");
    error(request, 503, &message);
}

/// The HTTP status of a refused command.
pub(crate) fn control_status(failure: &ControlError) -> u16 {
    match failure {
        ControlError::UnknownBind(_) | ControlError::NotFound(_) => 404,
        ControlError::Invalid(_) => 400,
        ControlError::NotApplicable(_) => 409,
        ControlError::Unavailable(_) => 503,
    }
}

fn outcome(request: Request, result: Result<Value, ControlError>) {
    match result {
        Ok(body) => reply_json(request, 200, &body, &[]),
        Err(failure) => error(request, control_status(&failure), &failure.to_string()),
    }
}

fn limit(query: &str) -> usize {
    form_value(query, "limit")
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_LIST)
        .clamp(1, MAX_LIST)
}

/// Routes `/api/peers/...`, `/api/cache...` and `/api/queue`; hands the request back if `path`
/// is none of them.
pub(crate) fn route(
    context: &Context,
    request: Request,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Option<Request> {
    if path == "/api/peers/schema" && *method == Method::Get {
        reply_json(request, 200, &peers::schema_json(), &[]);
    } else if let Some(rest) = path.strip_prefix("/api/peers/") {
        peers_route(context, request, method, rest, body);
    } else if path == "/api/cache" || path.starts_with("/api/cache/") {
        cache_route(context, request, method, path, query);
    } else if path == "/api/queue" && *method == Method::Get {
        queue_route(context, request, query);
    } else {
        return Some(request);
    }
    None
}

fn peers_route(context: &Context, request: Request, method: &Method, rest: &str, body: &[u8]) {
    let Some(admin) = &context.backends.peers else {
        return absent(request, "peer management");
    };
    let (kind, name) = match rest.split_once('/') {
        Some((kind, name)) => (kind, Some(percent_decode(name, false))),
        None => (rest, None),
    };
    let client = match kind {
        "client" => true,
        "server" => false,
        _ => return error(request, 404, "use /api/peers/client or /api/peers/server"),
    };
    let name = name.filter(|name| !name.is_empty());
    match (method, name) {
        (Method::Get, None) => {
            let list: Vec<Value> = if client {
                admin
                    .client_peers()
                    .iter()
                    .map(peers::client_json)
                    .collect()
            } else {
                admin
                    .server_peers()
                    .iter()
                    .map(peers::server_json)
                    .collect()
            };
            reply_json(request, 200, &json!({ "peers": list }), &[]);
        }
        (Method::Get, Some(name)) => {
            let found = if client {
                admin
                    .client_peers()
                    .iter()
                    .find(|b| b.name == name)
                    .map(peers::client_json)
            } else {
                admin
                    .server_peers()
                    .iter()
                    .find(|b| b.name == name)
                    .map(peers::server_json)
            };
            match found {
                Some(peer) => reply_json(request, 200, &peer, &[]),
                None => error(request, 404, &format!("no peer named {name:?}")),
            }
        }
        (Method::Put, Some(name)) => {
            let applied: Result<Result<(), ControlError>, PeerRejection> = if client {
                let peers = admin.client_peers();
                let current = peers.iter().find(|b| b.name == name);
                peers::client_from_json(body, &name, current)
                    .map(|bind| admin.put_client_peer(bind))
            } else {
                let peers = admin.server_peers();
                let current = peers.iter().find(|b| b.name == name);
                peers::server_from_json(body, &name, current)
                    .map(|bind| admin.put_server_peer(bind))
            };
            match applied {
                Err(rejected) => reply_json(request, 400, &rejected.to_json(), &[]),
                Ok(result) => {
                    if result.is_ok() {
                        log::info!("web UI: peer {name} saved");
                    }
                    outcome(
                        request,
                        result.map(|()| json!({ "name": name, "saved": true })),
                    );
                }
            }
        }
        (Method::Delete, Some(name)) => {
            let result = if client {
                admin.delete_client_peer(&name)
            } else {
                admin.delete_server_peer(&name)
            };
            if result.is_ok() {
                log::info!("web UI: peer {name} deleted");
            }
            outcome(
                request,
                result.map(|()| json!({ "name": name, "deleted": true })),
            );
        }
        _ => error(
            request,
            405,
            "GET a list or a peer, PUT or DELETE /api/peers/<client|server>/<name>",
        ),
    }
}

fn millis_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn counts_json(counts: &engine::cache::CacheCounts) -> Value {
    json!({
        "total": counts.total,
        "pending": counts.pending,
        "delivering": counts.delivering,
        "failed_permanent": counts.failed,
    })
}

fn cache_route(context: &Context, request: Request, method: &Method, path: &str, query: &str) {
    let Some(cache) = &context.backends.cache else {
        return absent(request, "the message cache");
    };
    let rest = path
        .trim_start_matches("/api/cache")
        .trim_start_matches('/');
    let bind = form_value(query, "bind").unwrap_or_default();
    match (method, rest) {
        (Method::Get, "") => {
            let summary = cache.cache_summary();
            let binds: Vec<Value> = summary
                .binds
                .iter()
                .map(|(bind, counts)| json!({ "bind": bind, "counts": counts_json(counts) }))
                .collect();
            let body = json!({ "overall": counts_json(&summary.overall), "binds": binds });
            reply_json(request, 200, &body, &[]);
        }
        (Method::Get, "messages") => {
            if bind.is_empty() {
                return error(request, 400, "bind: required query parameter");
            }
            outcome(
                request,
                cache.cache_messages(&bind, limit(query)).map(|list| {
                    let messages: Vec<Value> = list
                        .iter()
                        .map(|m| {
                            json!({
                                "id": m.id,
                                // Ids use all 64 bits; a JavaScript number would round them.
                                "id_str": m.id.to_string(),
                                "bind": m.bind,
                                "state": m.state.as_str(),
                                "retry_count": m.retry_count,
                                "last_error": m.last_error,
                                "next_retry_at_ms": millis_since_epoch(m.next_retry_at),
                                "created_at_ms": millis_since_epoch(m.created_at),
                            })
                        })
                        .collect();
                    json!({ "bind": bind, "messages": messages })
                }),
            );
        }
        (Method::Post, "delete_failed") => {
            if bind.is_empty() {
                return error(request, 400, "bind: required query parameter");
            }
            let result = cache.cache_delete_failed(&bind);
            outcome(
                request,
                result.map(|n| json!({ "bind": bind, "deleted": n })),
            );
        }
        (Method::Post | Method::Delete, rest) => {
            let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
            let Ok(id) = id.parse::<i64>() else {
                return error(request, 404, "use /api/cache/<numeric id>[/retry]");
            };
            match (method, action) {
                (Method::Post, "retry") => {
                    outcome(
                        request,
                        cache
                            .cache_retry(id)
                            .map(|()| json!({ "id": id, "retried": true })),
                    );
                }
                (Method::Delete, "") => {
                    outcome(
                        request,
                        cache
                            .cache_delete(id)
                            .map(|()| json!({ "id": id, "deleted": true })),
                    );
                }
                _ => error(
                    request,
                    405,
                    "POST /api/cache/<id>/retry or DELETE /api/cache/<id>",
                ),
            }
        }
        _ => error(request, 404, "no such cache call"),
    }
}

fn queue_route(context: &Context, request: Request, query: &str) {
    let Some(queue) = &context.backends.queue else {
        return absent(request, "the core queue view");
    };
    let dest_smsc = form_value(query, "dest_smsc").filter(|d| !d.is_empty());
    let limit = u32::try_from(limit(query)).unwrap_or(u32::MAX);
    outcome(
        request,
        queue
            .pending(dest_smsc.as_deref(), limit)
            .map(|messages| json!({ "dest_smsc": dest_smsc, "messages": messages })),
    );
}
