//! Outcomes -> `DeliveryStatusUpdate`: `submit_sm_resp` statuses, carrier receipts, partner
//! `deliver_sm_resp`s and items that could not be translated.
//!
//! # `submit_sm_resp` command_status table
//! | status | outcome |
//! |---|---|
//! | 0x00 ESME_ROK | `sent` |
//! | 0x58 ESME_RTHROTTLED, 0x14 ESME_RMSGQFUL | `throttled` (temporary; pause the bind) |
//! | 0x01 RINVMSGLEN, 0x06 RINVPRTFLG, 0x07 RINVREGDLVFLG, 0x0A RINVSRCADR, 0x0B RINVDSTADR, 0x15 RINVSERTYP, 0x33 RINVNUMDESTS, 0x34 RINVDLNAME, 0x40 RINVDESTFLAG, 0x42 RINVSUBREP, 0x43 RINVESMCLASS, 0x44 RCNTSUBDL, 0x48 RINVSRCTON, 0x49 RINVSRCNPI, 0x50 RINVDSTTON, 0x51 RINVDSTNPI, 0x54 RINVREPFLAG, 0x55 RINVNUMMSGS, 0x61 RINVSCHED, 0x62 RINVEXPIRY, 0x63 RINVDFTMSGID, 0x65 RX_P_APPN, 0x66 RX_R_APPN, 0xC0-0xC4 (optional parameter errors) | `failed`, permanent |
//! | anything else | `failed`, temporary |
//!
//! Permanent means "this message is wrong and would be refused again": a field of the message
//! (length, address, TON/NPI, flags, times, TLVs) or an explicit permanent rejection by the
//! receiver (0x65, 0x66). Everything that describes the link or the SMSC's state rather than
//! the message stays temporary, so the core retries it: bind-state and bind errors (0x02-0x05,
//! 0x0D-0x0F, 0x53), system error 0x08, the generic 0x45 RSUBMITFAIL (carriers use it for
//! transient faults too), 0x64 RX_T_APPN, 0xFE/0xFF, vendor codes 0x400-0x4FF and unknown
//! values. A wrongly temporary error costs retries; a wrongly permanent one loses a message.

use core_api::{DeliveryStatus, DeliveryStatusUpdate};

use super::{time, BindContext, CarrierReceipt, TranslateError};
use crate::proto::receipt::ReceiptState;
use crate::proto::CommandStatus;

/// What a `submit_sm_resp` status means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubmitOutcome {
    /// Accepted by the SMSC.
    Sent,
    /// Refused for now because of load (0x58, 0x14): retry later, slow the bind down.
    Throttled,
    /// Refused; `permanent` when retrying cannot help (table in the module doc).
    Failed {
        /// Whether the core must not retry.
        permanent: bool,
    },
}

impl SubmitOutcome {
    /// The contract status.
    pub fn status(self) -> DeliveryStatus {
        match self {
            SubmitOutcome::Sent => DeliveryStatus::Sent,
            SubmitOutcome::Throttled => DeliveryStatus::Throttled,
            SubmitOutcome::Failed { .. } => DeliveryStatus::Failed,
        }
    }

    /// Whether the core must not retry.
    pub fn is_permanent(self) -> bool {
        matches!(self, SubmitOutcome::Failed { permanent: true })
    }
}

/// Whether a submit refused with `status` must not be retried (see the module doc).
pub fn is_permanent_failure(status: CommandStatus) -> bool {
    matches!(
        status.0,
        0x01 | 0x06
            | 0x07
            | 0x0A
            | 0x0B
            | 0x15
            | 0x33
            | 0x34
            | 0x40
            | 0x42
            | 0x43
            | 0x44
            | 0x48
            | 0x49
            | 0x50
            | 0x51
            | 0x54
            | 0x55
            | 0x61
            | 0x62
            | 0x63
            | 0x65
            | 0x66
            | 0xC0..=0xC4
    )
}

/// The outcome of one `submit_sm_resp` status.
pub fn submit_outcome(status: CommandStatus) -> SubmitOutcome {
    if status.is_ok() {
        SubmitOutcome::Sent
    } else if status.is_throttling() {
        SubmitOutcome::Throttled
    } else {
        SubmitOutcome::Failed {
            permanent: is_permanent_failure(status),
        }
    }
}

/// The answer to one part's `submit_sm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartResponse {
    /// The `submit_sm_resp` command_status.
    pub status: CommandStatus,
    /// Its `message_id` (the carrier's id; empty on errors).
    pub message_id: String,
}

fn update(status: DeliveryStatus, ctx: &BindContext<'_>) -> DeliveryStatusUpdate {
    DeliveryStatusUpdate {
        bind_name: Some(ctx.bind_name.to_owned()),
        smsc_name: Some(ctx.smsc_name.to_owned()),
        timestamp: Some(time::rfc3339(ctx.now)),
        ..DeliveryStatusUpdate::new(status)
    }
}

fn count(parts: usize) -> Option<u32> {
    Some(u32::try_from(parts).unwrap_or(u32::MAX))
}

/// The update once every part of a message was answered (`responses` in part order).
///
/// All parts accepted: `sent` with the first id in `smsc_message_id` and, for several parts,
/// every id in `smsc_message_ids`. Otherwise the worst part decides, in this order: a permanent
/// failure, a temporary failure, throttling; `error_code` is that part's status. Ids of parts
/// that were accepted are still listed so their receipts can be told apart.
///
/// No responses at all is [`unanswered_update`] for one part.
pub fn submit_update(responses: &[PartResponse], ctx: &BindContext<'_>) -> DeliveryStatusUpdate {
    if responses.is_empty() {
        return unanswered_update(1, ctx);
    }
    let rank = |outcome: SubmitOutcome| match outcome {
        SubmitOutcome::Failed { permanent: true } => 3,
        SubmitOutcome::Failed { permanent: false } => 2,
        SubmitOutcome::Throttled => 1,
        SubmitOutcome::Sent => 0,
    };
    let worst = responses
        .iter()
        .map(|r| (submit_outcome(r.status), r.status))
        .max_by_key(|&(outcome, _)| rank(outcome));
    let (outcome, status) = worst.unwrap_or((SubmitOutcome::Sent, CommandStatus::ESME_ROK));
    let mut update = update(outcome.status(), ctx);
    update.parts = count(responses.len());
    update.permanent = outcome.is_permanent();
    if outcome != SubmitOutcome::Sent {
        update.error_code = Some(status.0);
    }
    let accepted = || {
        responses
            .iter()
            .filter(|r| r.status.is_ok())
            .map(|r| r.message_id.clone())
    };
    update.smsc_message_id = accepted().next();
    if responses.len() > 1 {
        update.smsc_message_ids = accepted().collect();
    }
    update
}

/// The update for a message whose parts got no answer (response timeout, link lost): failed,
/// temporary, so the core sends it again.
pub fn unanswered_update(parts: usize, ctx: &BindContext<'_>) -> DeliveryStatusUpdate {
    let mut update = update(DeliveryStatus::Failed, ctx);
    update.parts = count(parts.max(1));
    update
}

/// The update for an item that could not be translated ([`TranslateError`]): failed,
/// permanent, no SMPP error code (nothing was sent).
pub fn rejected_update(_error: &TranslateError, ctx: &BindContext<'_>) -> DeliveryStatusUpdate {
    let mut update = update(DeliveryStatus::Failed, ctx);
    update.permanent = true;
    update
}

/// The contract status of a receipt state (`unknown` when the receipt gave none).
pub fn receipt_status(state: Option<ReceiptState>) -> DeliveryStatus {
    state
        .and_then(|s| DeliveryStatus::from_message_state(s.message_state()))
        .unwrap_or(DeliveryStatus::Unknown)
}

/// The update for a carrier receipt matched to part `part` (1-based) of a message sent in
/// `parts` parts: the receipt's status, its `err` as `error_code`, the carrier id.
pub fn receipt_update(
    receipt: &CarrierReceipt,
    part: u8,
    parts: u8,
    ctx: &BindContext<'_>,
) -> DeliveryStatusUpdate {
    let mut update = update(receipt_status(receipt.state), ctx);
    update.smsc_message_id = Some(receipt.carrier_message_id.clone());
    update.error_code = receipt.error_code();
    update.part = Some(u32::from(part));
    update.parts = Some(u32::from(parts));
    update
}

/// The update after a partner answered a `deliver_sm` (`None`: no answer in time):
/// `delivered` on ESME_ROK, else failed temporary with the status as `error_code`.
pub fn partner_delivery_update(
    status: Option<CommandStatus>,
    ctx: &BindContext<'_>,
) -> DeliveryStatusUpdate {
    match status {
        Some(status) if status.is_ok() => update(DeliveryStatus::Delivered, ctx),
        other => {
            let mut update = update(DeliveryStatus::Failed, ctx);
            update.error_code = other.map(|s| s.0);
            update
        }
    }
}
