//! Every endpoint of the contract: happy paths and 4xx answers with JSON reasons.

use crate::util::{partner_submit, start, start_default, Client};
use core_api::{paths, BatchInsertResult, BatchStatusResult, Health, QueuedMessageView};
use serde_json::json;
use smpp_loadgen::core_sim::{EnqueueRequest, RouteTable, SimConfig};
use std::thread::sleep;
use std::time::Duration;

fn routed_config() -> SimConfig {
    SimConfig {
        routes: RouteTable {
            default: Some("carrier_a".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    }
}

#[test]
fn health_advertises_batch_unless_turned_off() {
    let sim = start_default();
    let client = Client::new(&sim);
    let health: Health = client.get_as(paths::HEALTH);
    assert!(health.is_ok());
    assert!(health.supports_batch());

    let plain = start(SimConfig {
        batch: false,
        ..SimConfig::default()
    });
    let client = Client::new(&plain);
    let health: Health = client.get_as(paths::HEALTH);
    assert!(health.is_ok());
    assert!(!health.supports_batch());
    let (status, answer) = client.post(paths::MESSAGES_BATCH, &json!([]));
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("batch"));
    let (status, _) = client.put(paths::DELIVERY_STATUS_BATCH, &json!([]));
    assert_eq!(status, 404);
}

#[test]
fn frontend_registration_expires_after_its_ttl() {
    let sim = start_default();
    let client = Client::new(&sim);
    let registration = json!({"name":"smpp_prod_01","type":"smpp","version":"0.1.0","ttl_seconds":1,
        "binds":[{"name":"vodafone_uk","mode":"client","status":"connected"}]});
    let (status, ack) = client.post(paths::FRONTENDS, &registration);
    assert_eq!(status, 201, "{ack}");
    assert_eq!(ack["ttl_seconds"], 1);
    let (status, _) = client.post(paths::FRONTENDS, &registration);
    assert_eq!(status, 200, "a renewal is not a new registration");
    let (_, long_lived) = client.post(
        paths::FRONTENDS,
        &json!({"name":"smpp_prod_02","ttl_seconds":90}),
    );
    assert_eq!(long_lived["name"], "smpp_prod_02");
    let live: serde_json::Value = client.get_as("/admin/frontends");
    assert_eq!(live.as_array().unwrap().len(), 2);
    assert_eq!(live[0]["registration"]["binds"][0]["name"], "vodafone_uk");
    assert_eq!(live[0]["registrations"], 2);
    assert_eq!(client.stats().frontends, 2);

    sleep(Duration::from_millis(1100));
    let live: serde_json::Value = client.get_as("/admin/frontends");
    let names: Vec<_> = live
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["registration"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["smpp_prod_02"]);
    assert_eq!(client.stats().frontends, 1);

    let (status, answer) = client.post(paths::FRONTENDS, &json!({"type":"smpp"}));
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("name"),
        "{answer}"
    );
    let (status, _) = client.post(paths::FRONTENDS, &json!({"name":"x","ttl_seconds":0}));
    assert_eq!(status, 400);
}

#[test]
fn insert_answers_201_with_an_id_and_refuses_bad_bodies() {
    let sim = start(routed_config());
    let client = Client::new(&sim);
    // The contract's own example body.
    let example = r#"{"source_addr":"61412345678","source_addr_ton":1,"source_addr_npi":1,
 "destination_addr":"1234","dest_addr_ton":0,"dest_addr_npi":0,
 "message_body":"Hi there","encoding":"gsm7","data_coding":0,"esm_class":0,
 "registered_delivery":true,"priority":0,"validity_period":null,
 "source_smsc":"partner_acme","source_mode":"server","smsc_name":"smpp_prod_01",
 "frontend_message_id":"-123456789"}"#;
    let (status, answer) = client.send_raw("POST", paths::MESSAGES, example);
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    assert!(id.parse::<u64>().is_ok());
    let items = client.poll("carrier_a", 10);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, id);
    assert_eq!(items[0].message_body, "Hi there");
    assert_eq!(items[0].dest_smsc, "carrier_a");

    let cases = [
        (
            r#"{"source_addr":"1","message_body":"x","source_smsc":"p","source_mode":"server"}"#,
            "destination_addr",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"x","source_mode":"server"}"#,
            "source_smsc",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"x","source_smsc":"p","source_mode":"up"}"#,
            "up",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"","message_body":"x","source_smsc":"p","source_mode":"server"}"#,
            "destination_addr",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"xyz","encoding":"binary","source_smsc":"p","source_mode":"server"}"#,
            "hex",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"x","validity_period":"tomorrow","source_smsc":"p","source_mode":"server"}"#,
            "validity_period",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"x","concat":{"ref":1,"total":2,"seq":3},"source_smsc":"p","source_mode":"server"}"#,
            "concat",
        ),
        (
            r#"{"source_addr":"1","destination_addr":"2","message_body":"x","udh":"05zz","source_smsc":"p","source_mode":"server"}"#,
            "udh",
        ),
        (r#"{"source_addr":1}"#, "source_addr"),
        ("not json", "invalid body"),
        ("", "invalid body"),
    ];
    for (body, named) in cases {
        let (status, answer) = client.send_raw("POST", paths::MESSAGES, body);
        assert_eq!(status, 400, "{body} -> {answer}");
        let reason = answer["error"].as_str().unwrap();
        assert!(
            reason.contains(named),
            "{body}: reason {reason:?} should name {named}"
        );
    }
    let stats = client.stats();
    assert_eq!(stats.inserted, 1);
    assert_eq!(stats.inserts_rejected, cases.len() as u64);
}

#[test]
fn insert_keeps_concat_udh_and_binary_bodies() {
    let sim = start(routed_config());
    let client = Client::new(&sim);
    let id = client.insert(&json!({"source_addr":"1","destination_addr":"2",
        "message_body":"0102FEff","encoding":"binary","udh":"050003070301",
        "concat":{"ref":7,"total":3,"seq":1},"source_smsc":"carrier_x","source_mode":"client"}));
    let items = client.poll("carrier_a", 10);
    assert_eq!(items[0].udh.as_deref(), Some("050003070301"));
    assert_eq!(items[0].encoding, core_api::Encoding::Binary);
    let detail: serde_json::Value = client.get_as(&format!("/admin/messages/{id}"));
    assert_eq!(detail["concat"], json!({"ref":7,"total":3,"seq":1}));
    assert_eq!(detail["source_mode"], "client");
    assert_eq!(
        detail["smsc_name"], "test_gw",
        "X-Frontend fills a missing smsc_name"
    );
}

#[test]
fn unknown_paths_methods_and_ids_get_json_reasons() {
    let sim = start(routed_config());
    let client = Client::new(&sim);
    let (status, answer) = client.get("/api/nope");
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("/api/nope"));
    let (status, answer) = client.get("/");
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = client.get(paths::FRONTENDS);
    assert_eq!(status, 405);
    assert!(answer["error"].as_str().unwrap().contains("GET"));
    let (status, _) = client.get(&paths::delivery_status("1"));
    assert_eq!(status, 405);

    let (status, answer) = client.put(&paths::delivery_status("987654"), &json!({"status":"sent"}));
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("987654"));
    let (status, answer) = client.put(&paths::delivery_status("a/b c"), &json!({"status":"sent"}));
    assert_eq!(status, 404, "odd ids travel percent-encoded: {answer}");
    assert!(answer["error"].as_str().unwrap().contains("a/b c"));

    let id = client.insert(&partner_submit("partner_acme", "447700900123", "x"));
    let (status, answer) = client.put(&paths::delivery_status(&id), &json!({"status":"beamed"}));
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("beamed"));
    let (status, answer) = client.put(
        &paths::delivery_status(&id),
        &json!({"smsc_message_id":"x"}),
    );
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("status"));
    let (status, answer) = client.put(
        &paths::delivery_status(&id),
        &json!({"status":"delivered","part":0}),
    );
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("part"));
    assert_eq!(
        client.state_of(&id),
        "pending",
        "refused reports change nothing"
    );

    let (status, answer) = client.get("/admin/messages/424242");
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("424242"));
    let (status, _) = client.get("/admin/nothing");
    assert_eq!(status, 404);
}

#[test]
fn unmatched_receipts_are_stored_and_counted() {
    let sim = start_default();
    let client = Client::new(&sim);
    let receipt = json!({"smsc_message_id":"7F3A21","stat":"DELIVRD","err":"000",
        "submit_date":"2611211000","done_date":"2611211001","bind_name":"vodafone_uk",
        "text":"Hello","message_state":2});
    let (status, answer) = client.post(paths::DELIVERY_RECEIPTS, &receipt);
    assert_eq!(status, 201, "{answer}");
    assert!(answer["id"].as_str().unwrap().starts_with('u'));
    let (status, answer) = client.post(paths::DELIVERY_RECEIPTS, &json!({"stat":"DELIVRD"}));
    assert_eq!(status, 400);
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .contains("smsc_message_id"));
    let (status, _) = client.post(paths::DELIVERY_RECEIPTS, &json!({"smsc_message_id":" "}));
    assert_eq!(status, 400);
    assert_eq!(client.stats().unmatched_receipts, 1);
    let kept: serde_json::Value = client.get_as("/admin/receipts");
    assert_eq!(kept[0]["receipt"]["smsc_message_id"], "7F3A21");
    assert_eq!(kept[0]["receipt"]["bind_name"], "vodafone_uk");
}

#[test]
fn batch_insert_answers_each_element_in_order() {
    let sim = start(routed_config());
    let client = Client::new(&sim);
    let mut repeat = partner_submit("partner_acme", "4471", "again");
    repeat["frontend_message_id"] = json!("f-1");
    let batch = json!([
        partner_submit("partner_acme", "4470", "one"),
        {"source_addr":"1","message_body":"no destination","source_smsc":"p","source_mode":"server"},
        repeat,
        repeat,
        {"source_addr":"1","destination_addr":"2","message_body":"zz","encoding":"binary",
         "source_smsc":"p","source_mode":"server"},
    ]);
    let (status, answer) = client.post(paths::MESSAGES_BATCH, &batch);
    assert_eq!(status, 200, "{answer}");
    let results: Vec<BatchInsertResult> = serde_json::from_value(answer).unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0].status, 201);
    assert_eq!(results[1].status, 400);
    assert!(results[1]
        .error
        .as_deref()
        .unwrap()
        .contains("destination_addr"));
    assert_eq!(results[2].status, 201);
    assert_eq!(results[3].status, 200, "the repeat is suppressed");
    assert_eq!(results[3].id, results[2].id);
    assert_eq!(results[4].status, 400);
    assert_eq!(client.poll("carrier_a", 100).len(), 2);

    let (status, answer) = client.post(paths::MESSAGES_BATCH, &json!({"not":"an array"}));
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("array"));
}

#[test]
fn batch_status_answers_each_element_in_order() {
    let sim = start(routed_config());
    let client = Client::new(&sim);
    let a = client.insert(&partner_submit("partner_acme", "4470", "a"));
    let b = client.insert(&partner_submit("partner_acme", "4471", "b"));
    assert_eq!(client.poll("carrier_a", 10).len(), 2);
    let batch = json!([
        {"id":a,"status":"sent","smsc_message_id":"s1"},
        {"id":"99999","status":"sent"},
        {"id":b,"status":"teleported"},
        {"id":b,"status":"failed","error_code":"0x0B","permanent":true},
    ]);
    let (status, answer) = client.put(paths::DELIVERY_STATUS_BATCH, &batch);
    assert_eq!(status, 200, "{answer}");
    let results: Vec<BatchStatusResult> = serde_json::from_value(answer).unwrap();
    let codes: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(codes, vec![200, 404, 400, 200]);
    assert_eq!(results[1].id, "99999");
    assert_eq!(results[2].id, b, "a bad element is named by its id");
    assert!(results[2].error.as_deref().unwrap().contains("teleported"));
    assert_eq!(client.state_of(&a), "sent");
    assert_eq!(client.state_of(&b), "failed");

    let (status, _) = client.send_raw("PUT", paths::DELIVERY_STATUS_BATCH, "[{");
    assert_eq!(status, 400);
}

#[test]
fn pending_view_lists_without_leasing() {
    let sim = start_default();
    let client = Client::new(&sim);
    let later = core_api::rfc3339::format_millis(core_api::rfc3339::now_millis() + 3_600_000);
    let (status, _) = client.post("/admin/enqueue", &EnqueueRequest::new("carrier_a", 3));
    assert_eq!(status, 201);
    let mut scheduled = EnqueueRequest::new("carrier_a", 2);
    scheduled.deliver_after = Some(later.clone());
    let (status, _) = client.post("/admin/enqueue", &scheduled);
    assert_eq!(status, 201);
    client.post("/admin/enqueue", &EnqueueRequest::new("carrier_b", 1));

    let all: Vec<QueuedMessageView> = client.get_as(&paths::messages_view(
        Some("pending"),
        Some("carrier_a"),
        None,
    ));
    assert_eq!(all.len(), 5);
    assert_eq!(all.iter().filter(|m| m.deliver_after.is_some()).count(), 2);
    assert!(all
        .iter()
        .all(|m| m.dest_smsc == "carrier_a" && m.delivery_attempts == 0));
    let everywhere: Vec<QueuedMessageView> = client.get_as(paths::MESSAGES);
    assert_eq!(everywhere.len(), 6);
    let limited: Vec<QueuedMessageView> = client.get_as(&paths::messages_view(None, None, Some(2)));
    assert_eq!(limited.len(), 2);

    // Listing leased nothing: the three due messages are still handed out.
    let items = client.poll("carrier_a", 10);
    assert_eq!(items.len(), 3);
    let leased: Vec<QueuedMessageView> = client.get_as(&paths::messages_view(
        Some("leased"),
        Some("carrier_a"),
        None,
    ));
    assert_eq!(leased.len(), 3);
    assert!(leased
        .iter()
        .all(|m| m.lease_expires_at.is_some() && m.delivery_attempts == 1));
    let pending: Vec<QueuedMessageView> = client.get_as(&paths::messages_view(
        Some("pending"),
        Some("carrier_a"),
        None,
    ));
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].deliver_after.as_deref(), Some(later.as_str()));

    let (status, answer) = client.get("/api/messages?status=gone");
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("gone"));
}
