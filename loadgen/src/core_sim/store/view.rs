//! The read-only pending view (`GET /api/messages?status=pending`): lists without leasing.

use super::record::MsgState;
use super::{lock, Store};
use core_api::rfc3339::format_millis;
use core_api::{QueuedMessageView, QueuedState};

/// Which queued messages the view lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ViewFilter {
    /// Waiting ones (due or scheduled).
    Pending,
    /// Handed out, lease running.
    Leased,
    /// Both.
    All,
}

impl Store {
    /// Up to `limit` queued messages (of `dest`, or of every queue), oldest first.
    pub(crate) fn pending_view(
        &self,
        dest: Option<&str>,
        filter: ViewFilter,
        limit: usize,
        now_ms: i64,
    ) -> Vec<QueuedMessageView> {
        let queues = match dest {
            Some(dest) => self.queue(dest).into_iter().collect(),
            None => self.all_queues(),
        };
        let mut keys: Vec<(u64, u32)> = Vec::new();
        for queue in &queues {
            self.reclaim(queue, now_ms);
            let heaps = lock(&queue.heaps);
            if filter != ViewFilter::Leased {
                keys.extend(heaps.ready.iter().map(|r| (r.id, r.generation)));
                keys.extend(heaps.scheduled.iter().map(|t| (t.0 .1, t.0 .2)));
            }
            if filter != ViewFilter::Pending {
                keys.extend(heaps.leases.iter().map(|t| (t.0 .1, t.0 .2)));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let mut out = Vec::with_capacity(limit.min(keys.len()));
        for (id, generation) in keys {
            if out.len() >= limit {
                break;
            }
            let shard = lock(self.shard(id));
            let Some(record) = shard.get(&id) else {
                continue;
            };
            let state = match record.state {
                MsgState::Pending => QueuedState::Pending,
                MsgState::Leased => QueuedState::Leased,
                _ => continue,
            };
            if record.generation != generation {
                continue;
            }
            let msg = &record.msg;
            out.push(QueuedMessageView {
                id: id.to_string(),
                kind: msg.kind,
                state,
                dest_smsc: record.dest_smsc().to_owned(),
                source_addr: msg.source_addr.to_string(),
                destination_addr: msg.destination_addr.to_string(),
                message_body: msg.body.to_string(),
                encoding: msg.encoding,
                priority: msg.priority,
                deliver_after: record.deliver_after_ms.map(format_millis),
                delivery_attempts: record.attempts,
                created_at: format_millis(msg.created_ms),
                lease_expires_at: (state == QueuedState::Leased)
                    .then(|| format_millis(record.lease_until_ms)),
            });
        }
        out
    }
}
