//! Every typed call of the core client, round trip against a checking stub core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod coreclient_support;

use core_api::{
    headers, BatchStatusUpdate, BindMode, DeliveryReceiptPost, DeliveryStatus,
    DeliveryStatusUpdate, ItemKind,
};
use coreclient_support::{config, insert, start_pool, Behaviour, CoreStub, SMSC_NAME};
use engine::coreclient::{BindStatus, CoreError, Endpoint, DEFAULT_TTL_SECONDS};
use futures_lite::future::block_on;
use serde_json::json;

#[test]
fn health_reads_status_and_the_batch_feature() {
    for batch in [true, false] {
        let stub = CoreStub::start(Behaviour::Contract { batch });
        let pool = start_pool(&config(&stub.url()));
        let client = pool.client();
        assert!(!client.supports_batch(), "unknown before the first answer");
        let health = block_on(client.health()).expect("health answers");
        assert!(health.is_ok());
        assert_eq!(health.supports_batch(), batch);
        assert_eq!(client.supports_batch(), batch);
        let probe = block_on(client.probe_health());
        assert!(probe.healthy && probe.error.is_none());
        assert_eq!(probe.supports_batch, batch);
        let seen = stub.seen();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].method, "GET");
        assert_eq!(seen[0].target, "/api/system/health");
        assert_eq!(seen[0].user_agent.as_deref(), Some(headers::USER_AGENT));
        assert!(headers::USER_AGENT.starts_with("omnimessage-smpp/"));
        assert_eq!(seen[0].x_frontend.as_deref(), Some(SMSC_NAME));
    }
}

#[test]
fn registration_carries_the_binds() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let registration = client.registration(
        DEFAULT_TTL_SECONDS,
        [
            ("vodafone_uk", BindMode::Client, BindStatus::Connected),
            ("partner_acme", BindMode::Server, BindStatus::Reconnecting),
        ],
    );
    block_on(client.register_frontend(registration)).expect("registered");
    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/api/frontends")
    );
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        seen[0].json(),
        json!({"name": SMSC_NAME, "type": "smpp", "version": env!("CARGO_PKG_VERSION"),
               "ttl_seconds": 90,
               "binds": [{"name": "vodafone_uk", "mode": "client", "status": "connected"},
                         {"name": "partner_acme", "mode": "server", "status": "reconnecting"}]})
    );
}

#[test]
fn queue_poll_encodes_the_bind_and_reads_items() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    // A path prefix with a trailing slash must not double the slash.
    let pool = start_pool(&config(&format!("{}/", stub.url())));
    let client = pool.client();
    let items = block_on(client.get_queue("carrier a&b", 50)).expect("queue");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, "q1");
    assert_eq!(items[0].kind, ItemKind::Mt);
    assert_eq!(items[0].dest_smsc, "carrier a&b");
    assert_eq!(items[1].message_body, "Hello world");
    let one = block_on(client.get_queue("vodafone_uk", 1)).expect("queue");
    assert_eq!(one.len(), 1);
    let seen = stub.seen();
    assert_eq!(
        seen[0].target,
        "/api/message_queue?destination_smsc=carrier%20a%26b&limit=50"
    );
    assert_eq!(
        seen[1].target,
        "/api/message_queue?destination_smsc=vodafone_uk&limit=1"
    );
}

#[test]
fn delivery_status_round_trip_and_unknown_id() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let mut update = DeliveryStatusUpdate::new(DeliveryStatus::Sent);
    update.smsc_message_id = Some("7f3a21".to_owned());
    update.bind_name = Some("vodafone_uk".to_owned());
    update.parts = Some(1);
    block_on(client.put_delivery_status("184/467", update.clone())).expect("accepted");
    let err = block_on(client.put_delivery_status("unknown", update)).expect_err("404");
    assert_eq!(
        err,
        CoreError::Http {
            status: 404,
            body_reason: "unknown message id".to_owned()
        }
    );
    assert!(!err.is_temporary());
    assert_eq!(err.kind(), "http_4xx");
    let seen = stub.seen();
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].target, "/api/messages/184%2F467/delivery_status");
    assert_eq!(
        seen[0].json(),
        json!({"status": "sent", "smsc_message_id": "7f3a21", "error_code": null,
               "permanent": false, "bind_name": "vodafone_uk", "parts": 1})
    );
}

#[test]
fn insert_returns_the_core_id_and_a_refusal_is_permanent() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let first = block_on(client.insert_message(insert("1234"))).expect("inserted");
    let second = block_on(client.insert_message(insert("5678"))).expect("inserted");
    assert_ne!(first.id, second.id);
    let refused = block_on(client.insert_message(insert(""))).expect_err("400");
    assert_eq!(refused.http_status(), Some(400));
    assert!(!refused.is_temporary());
    assert_eq!(refused.to_string(), "http 400 (destination_addr: empty)");
    let seen = stub.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/api/messages")
    );
    let body = seen[0].json();
    assert_eq!(body["destination_addr"], "1234");
    assert_eq!(body["source_mode"], "server");
    assert_eq!(body["smsc_name"], SMSC_NAME);
    let stats = client.stats();
    let inserts = stats.endpoint(Endpoint::InsertMessage).unwrap();
    assert_eq!(inserts.ok, 2);
    assert_eq!(inserts.errors_of(engine::coreclient::ErrorKind::Http4xx), 1);
}

#[test]
fn unmatched_receipt_is_posted() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let receipt: DeliveryReceiptPost = serde_json::from_value(json!({
        "smsc_message_id": "0A1B", "stat": "DELIVRD", "err": "000",
        "bind_name": "vodafone_uk"
    }))
    .unwrap();
    let answer = block_on(client.post_delivery_receipt(receipt)).expect("accepted");
    assert!(answer.id.starts_with('r'));
    let seen = stub.seen();
    assert_eq!(seen[0].target, "/api/delivery_receipts");
    assert_eq!(seen[0].json()["smsc_message_id"], "0A1B");
}

#[test]
fn batch_calls_answer_per_element() {
    let stub = CoreStub::start(Behaviour::Contract { batch: true });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let results =
        block_on(client.insert_batch(vec![insert("1"), insert(""), insert("3")])).expect("batch");
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].status, 201);
    assert!(results[0].id.is_some());
    assert_eq!(results[1].status, 400);
    assert_eq!(results[1].error.as_deref(), Some("destination_addr: empty"));
    let updates = ["184467", "unknown"]
        .map(|id| BatchStatusUpdate {
            id: id.to_owned(),
            update: DeliveryStatusUpdate::new(DeliveryStatus::Delivered),
        })
        .to_vec();
    let results = block_on(client.delivery_status_batch(updates)).expect("batch");
    assert_eq!(results.len(), 2);
    assert_eq!((results[0].id.as_str(), results[0].status), ("184467", 200));
    assert_eq!(
        (results[1].id.as_str(), results[1].status),
        ("unknown", 404)
    );
    let seen = stub.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/api/messages/batch")
    );
    assert_eq!(seen[0].json().as_array().map(Vec::len), Some(3));
    assert_eq!(
        (seen[1].method.as_str(), seen[1].target.as_str()),
        ("PUT", "/api/delivery_status/batch")
    );
    assert_eq!(
        seen[1].json()[1],
        json!({"id": "unknown", "status": "delivered",
                                         "smsc_message_id": null, "error_code": null,
                                         "permanent": false})
    );
}

#[test]
fn batch_calls_against_a_core_without_them_are_refused() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    block_on(client.health()).unwrap();
    assert!(!client.supports_batch());
    let err = block_on(client.insert_batch(vec![insert("1")])).expect_err("no batch route");
    assert_eq!(err.http_status(), Some(404));
    assert!(!err.is_temporary());
}
