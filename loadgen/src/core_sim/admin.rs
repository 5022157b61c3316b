//! Handlers of the simulator's own admin API (`/admin/...`); never affected by faults.

use super::admin_types::EnqueueResponse;
use super::faults::{FaultRequest, SetOutcome};
use super::http::Method;
use super::http::{Call, Control};
use super::reply::Reply;
use super::routes::RouteTable;
use super::store::{lock, EnqueueError};
use super::EnqueueRequest;
use super::Shared;
use core_api::paths::{percent_decode, query_pairs};
use serde::de::DeserializeOwned;
use std::time::Instant;

/// Routes one `/admin/...` call.
pub(crate) fn handle(shared: &Shared, call: &Call<'_>) -> Reply {
    let get = *call.method == Method::Get;
    let post = *call.method == Method::Post;
    match call.path {
        "/admin/enqueue" if post => enqueue(shared, call),
        "/admin/stats" if get => Reply::json(
            200,
            &shared
                .store
                .stats(call.now_ms, shared.frontends.count(call.now_ms)),
        ),
        "/admin/reset" if post => {
            shared.store.reset();
            shared.frontends.clear();
            shared.faults.clear();
            Reply::json(200, &serde_json::json!({"reset": true}))
        }
        "/admin/faults" if get => Reply::json(200, &fault_view(shared)),
        "/admin/faults" if post => faults(shared, call),
        "/admin/frontends" if get => Reply::json(200, &shared.frontends.live(call.now_ms)),
        "/admin/receipts" if get => receipts(shared, call),
        "/admin/routes" if get => Reply::json(200, &*shared.store.routes()),
        "/admin/routes" if *call.method == Method::Put => routes(shared, call),
        path => match path.strip_prefix("/admin/messages/") {
            Some(id) if get => message(shared, id),
            _ => Reply::error(
                404,
                format!("no such admin endpoint: {} {}", call.method, path),
            ),
        },
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    super::reply::parse_json(body)
}

fn enqueue(shared: &Shared, call: &Call<'_>) -> Reply {
    let request: EnqueueRequest = match parse(call.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let started = Instant::now();
    match shared.store.enqueue(&request, call.now_ms) {
        Ok(first) => Reply::json(
            201,
            &EnqueueResponse {
                count: request.count,
                first_id: first.to_string(),
                last_id: (first + request.count - 1).to_string(),
                elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
        ),
        Err(EnqueueError(reason)) => Reply::error(400, reason),
    }
}

fn message(shared: &Shared, raw_id: &str) -> Reply {
    let id_text = match percent_decode(raw_id, false) {
        Ok(id) => id,
        Err(e) => return Reply::error(400, format!("message id in the path: {e}")),
    };
    match id_text
        .parse::<u64>()
        .ok()
        .and_then(|id| shared.store.detail(id))
    {
        Some(detail) => Reply::json(200, &detail),
        None => Reply::error(404, format!("unknown message id {id_text:?}")),
    }
}

fn fault_view(shared: &Shared) -> serde_json::Value {
    serde_json::json!({
        "fault": shared.faults.current(),
        "injected": shared.faults.injected(),
    })
}

fn faults(shared: &Shared, call: &Call<'_>) -> Reply {
    let request: FaultRequest = match parse(call.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    match shared.faults.set(request) {
        Ok(SetOutcome::Armed) => Reply::json(200, &fault_view(shared)),
        Ok(SetOutcome::Refuse(ms)) => {
            // The supervisor closes the listener once this answer is out (it joins the
            // workers, this one included, first).
            let sent = lock(&shared.control).send(Control::Refuse(ms)).is_ok();
            if sent {
                let mut reply = Reply::json(200, &serde_json::json!({"refusing_ms": ms}));
                reply.close = true;
                reply
            } else {
                Reply::error(500, "the listener supervisor is gone")
            }
        }
        Err(reason) => Reply::error(400, reason),
    }
}

fn receipts(shared: &Shared, call: &Call<'_>) -> Reply {
    let limit = query_pairs(call.query)
        .filter_map(Result::ok)
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1000);
    Reply::json(200, &shared.store.unmatched_receipts(limit))
}

fn routes(shared: &Shared, call: &Call<'_>) -> Reply {
    let table: RouteTable = match parse(call.body) {
        Ok(t) => t,
        Err(reply) => return reply,
    };
    if let Err(e) = table.validate() {
        return Reply::error(400, e.0);
    }
    shared.store.set_routes(table);
    Reply::json(200, &*shared.store.routes())
}
