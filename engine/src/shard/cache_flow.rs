//! Store-and-forward on the hot path: an insert that the core cannot take right now
//! (connection error, time-out, 5xx, `CoreError::is_temporary`) is written to the shard's
//! cache when the bind has `cache_enabled`, and answered as taken once the record is durable.
//!
//! Core first: the core is tried first, so while it is up a message gets the core's id and
//! never touches the disk. After a temporary failure the shard holds "core down" for
//! [`super::caches::CORE_DOWN_HOLD`] (or until a flush gets a message through): during
//! that time new messages go straight to the cache, so a core that is down costs no
//! time-out per message. The README's cache section has the measured rates.

use std::time::SystemTime;

use core_api::{DeliveryReceiptPost, InsertMessage, InsertResponse};

use super::context::ShardContext;
use crate::coreclient::CoreError;

/// With `cache_enabled` and the shard's cache open, gives `message` a reserved local id as
/// `frontend_message_id` before the core is tried (when it has none). A time-out leaves it
/// open whether the core took the message; the cache then stores it under the same id, so
/// the flush's insert is a repeat the core deduplicates: exactly once, not twice. Returns
/// the id given.
pub(crate) fn reserve_frontend_id(
    ctx: &ShardContext,
    cache_enabled: bool,
    message: &mut InsertMessage,
) -> Option<String> {
    if !cache_enabled || message.frontend_message_id.is_some() {
        return None;
    }
    let shard = ctx.shared.caches.shard(ctx.index)?;
    match shard.cache().reserve_id() {
        Ok(id) => {
            let id = id.to_string();
            message.frontend_message_id = Some(id.clone());
            Some(id)
        }
        // Ids exhausted: the store fails too and answers a temporary error.
        Err(_) => None,
    }
}

/// Inserts `message` into the core; with `cache_enabled` a temporary failure stores it in
/// the shard's cache and answers with its local (negative) id instead. A cache that cannot
/// make it durable answers the core's error (the sender retries, nothing acknowledged is
/// lost).
pub(crate) async fn insert_or_cache(
    ctx: &ShardContext,
    bind: &str,
    cache_enabled: bool,
    mut message: InsertMessage,
) -> Result<InsertResponse, CoreError> {
    let shard = match ctx.shared.caches.shard(ctx.index) {
        Some(shard) if cache_enabled => shard,
        _ => return ctx.core.insert_message(message).await,
    };
    reserve_frontend_id(ctx, cache_enabled, &mut message);
    if shard.core_known_down(SystemTime::now()) {
        return store(ctx, bind, &message, None).await;
    }
    let copy = message.clone();
    match ctx.core.insert_message(message).await {
        Err(error) if error.is_temporary() => {
            shard.mark_core_down(SystemTime::now());
            store(ctx, bind, &copy, Some(error)).await
        }
        answer => answer,
    }
}

/// Stores `message` in the shard's cache and answers with its local id; `core_error` is
/// answered instead when the cache cannot make it durable.
pub(super) async fn store(
    ctx: &ShardContext,
    bind: &str,
    message: &InsertMessage,
    core_error: Option<CoreError>,
) -> Result<InsertResponse, CoreError> {
    let Some(shard) = ctx.shared.caches.shard(ctx.index) else {
        return Err(core_error.unwrap_or(CoreError::Other {
            detail: "message cache not open".to_owned(),
        }));
    };
    match shard.store(bind, message, SystemTime::now()).await {
        Ok(id) => Ok(InsertResponse { id: id.to_string() }),
        Err(cache_error) => {
            log_not_cached(
                bind,
                "message",
                &shard.cache().path().display(),
                &cache_error,
            );
            Err(core_error.unwrap_or(CoreError::Other {
                detail: cache_error.to_string(),
            }))
        }
    }
}

/// Lines about records the cache could not make durable: a full disk fails every store, so
/// at most 5 a second (the next line written says how many were left out).
static NOT_CACHED_LOG: crate::log_budget::LogBudget = crate::log_budget::LogBudget::new(5);

/// Logs that a `what` of `bind` could not be cached in `dir`, naming a full disk as such.
fn log_not_cached(
    bind: &str,
    what: &str,
    dir: &dyn std::fmt::Display,
    error: &crate::cache::CacheError,
) {
    let Some(suppressed) = NOT_CACHED_LOG.admit_now() else {
        return;
    };
    let text = error.to_string();
    let disk_full = text.contains("StorageFull") || text.contains("No space left");
    let cause = if disk_full {
        "disk full: no space left on the cache directory's filesystem; "
    } else {
        ""
    };
    let more = if suppressed > 0 {
        format!(" [{suppressed} similar lines not logged]")
    } else {
        String::new()
    };
    log::error!(
        "{bind}: {what} not cached in {dir} ({cause}{error}); answering a temporary error{more}"
    );
}

/// Posts a receipt that matched no message (`POST /api/delivery_receipts`); with
/// `cache_enabled` a temporary failure stores it in the shard's cache instead (delivered by
/// the flush; the core has no idempotency key for receipts, so a crash between the post and
/// the record's removal may post it twice).
pub(crate) async fn post_receipt_or_cache(
    ctx: &ShardContext,
    bind: &str,
    cache_enabled: bool,
    receipt: DeliveryReceiptPost,
) -> Result<InsertResponse, CoreError> {
    let shard = match ctx.shared.caches.shard(ctx.index) {
        Some(shard) if cache_enabled => shard,
        _ => return ctx.core.post_delivery_receipt(receipt).await,
    };
    let core_error = if shard.core_known_down(SystemTime::now()) {
        None
    } else {
        match ctx.core.post_delivery_receipt(receipt.clone()).await {
            Err(error) if error.is_temporary() => {
                shard.mark_core_down(SystemTime::now());
                Some(error)
            }
            answer => return answer,
        }
    };
    match shard.store_receipt(bind, &receipt, SystemTime::now()).await {
        Ok(id) => Ok(InsertResponse { id: id.to_string() }),
        Err(cache_error) => {
            log_not_cached(
                bind,
                "receipt",
                &shard.cache().path().display(),
                &cache_error,
            );
            Err(core_error.unwrap_or(CoreError::Other {
                detail: cache_error.to_string(),
            }))
        }
    }
}
