//! End-to-end flows through the simulator: idempotent inserts, routing, the hub flow
//! partner -> carrier -> receipt -> partner, multi-part receipts.

use crate::util::{carrier_mo, partner_submit, start, Client};
use core_api::{ItemKind, QueueItem};
use serde_json::json;
use smpp_loadgen::core_sim::{RouteRule, RouteTable, SimConfig};
use std::sync::Arc;
use std::thread;

fn hub_routes() -> RouteTable {
    RouteTable {
        default: None,
        rules: vec![
            RouteRule::parse_spec("source_smsc=partner_acme,to=carrier_a").unwrap(),
            RouteRule::parse_spec("source_mode=client,dest_prefix=1234,to=partner_acme").unwrap(),
        ],
    }
}

fn hub() -> smpp_loadgen::core_sim::CoreSim {
    start(SimConfig {
        routes: hub_routes(),
        ..SimConfig::default()
    })
}

fn only(items: Vec<QueueItem>) -> QueueItem {
    assert_eq!(items.len(), 1, "{items:?}");
    items.into_iter().next().unwrap()
}

#[test]
fn a_repeated_frontend_message_id_is_the_same_message() {
    let sim = hub();
    let client = Client::new(&sim);
    let mut body = partner_submit("partner_acme", "447700900123", "cached");
    body["frontend_message_id"] = json!("-123456789");
    let first = client.insert(&body);
    let (status, again) = client.post("/api/messages", &body);
    assert_eq!(status, 200, "a repeat answers 200 with the same id");
    assert_eq!(again["id"], first.as_str());
    // The same local id from another frontend is another message.
    body["smsc_name"] = json!("smpp_prod_02");
    let other = client.insert(&body);
    assert_ne!(other, first);
    assert_eq!(client.poll("carrier_a", 10).len(), 2);
    let stats = client.stats();
    assert_eq!(stats.inserted, 2);
    assert_eq!(stats.duplicates_suppressed, 1);

    // Eight threads flushing the same cached message at once get one id.
    body["frontend_message_id"] = json!("-42");
    let body = Arc::new(body);
    let base = sim.base_url();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (body, base) = (body.clone(), base.clone());
            thread::spawn(move || {
                let client = Client::for_base(base);
                let (_, answer) = client.post("/api/messages", &*body);
                answer["id"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let ids: std::collections::HashSet<String> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(client.poll("carrier_a", 10).len(), 1);
}

#[test]
fn routes_pick_the_destination_bind() {
    let sim = hub();
    let client = Client::new(&sim);
    let submit = client.insert(&partner_submit(
        "partner_acme",
        "447700900123",
        "to carrier",
    ));
    let mo = client.insert(&carrier_mo("carrier_a", "12345", "to partner"));
    let unrouted = client.insert(&carrier_mo("carrier_a", "999", "nowhere"));
    assert_eq!(only(client.poll("carrier_a", 10)).id, submit);
    let delivered_mo = only(client.poll("partner_acme", 10));
    assert_eq!(delivered_mo.id, mo);
    assert_eq!(delivered_mo.kind, ItemKind::Mt);
    assert_eq!(delivered_mo.destination_addr, "12345");
    let detail: serde_json::Value = client.get_as(&format!("/admin/messages/{unrouted}"));
    assert_eq!(detail["state"], "unrouted");
    assert_eq!(detail["dest_smsc"], serde_json::Value::Null);
    assert_eq!(client.stats().unrouted, 1);

    // Routes can be replaced at run time.
    let table = json!({"default":"carrier_b","routes":[{"dest_prefix":"999","to":"carrier_c"}]});
    let (status, answer) = client.put("/admin/routes", &table);
    assert_eq!(status, 200, "{answer}");
    let routes: RouteTable = client.get_as("/admin/routes");
    assert_eq!(routes.default.as_deref(), Some("carrier_b"));
    let c = client.insert(&carrier_mo("carrier_a", "999", "now routed"));
    let b = client.insert(&partner_submit("partner_acme", "447", "default"));
    assert_eq!(only(client.poll("carrier_c", 10)).id, c);
    assert_eq!(only(client.poll("carrier_b", 10)).id, b);
    let (status, answer) = client.put("/admin/routes", &json!({"routes":[{"to":""}]}));
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("routes[0].to"));
    let (status, _) = client.put("/admin/routes", &json!({"routs":[]}));
    assert_eq!(status, 400, "unknown keys in a routing table are typos");
}

#[test]
fn hub_flow_partner_to_carrier_and_the_receipt_back_to_the_partner() {
    let sim = hub();
    let client = Client::new(&sim);
    // Partner submit over the server bind.
    let core_id = client.insert(&partner_submit(
        "partner_acme",
        "447700900123",
        "Hello world",
    ));
    // The gateway's client bind polls, submits, and reports.
    let mt = only(client.poll("carrier_a", 10));
    assert_eq!(mt.id, core_id);
    assert!(mt.registered_delivery);
    client.report(
        &core_id,
        json!({"status":"sent","smsc_message_id":"7f3a21","error_code":null,"bind_name":"carrier_a",
               "smsc_name":"smpp_prod_01","parts":1,"timestamp":"2026-11-21T10:00:01Z"}),
    );
    assert!(
        client.poll("partner_acme", 10).is_empty(),
        "no receipt before the carrier's"
    );
    // The carrier's receipt comes back.
    let answer = client.report(
        &core_id,
        json!({"status":"delivered","error_code":"000","bind_name":"carrier_a"}),
    );
    assert_eq!(answer["state"], "delivered");
    // The partner's server bind polls its queue and finds the receipt.
    let receipt_item = only(client.poll("partner_acme", 10));
    assert_eq!(receipt_item.kind, ItemKind::Receipt);
    assert_eq!(receipt_item.dest_smsc, "partner_acme");
    assert_eq!(receipt_item.source_addr, "447700900123");
    assert_eq!(receipt_item.destination_addr, "61412345678");
    assert!(!receipt_item.registered_delivery);
    let receipt = receipt_item.receipt.clone().unwrap();
    assert_eq!(receipt.message_id, core_id, "the id the partner was given");
    assert_eq!(receipt.stat, "DELIVRD");
    assert_eq!(receipt.err, "000");
    assert!(receipt.submit_date.is_some() && receipt.done_date.is_some());
    assert!(receipt_item
        .message_body
        .starts_with(&format!("id:{core_id} sub:001 dlvrd:001 submit date:")));
    // The gateway reports the receipt's deliver_sm_resp; that ends it and owes nothing more.
    let answer = client.report(&receipt_item.id, json!({"status":"delivered"}));
    assert_eq!(answer["state"], "delivered");
    assert!(client.poll("partner_acme", 10).is_empty());
    let stats = client.stats();
    assert_eq!(stats.receipts_queued, 1);
    assert_eq!(stats.final_states.get("delivered"), Some(&2));

    // A carrier MO for the partner's number goes to the partner as an MT, with no receipt.
    let mo = client.insert(&carrier_mo("carrier_a", "1234", "reply"));
    let item = only(client.poll("partner_acme", 10));
    assert_eq!((item.id.as_str(), item.kind), (mo.as_str(), ItemKind::Mt));
    client.report(&mo, json!({"status":"delivered"}));
    assert!(client.poll("carrier_a", 10).is_empty());
    assert_eq!(client.stats().receipts_queued, 1);
}

#[test]
fn a_cached_submit_gets_its_receipt_under_the_frontend_id() {
    let sim = hub();
    let client = Client::new(&sim);
    let mut body = partner_submit("partner_acme", "447700900123", "cached first");
    body["frontend_message_id"] = json!("-123456789");
    let core_id = client.insert(&body);
    client.poll("carrier_a", 1);
    client.report(
        &core_id,
        json!({"status":"undeliverable","error_code":"011"}),
    );
    let receipt = only(client.poll("partner_acme", 10)).receipt.unwrap();
    assert_eq!(receipt.message_id, "-123456789");
    assert_eq!(receipt.core_message_id.as_deref(), Some(core_id.as_str()));
    assert_eq!(
        (receipt.stat.as_str(), receipt.err.as_str()),
        ("UNDELIV", "011")
    );
}

#[test]
fn receipts_only_for_partner_submits_that_asked_for_one() {
    let sim = hub();
    let client = Client::new(&sim);
    let mut quiet = partner_submit("partner_acme", "4470", "no receipt wanted");
    quiet["registered_delivery"] = json!(false);
    let quiet = client.insert(&quiet);
    let failed = client.insert(&partner_submit("partner_acme", "4471", "will fail"));
    assert_eq!(client.poll("carrier_a", 10).len(), 2);
    client.report(&quiet, json!({"status":"delivered"}));
    client.report(
        &failed,
        json!({"status":"failed","error_code":"0x0B","permanent":true}),
    );
    let receipt = only(client.poll("partner_acme", 10)).receipt.unwrap();
    assert_eq!(receipt.message_id, failed);
    assert_eq!(
        (receipt.stat.as_str(), receipt.err.as_str()),
        ("UNDELIV", "011")
    );
}

#[test]
fn a_multi_part_message_ends_when_every_part_has_its_receipt() {
    let sim = hub();
    let client = Client::new(&sim);
    let id = client.insert(&partner_submit("partner_acme", "4470", "long text"));
    client.poll("carrier_a", 1);
    client.report(
        &id,
        json!({"status":"sent","parts":3,"smsc_message_ids":["a1","a2","a3"]}),
    );
    let answer = client.report(&id, json!({"status":"delivered","part":1,"parts":3}));
    assert_eq!(answer["state"], "sent");
    let answer = client.report(&id, json!({"status":"enroute","part":2,"parts":3}));
    assert_eq!(answer["state"], "enroute");
    let answer = client.report(&id, json!({"status":"delivered","part":2,"parts":3}));
    assert_eq!(
        answer["state"], "enroute",
        "still open: part 3 has no receipt"
    );
    assert!(client.poll("partner_acme", 10).is_empty());
    let (status, answer) = client.put(
        &core_api::paths::delivery_status(&id),
        &json!({"status":"delivered","part":4}),
    );
    assert_eq!(status, 400, "{answer}");
    let answer = client.report(&id, json!({"status":"undeliverable","part":3,"parts":3}));
    assert_eq!(answer["state"], "undeliverable", "the worst part decides");
    let detail: serde_json::Value = client.get_as(&format!("/admin/messages/{id}"));
    assert_eq!(detail["smsc_message_ids"], json!(["a1", "a2", "a3"]));
    assert_eq!(
        detail["part_states"],
        json!(["delivered", "delivered", "undeliverable"])
    );
    assert_eq!(detail["history"].as_array().unwrap().len(), 5);
    let receipt = only(client.poll("partner_acme", 10)).receipt.unwrap();
    assert_eq!(receipt.stat, "UNDELIV");

    // All parts delivered: delivered, decided by the last one whatever the order.
    let id = client.insert(&partner_submit("partner_acme", "4471", "long text"));
    client.poll("carrier_a", 1);
    client.report(&id, json!({"status":"delivered","part":2,"parts":2}));
    client.report(
        &id,
        json!({"status":"sent","parts":2,"smsc_message_ids":["b1","b2"]}),
    );
    assert_eq!(client.state_of(&id), "sent");
    client.report(&id, json!({"status":"delivered","part":1,"parts":2}));
    assert_eq!(client.state_of(&id), "delivered");
}

#[test]
fn a_receipt_that_overtakes_sent_wins() {
    let sim = hub();
    let client = Client::new(&sim);
    let id = client.insert(&partner_submit("partner_acme", "4470", "fast carrier"));
    client.poll("carrier_a", 1);
    client.report(&id, json!({"status":"delivered"}));
    let answer = client.report(&id, json!({"status":"sent","smsc_message_id":"late"}));
    assert_eq!(answer["state"], "delivered");
    let answer = client.report(&id, json!({"status":"failed","error_code":8}));
    assert_eq!(answer["state"], "delivered");
    assert!(
        client.poll("carrier_a", 1).is_empty(),
        "an ended message is never requeued"
    );
    let detail: serde_json::Value = client.get_as(&format!("/admin/messages/{id}"));
    assert_eq!(detail["history"].as_array().unwrap().len(), 3);
    assert_eq!(client.stats().receipts_queued, 1);
}
