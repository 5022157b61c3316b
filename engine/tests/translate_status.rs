//! submit_sm_resp statuses, no-answer and partner deliver_sm_resp -> delivery status updates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, UNIX_EPOCH};

use core_api::{DeliveryStatus, DeliveryStatusUpdate};
use engine::proto::receipt::ReceiptState;
use engine::proto::CommandStatus;
use engine::translate::status::{
    is_permanent_failure, partner_delivery_update, receipt_status, submit_outcome, submit_update,
    unanswered_update, PartResponse, SubmitOutcome,
};
use engine::translate::BindContext;
use serde_json::json;

fn ctx() -> BindContext<'static> {
    BindContext {
        bind_name: "vodafone_uk",
        smsc_name: "smpp_prod_01",
        now: UNIX_EPOCH + Duration::from_secs(1_795_255_201),
    }
}

fn ok(id: &str) -> PartResponse {
    PartResponse {
        status: CommandStatus::ESME_ROK,
        message_id: id.to_owned(),
    }
}

fn err(status: u32) -> PartResponse {
    PartResponse {
        status: CommandStatus(status),
        message_id: String::new(),
    }
}

#[test]
fn single_part_sent_matches_the_contract_example() {
    let update = submit_update(&[ok("7f3a21")], &ctx());
    let got = serde_json::to_value(&update).unwrap();
    // The contract's example plus the `permanent` flag the type always writes.
    assert_eq!(
        got,
        json!({"status":"sent","smsc_message_id":"7f3a21","error_code":null,
            "bind_name":"vodafone_uk","smsc_name":"smpp_prod_01","parts":1,
            "timestamp":"2026-11-21T10:00:01Z","permanent":false})
    );
    let back: DeliveryStatusUpdate = serde_json::from_value(got).unwrap();
    assert_eq!(back, update);
}

#[test]
fn multi_part_sent_lists_every_id_in_order() {
    let update = submit_update(&[ok("a1"), ok("a2"), ok("a3")], &ctx());
    assert_eq!(update.status, DeliveryStatus::Sent);
    assert_eq!(update.parts, Some(3));
    assert_eq!(update.smsc_message_id.as_deref(), Some("a1"));
    assert_eq!(update.smsc_message_ids, ["a1", "a2", "a3"]);
    assert_eq!(update.error_code, None);
}

#[test]
fn the_worst_part_decides() {
    let update = submit_update(&[ok("a1"), err(0x58), ok("a3")], &ctx());
    assert_eq!(update.status, DeliveryStatus::Throttled);
    assert_eq!(update.error_code, Some(0x58));
    assert!(!update.permanent);
    assert_eq!(update.smsc_message_ids, ["a1", "a3"]);

    let update = submit_update(&[err(0x58), err(0x08)], &ctx());
    assert_eq!(update.status, DeliveryStatus::Failed);
    assert_eq!(update.error_code, Some(0x08));
    assert!(!update.permanent);

    let update = submit_update(&[err(0x08), err(0x0B), ok("x")], &ctx());
    assert_eq!(update.status, DeliveryStatus::Failed);
    assert_eq!(update.error_code, Some(0x0B));
    assert!(update.permanent);
}

#[test]
fn status_table() {
    assert_eq!(submit_outcome(CommandStatus::ESME_ROK), SubmitOutcome::Sent);
    for throttle in [0x58, 0x14] {
        assert_eq!(
            submit_outcome(CommandStatus(throttle)),
            SubmitOutcome::Throttled
        );
    }
    let permanent = [
        0x01, 0x06, 0x07, 0x0A, 0x0B, 0x15, 0x43, 0x48, 0x49, 0x50, 0x51, 0x61, 0x62, 0x63, 0x65,
        0x66, 0xC0, 0xC4,
    ];
    for code in permanent {
        assert_eq!(
            submit_outcome(CommandStatus(code)),
            SubmitOutcome::Failed { permanent: true },
            "{code:#x}"
        );
    }
    let temporary = [
        0x02, 0x03, 0x04, 0x05, 0x08, 0x0D, 0x0E, 0x0F, 0x45, 0x53, 0x64, 0x67, 0xFE, 0xFF, 0x400,
        0x4FF, 0x1234,
    ];
    for code in temporary {
        assert!(!is_permanent_failure(CommandStatus(code)), "{code:#x}");
        assert_eq!(
            submit_outcome(CommandStatus(code)).status(),
            DeliveryStatus::Failed
        );
    }
}

#[test]
fn no_answer_is_a_temporary_failure() {
    let update = unanswered_update(2, &ctx());
    assert_eq!(update.status, DeliveryStatus::Failed);
    assert!(!update.permanent);
    assert_eq!(update.parts, Some(2));
    assert_eq!(update.error_code, None);
}

#[test]
fn partner_answers_and_receipt_states() {
    let update = partner_delivery_update(Some(CommandStatus::ESME_ROK), &ctx());
    assert_eq!(update.status, DeliveryStatus::Delivered);
    let update = partner_delivery_update(Some(CommandStatus(0x64)), &ctx());
    assert_eq!(
        (update.status, update.error_code, update.permanent),
        (DeliveryStatus::Failed, Some(0x64), false)
    );
    let update = partner_delivery_update(None, &ctx());
    assert_eq!(
        (update.status, update.error_code),
        (DeliveryStatus::Failed, None)
    );

    let pairs = [
        (ReceiptState::Enroute, "enroute"),
        (ReceiptState::Delivered, "delivered"),
        (ReceiptState::Expired, "expired"),
        (ReceiptState::Deleted, "deleted"),
        (ReceiptState::Undeliverable, "undeliverable"),
        (ReceiptState::Accepted, "accepted"),
        (ReceiptState::Unknown, "unknown"),
        (ReceiptState::Rejected, "rejected"),
    ];
    for (state, name) in pairs {
        assert_eq!(receipt_status(Some(state)).as_str(), name);
    }
    assert_eq!(receipt_status(None), DeliveryStatus::Unknown);
}

#[test]
fn no_responses_at_all_is_unanswered() {
    assert_eq!(submit_update(&[], &ctx()), unanswered_update(1, &ctx()));
}
