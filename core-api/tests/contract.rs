//! The JSON examples of the contract (docs/core-api.md) parse into the types, survive a round
//! trip, tolerate unknown fields and missing optionals.
#![allow(clippy::unwrap_used)]

use core_api::*;
use serde_json::{json, Value};

const QUEUE_ITEM: &str = r#"{"id":"184467","kind":"mt",
 "source_addr":"MyBrand","source_addr_ton":5,"source_addr_npi":0,
 "destination_addr":"61412345678","dest_addr_ton":1,"dest_addr_npi":1,
 "message_body":"Hello world","encoding":"auto",
 "priority":0,"registered_delivery":true,
 "validity_period":"2026-11-22T10:00:00Z","deliver_after":null,
 "dest_smsc":"vodafone_uk","delivery_attempts":0}"#;

const STATUS: &str = r#"{"status":"sent","smsc_message_id":"7f3a21","error_code":null,"bind_name":"vodafone_uk",
 "smsc_name":"smpp_prod_01","parts":1,"timestamp":"2026-11-21T10:00:01Z"}"#;

const INSERT: &str = r#"{"source_addr":"61412345678","source_addr_ton":1,"source_addr_npi":1,
 "destination_addr":"1234","dest_addr_ton":0,"dest_addr_npi":0,
 "message_body":"Hi there","encoding":"gsm7","data_coding":0,"esm_class":0,
 "registered_delivery":true,"priority":0,"validity_period":null,
 "source_smsc":"partner_acme","source_mode":"server","smsc_name":"smpp_prod_01",
 "frontend_message_id":"-123456789"}"#;

const REGISTRATION: &str = r#"{"name":"smpp_prod_01","type":"smpp","version":"0.1.0","ttl_seconds":90,
 "binds":[{"name":"vodafone_uk","mode":"client","status":"connected"}]}"#;

/// Serializes `value` and checks every field of `original` comes back with the same value.
fn assert_superset<T: serde::Serialize>(value: &T, original: &str) {
    let original: Value = serde_json::from_str(original).unwrap();
    let back = serde_json::to_value(value).unwrap();
    for (key, want) in original.as_object().unwrap() {
        let got = back.get(key).unwrap_or(&Value::Null);
        assert_eq!(got, want, "field {key}");
    }
}

#[test]
fn queue_item_example() {
    let item: QueueItem = serde_json::from_str(QUEUE_ITEM).unwrap();
    assert_eq!(item.id, "184467");
    assert_eq!(item.kind, ItemKind::Mt);
    assert_eq!(item.source_addr_ton, 5);
    assert_eq!(item.encoding, Encoding::Auto);
    assert!(item.registered_delivery);
    assert_eq!(
        item.validity_period.as_deref(),
        Some("2026-11-22T10:00:00Z")
    );
    assert_eq!(item.deliver_after, None);
    assert_eq!(item.dest_smsc, "vodafone_uk");
    assert_eq!(item.udh, None);
    assert_superset(&item, QUEUE_ITEM);
    let again: QueueItem = serde_json::to_string(&item)
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap();
    assert_eq!(again, item);
}

#[test]
fn receipt_item_example() {
    let text = r#"{"id":"9","kind":"receipt","source_addr":"61412345678","destination_addr":"1234",
      "message_body":"","dest_smsc":"partner_acme","delivery_attempts":0,
      "receipt":{"message_id":"184468","stat":"DELIVRD","err":"000",
                 "submit_date":"2026-11-21T10:00:00Z","done_date":"2026-11-21T10:00:05Z"}}"#;
    let item: QueueItem = serde_json::from_str(text).unwrap();
    assert_eq!(item.kind, ItemKind::Receipt);
    let receipt = item.receipt.clone().unwrap();
    assert_eq!(receipt.message_id, "184468");
    assert_eq!(receipt.stat, "DELIVRD");
    assert_eq!(
        DeliveryStatus::from_receipt_stat(&receipt.stat),
        Some(DeliveryStatus::Delivered)
    );
    assert_superset(&item, text);
}

#[test]
fn queue_item_tolerates_unknown_fields_values_and_missing_optionals() {
    let item: QueueItem = serde_json::from_str(
        r#"{"id":42,"destination_addr":"1","message_body":"x","encoding":"klingon",
            "kind":"carrier_pigeon","future_field":{"a":[1,2]},"udh":"050003070301"}"#,
    )
    .unwrap();
    assert_eq!(item.id, "42");
    assert_eq!(item.encoding, Encoding::Unsupported);
    assert_eq!(item.kind, ItemKind::Unsupported);
    assert_eq!(item.priority, 0);
    assert!(!item.registered_delivery);
    assert_eq!(item.udh.as_deref(), Some("050003070301"));
    let list: Vec<QueueItem> = serde_json::from_str("[]").unwrap();
    assert!(list.is_empty());
    // The id is the one field an item cannot do without.
    assert!(serde_json::from_str::<QueueItem>(r#"{"destination_addr":"1"}"#).is_err());
}

#[test]
fn delivery_status_example() {
    let update: DeliveryStatusUpdate = serde_json::from_str(STATUS).unwrap();
    assert_eq!(update.status, DeliveryStatus::Sent);
    assert_eq!(update.smsc_message_id.as_deref(), Some("7f3a21"));
    assert_eq!(update.error_code, None);
    assert!(!update.permanent);
    assert_eq!(update.parts, Some(1));
    assert_eq!(update.part, None);
    assert_superset(&update, STATUS);
}

#[test]
fn every_status_value_parses_and_maps() {
    for status in DeliveryStatus::ALL {
        let text = format!(r#"{{"status":"{}"}}"#, status.as_str());
        let update: DeliveryStatusUpdate = serde_json::from_str(&text).unwrap();
        assert_eq!(update.status, status);
        assert_eq!(DeliveryStatus::ALL[status.index()], status);
        if let Some(state) = status.message_state() {
            assert_eq!(DeliveryStatus::from_message_state(state), Some(status));
            let stat = status.receipt_stat().unwrap();
            assert_eq!(DeliveryStatus::from_receipt_stat(stat), Some(status));
        }
    }
    assert!(serde_json::from_str::<DeliveryStatusUpdate>(r#"{"status":"teleported"}"#).is_err());
    assert!(serde_json::from_str::<DeliveryStatusUpdate>(r#"{"smsc_message_id":"1"}"#).is_err());
    assert!(DeliveryStatus::Delivered.is_final_receipt_state());
    assert!(!DeliveryStatus::Enroute.is_final_receipt_state());
    assert!(!DeliveryStatus::Sent.is_receipt_state());
}

#[test]
fn error_code_forms_and_multi_part_fields() {
    let update: DeliveryStatusUpdate = serde_json::from_str(
        r#"{"status":"failed","error_code":"0x58","permanent":false,
            "smsc_message_ids":["a","b"],"parts":2,"part":2,"extra":true}"#,
    )
    .unwrap();
    assert_eq!(update.error_code, Some(0x58));
    assert_eq!(update.smsc_message_ids, vec!["a", "b"]);
    assert_eq!(update.part, Some(2));
    let numeric: DeliveryStatusUpdate =
        serde_json::from_str(r#"{"status":"undeliverable","error_code":11,"permanent":true}"#)
            .unwrap();
    assert_eq!(numeric.error_code, Some(11));
    assert!(numeric.permanent);
    let receipt_err: DeliveryStatusUpdate =
        serde_json::from_str(r#"{"status":"delivered","error_code":"000"}"#).unwrap();
    assert_eq!(receipt_err.error_code, Some(0));
    assert!(serde_json::from_str::<DeliveryStatusUpdate>(
        r#"{"status":"failed","error_code":"x"}"#
    )
    .is_err());
}

#[test]
fn batch_status_elements_flatten() {
    let batch: Vec<BatchStatusUpdate> = serde_json::from_str(
        r#"[{"id":"1","status":"sent","smsc_message_id":"x","error_code":null},
            {"id":2,"status":"failed","error_code":"0x0B","permanent":true,"junk":1}]"#,
    )
    .unwrap();
    assert_eq!(batch[0].id, "1");
    assert_eq!(batch[0].update.status, DeliveryStatus::Sent);
    assert_eq!(batch[1].id, "2");
    assert_eq!(batch[1].update.error_code, Some(0x0B));
    let value = serde_json::to_value(&batch[1]).unwrap();
    assert_eq!(value["id"], "2");
    assert_eq!(value["status"], "failed");
    assert_eq!(value["permanent"], true);
}

#[test]
fn insert_example() {
    let insert: InsertMessage = serde_json::from_str(INSERT).unwrap();
    assert_eq!(insert.source_mode, BindMode::Server);
    assert_eq!(insert.encoding, Encoding::Gsm7);
    assert_eq!(insert.data_coding, Some(0));
    assert_eq!(insert.frontend_message_id.as_deref(), Some("-123456789"));
    assert_eq!(insert.concat, None);
    assert_superset(&insert, INSERT);
}

#[test]
fn insert_with_concat_and_missing_optionals() {
    let insert: InsertMessage = serde_json::from_str(
        r#"{"source_addr":"1","destination_addr":"2","message_body":"part one",
            "source_smsc":"carrier_a","source_mode":"client",
            "concat":{"ref":7,"total":3,"seq":1},"udh":"050003070301","later":"x"}"#,
    )
    .unwrap();
    assert_eq!(
        insert.concat,
        Some(Concat {
            reference: 7,
            total: 3,
            seq: 1
        })
    );
    assert_eq!(insert.encoding, Encoding::Auto);
    assert_eq!(insert.smsc_name, None);
    let value = serde_json::to_value(&insert).unwrap();
    assert_eq!(value["concat"], json!({"ref":7,"total":3,"seq":1}));
    assert!(value.get("frontend_message_id").is_none());
}

#[test]
fn insert_missing_required_field_is_named() {
    let err = serde_json::from_str::<InsertMessage>(
        r#"{"source_addr":"1","message_body":"x","source_smsc":"a","source_mode":"server"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("destination_addr"), "{err}");
    let err = serde_json::from_str::<InsertMessage>(
        r#"{"source_addr":"1","destination_addr":"2","message_body":"x","source_smsc":"a",
            "source_mode":"sideways"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("sideways"), "{err}");
}

#[test]
fn insert_response_and_batch_results() {
    let resp: InsertResponse = serde_json::from_str(r#"{"id":"184468"}"#).unwrap();
    assert_eq!(resp.id, "184468");
    let numeric: InsertResponse = serde_json::from_str(r#"{"id":184468}"#).unwrap();
    assert_eq!(numeric, resp);
    let results: Vec<BatchInsertResult> = serde_json::from_str(
        r#"[{"status":201,"id":"5"},{"status":400,"error":"missing field `source_smsc`"}]"#,
    )
    .unwrap();
    assert_eq!(results[0].id.as_deref(), Some("5"));
    assert_eq!(results[1].status, 400);
}

#[test]
fn registration_example() {
    let reg: FrontendRegistration = serde_json::from_str(REGISTRATION).unwrap();
    assert_eq!(reg.name, "smpp_prod_01");
    assert_eq!(reg.frontend_type, "smpp");
    assert_eq!(reg.ttl_seconds, 90);
    assert_eq!(reg.binds[0].mode, BindMode::Client);
    assert_superset(&reg, REGISTRATION);
    let minimal: FrontendRegistration = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
    assert_eq!(minimal.ttl_seconds, 90);
    assert!(minimal.binds.is_empty());
}

#[test]
fn health_examples() {
    let plain: Health = serde_json::from_str(r#"{"status":"ok"}"#).unwrap();
    assert!(plain.is_ok());
    assert!(!plain.supports_batch());
    let batch: Health =
        serde_json::from_str(r#"{"status":"ok","features":["batch"],"uptime":3}"#).unwrap();
    assert!(batch.supports_batch());
    let degraded: Health = serde_json::from_str(r#"{"status":"degraded"}"#).unwrap();
    assert!(!degraded.is_ok());
}

#[test]
fn unmatched_receipt_and_error_body() {
    let text = r#"{"smsc_message_id":"7F3A21","stat":"DELIVRD","err":"000",
        "submit_date":"2611211000","done_date":"2611211001","bind_name":"vodafone_uk",
        "message_state":2}"#;
    let receipt: DeliveryReceiptPost = serde_json::from_str(text).unwrap();
    assert_eq!(receipt.message_state, Some(2));
    assert_eq!(receipt.text, None);
    assert_superset(&receipt, text);
    let err: ErrorBody = serde_json::from_str(r#"{"error":"unknown message id 7"}"#).unwrap();
    assert_eq!(err.error, "unknown message id 7");
}

#[test]
fn pending_view_parses() {
    let view: QueuedMessageView = serde_json::from_str(
        r#"{"id":"1","state":"pending","dest_smsc":"carrier_a","deliver_after":"2026-11-21T10:00:00Z",
            "delivery_attempts":2,"created_at":"2026-11-21T09:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!(view.state, QueuedState::Pending);
    assert_eq!(view.delivery_attempts, 2);
}

#[test]
fn user_agent_names_the_version() {
    assert_eq!(
        headers::USER_AGENT,
        format!("omnimessage-smpp/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(headers::X_FRONTEND, "X-Frontend");
}
