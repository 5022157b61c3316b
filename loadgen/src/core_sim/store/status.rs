//! Delivery status reports: state transitions, retries, multi-part receipts and the receipts
//! queued for server-bind partners.
//!
//! Rules (documented in docs/core-api.md):
//! - `sent` moves a live message to `sent` (awaiting its receipt).
//! - `throttled`, and `failed` without `permanent`, put it back in its queue with
//!   `deliver_after = now + retry delay` (a `failed` becomes final once `max_attempts`
//!   hand-outs were made, when that limit is set).
//! - `failed` with `permanent`, and every final receipt state, end it; `enroute` is
//!   intermediate.
//! - A message sent in several parts (`parts` > 1) ends when every part has a final receipt
//!   state (reported with `part`); the worst part decides: rejected > undeliverable > expired >
//!   deleted > unknown > accepted > delivered. A receipt without `part` applies to the whole.
//! - Once ended, later reports are kept in the history but change nothing (a receipt may
//!   overtake the `sent` report).

use super::record::{MsgState, PartTracker, StoredMessage};
use super::{lock, Store};
use crate::core_sim::admin_types::HistoryEntry;
use core_api::rfc3339::format_millis;
use core_api::{BindMode, DeliveryStatus, DeliveryStatusUpdate, Encoding, ItemKind, ReceiptInfo};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Largest `parts` accepted (a concatenated SMS has at most 255 parts).
const MAX_PARTS: u32 = 255;

/// Why a status report was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StatusError {
    /// No message has this id.
    UnknownId,
    /// The report is inconsistent (named field).
    Invalid(String),
}

/// A receipt owed to a partner once its message ended.
struct PartnerReceipt {
    id: u64,
    msg: Arc<StoredMessage>,
    outcome: DeliveryStatus,
    error_code: Option<u32>,
}

impl Store {
    /// Applies `PUT /api/messages/<id>/delivery_status`; returns the message's state after it.
    pub(crate) fn apply_status(
        &self,
        id_text: &str,
        update: &DeliveryStatusUpdate,
        now_ms: i64,
    ) -> Result<MsgState, StatusError> {
        let id: u64 = id_text.parse().map_err(|_| StatusError::UnknownId)?;
        validate_parts(update)?;
        let status = update.status;
        let mut retry = false;
        let mut push = None;
        let mut receipt = None;
        let state_after;
        {
            let mut shard = lock(self.shard(id));
            let record = shard.get_mut(&id).ok_or(StatusError::UnknownId)?;
            let declared_parts = record.parts().map(|p| p.states.len() as u32);
            if let (Some(part), Some(total)) = (update.part, update.parts.or(declared_parts)) {
                if part > total {
                    return Err(StatusError::Invalid(format!(
                        "part {part} is beyond parts {total}"
                    )));
                }
            }
            self.counters.status_reports[status.index()].fetch_add(1, Relaxed);
            record.record_history(HistoryEntry::from_update(update, now_ms));
            if record.state.is_final() {
                return Ok(record.state);
            }
            let mut outcome = None;
            match status {
                DeliveryStatus::Sent => {
                    let reports = record.reports_mut();
                    if !update.smsc_message_ids.is_empty() {
                        reports.smsc_message_ids = update.smsc_message_ids.clone();
                    } else if let Some(one) = &update.smsc_message_id {
                        reports.smsc_message_ids = vec![one.clone()];
                    }
                    if let Some(parts) = update.parts.filter(|&p| p > 1) {
                        reports.parts.get_or_insert_with(|| PartTracker {
                            states: vec![None; parts as usize],
                        });
                    }
                    // A part receipt may have arrived first: keep its state.
                    if matches!(record.state, MsgState::Pending | MsgState::Leased) {
                        record.set_state(MsgState::Sent, now_ms);
                    }
                }
                DeliveryStatus::Throttled => retry = true,
                DeliveryStatus::Failed => {
                    let limit = self.policy.max_attempts;
                    if update.permanent || (limit > 0 && record.attempts >= limit) {
                        outcome = Some(DeliveryStatus::Failed);
                    } else {
                        retry = true;
                    }
                }
                DeliveryStatus::Enroute => {
                    record.set_state(MsgState::Enroute, now_ms);
                }
                final_state => {
                    let total = update.parts.or(declared_parts).unwrap_or(1);
                    match update.part {
                        Some(part) if total > 1 => {
                            let tracker =
                                record
                                    .reports_mut()
                                    .parts
                                    .get_or_insert_with(|| PartTracker {
                                        states: vec![None; total as usize],
                                    });
                            if let Some(slot) = tracker.states.get_mut(part as usize - 1) {
                                *slot = Some(final_state);
                            }
                            outcome = tracker.outcome();
                            if outcome.is_none()
                                && matches!(record.state, MsgState::Pending | MsgState::Leased)
                            {
                                record.set_state(MsgState::Sent, now_ms);
                            }
                        }
                        _ => outcome = Some(final_state),
                    }
                }
            }
            if let Some(outcome) = outcome {
                record.set_state(MsgState::Final(outcome), now_ms);
                self.counters.final_states[outcome.index()].fetch_add(1, Relaxed);
                if wants_partner_receipt(&record.msg) {
                    receipt = Some(PartnerReceipt {
                        id,
                        msg: record.msg.clone(),
                        outcome,
                        error_code: update.error_code,
                    });
                }
            }
            if retry {
                if let Some(queue) = record.queue.clone() {
                    let due = now_ms.saturating_add(self.policy.retry_delay_ms);
                    record.deliver_after_ms = Some(due);
                    let generation = record.set_state(MsgState::Pending, now_ms);
                    push = Some((queue, generation, record.msg.priority, due));
                }
            }
            state_after = record.state;
        }
        // The shard lock is released: queue locks may be taken now.
        if let Some((queue, generation, priority, due)) = push {
            queue.push(id, generation, priority, Some(due), now_ms);
            self.counters.requeued.fetch_add(1, Relaxed);
        }
        if let Some(receipt) = receipt {
            self.queue_partner_receipt(receipt, now_ms);
        }
        Ok(state_after)
    }

    /// Ends a message whose validity period passed while it waited (already marked final by
    /// the poll that found it) and owes its partner a receipt.
    pub(super) fn finish_expired_in_queue(&self, id: u64, now_ms: i64) {
        let msg = {
            let mut shard = lock(self.shard(id));
            let Some(record) = shard.get_mut(&id) else {
                return;
            };
            record.record_history(HistoryEntry::core_note(
                DeliveryStatus::Expired,
                "validity_period passed while queued",
                now_ms,
            ));
            record.msg.clone()
        };
        self.counters.final_states[DeliveryStatus::Expired.index()].fetch_add(1, Relaxed);
        if wants_partner_receipt(&msg) {
            self.queue_partner_receipt(
                PartnerReceipt {
                    id,
                    msg,
                    outcome: DeliveryStatus::Expired,
                    error_code: None,
                },
                now_ms,
            );
        }
    }

    /// Queues a `kind: receipt` item for the partner bind the message came from.
    fn queue_partner_receipt(&self, job: PartnerReceipt, now_ms: i64) {
        let Some(partner) = job.msg.source_smsc.as_deref() else {
            return;
        };
        let stat = job.outcome.receipt_stat().unwrap_or("UNDELIV");
        let err = format!("{:03}", job.error_code.unwrap_or(0) % 1000);
        let core_id = job.id.to_string();
        let message_id = job
            .msg
            .frontend_message_id
            .as_deref()
            .map_or_else(|| core_id.clone(), str::to_owned);
        let submit_date = format_millis(job.msg.created_ms);
        let done_date = format_millis(now_ms);
        let delivered = job.outcome == DeliveryStatus::Delivered;
        let text: String = job.msg.body.chars().take(20).collect();
        let body = format!(
            "id:{message_id} sub:001 dlvrd:{} submit date:{} done date:{} stat:{stat} err:{err} text:{text}",
            if delivered { "001" } else { "000" },
            receipt_date(&submit_date),
            receipt_date(&done_date),
        );
        let receipt = StoredMessage {
            kind: ItemKind::Receipt,
            source_addr: job.msg.destination_addr.clone(),
            source_ton: job.msg.dest_ton,
            source_npi: job.msg.dest_npi,
            destination_addr: job.msg.source_addr.clone(),
            dest_ton: job.msg.source_ton,
            dest_npi: job.msg.source_npi,
            body: Arc::from(body),
            encoding: Encoding::Auto,
            data_coding: None,
            esm_class: Some(0x04),
            priority: 0,
            registered_delivery: false,
            validity_ms: None,
            source_smsc: None,
            source_mode: None,
            smsc_name: None,
            frontend_message_id: None,
            concat: None,
            udh: None,
            receipt: Some(Box::new(ReceiptInfo {
                message_id,
                stat: stat.to_owned(),
                err,
                submit_date: Some(submit_date),
                done_date: Some(done_date),
                core_message_id: Some(core_id),
            })),
            created_ms: now_ms,
        };
        let queue = self.queue_or_create(partner);
        self.insert_record(Arc::new(receipt), Some(queue), None, now_ms);
        self.counters.receipts_queued.fetch_add(1, Relaxed);
    }
}

/// Only an MT that a partner submitted with a receipt request owes that partner a receipt.
fn wants_partner_receipt(msg: &StoredMessage) -> bool {
    msg.kind == ItemKind::Mt
        && msg.source_mode == Some(BindMode::Server)
        && msg.registered_delivery
        && msg.source_smsc.is_some()
}

fn validate_parts(update: &DeliveryStatusUpdate) -> Result<(), StatusError> {
    if let Some(parts) = update.parts {
        if parts == 0 || parts > MAX_PARTS {
            return Err(StatusError::Invalid(format!(
                "parts must be 1..={MAX_PARTS}, got {parts}"
            )));
        }
    }
    if let Some(part) = update.part {
        if part == 0 || part > MAX_PARTS {
            return Err(StatusError::Invalid(format!(
                "part must be 1..={MAX_PARTS}, got {part}"
            )));
        }
    }
    if update.status == DeliveryStatus::Sent && update.smsc_message_ids.len() > MAX_PARTS as usize {
        return Err(StatusError::Invalid(
            "smsc_message_ids has more than 255 entries".to_owned(),
        ));
    }
    Ok(())
}

/// `YYMMDDhhmm` (the receipt text's date form) of an RFC 3339 UTC string we formatted.
fn receipt_date(rfc3339: &str) -> String {
    let pick = |from: usize, to: usize| rfc3339.get(from..to).unwrap_or("00");
    [
        pick(2, 4),
        pick(5, 7),
        pick(8, 10),
        pick(11, 13),
        pick(14, 16),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::receipt_date;

    #[test]
    fn receipt_date_form() {
        assert_eq!(receipt_date("2026-11-21T10:07:01Z"), "2611211007");
        assert_eq!(receipt_date("x"), "0000000000");
    }
}
