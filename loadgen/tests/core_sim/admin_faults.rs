//! The admin API and fault injection.

use crate::util::{partner_submit, start, start_default, Client};
use core_api::paths;
use serde_json::json;
use smpp_loadgen::core_sim::{EnqueueRequest, FaultMode, FaultRequest, RouteTable, SimConfig};
use std::thread;
use std::time::{Duration, Instant};

fn routed() -> SimConfig {
    SimConfig {
        routes: RouteTable {
            default: Some("carrier_a".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    }
}

#[test]
fn http_503_fault_answers_5xx_and_clears_after_count() {
    let sim = start(routed());
    let client = Client::new(&sim);
    let mut fault = FaultRequest::mode(FaultMode::Http503);
    fault.count = Some(2);
    let (status, answer) = client.post("/admin/faults", &fault);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fault"]["mode"], "http_503");
    for _ in 0..2 {
        let (status, answer) = client.post(paths::MESSAGES, &partner_submit("p", "1", "x"));
        assert_eq!(status, 503);
        assert_eq!(answer["error"], "fault injected");
        // The admin API is never faulted.
        assert_eq!(client.stats().inserted, 0);
    }
    client.insert(&partner_submit("p", "1", "x"));
    let view: serde_json::Value = client.get_as("/admin/faults");
    assert_eq!(view["fault"]["mode"], "ok");
    assert_eq!(view["injected"], 2);

    // Any 5xx, limited to one path.
    let fault = json!({"mode":"http_error","status":500,"path_prefix":"/api/message_queue"});
    assert_eq!(client.post("/admin/faults", &fault).0, 200);
    let (status, _) = client.get(&paths::message_queue("carrier_a", 1));
    assert_eq!(status, 500);
    let (status, _) = client.get(paths::HEALTH);
    assert_eq!(status, 200);
    assert_eq!(client.post("/admin/faults", &json!({"mode":"ok"})).0, 200);
    assert_eq!(client.poll("carrier_a", 1).len(), 1);

    let (status, answer) = client.post("/admin/faults", &json!({"mode":"explode"}));
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("explode"));
}

#[test]
fn malformed_json_fault_breaks_the_body_and_does_nothing() {
    let sim = start(routed());
    let client = Client::new(&sim);
    assert_eq!(
        client
            .post("/admin/faults", &json!({"mode":"malformed_json"}))
            .0,
        200
    );
    let (status, text) = client.get_text(paths::HEALTH);
    assert_eq!(status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
    let (status, text) = client.get_text(&paths::message_queue("carrier_a", 10));
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Vec<core_api::QueueItem>>(&text).is_err());
    let body = partner_submit("p", "1", "x").to_string();
    let (status, text) = client.send_text("POST", paths::MESSAGES, &body);
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<core_api::InsertResponse>(&text).is_err());
    assert_eq!(client.stats().inserted, 0, "the call was not processed");
    client.post("/admin/faults", &json!({"mode":"ok"}));
    let health: core_api::Health = client.get_as(paths::HEALTH);
    assert!(health.is_ok());
}

#[test]
fn hang_fault_delays_the_answer_then_processes_the_call() {
    let sim = start(routed());
    let client = Client::new(&sim);
    let (status, _) = client.post("/admin/faults", &json!({"hang_ms":600,"count":1}));
    assert_eq!(status, 200);
    let base = sim.base_url();
    let slow = thread::spawn(move || {
        let client = Client::for_base(base);
        let started = Instant::now();
        let id = client.insert(&partner_submit("p", "1", "slow"));
        (started.elapsed(), id)
    });
    thread::sleep(Duration::from_millis(150));
    // Meanwhile the simulator answers other calls at once.
    let started = Instant::now();
    assert_eq!(client.stats().inserted, 0);
    let health: core_api::Health = client.get_as(paths::HEALTH);
    assert!(health.is_ok());
    assert!(started.elapsed() < Duration::from_millis(400));
    let (elapsed, id) = slow.join().unwrap();
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert_eq!(
        client.state_of(&id),
        "pending",
        "a hung call still takes effect"
    );
}

#[test]
fn refuse_fault_closes_the_listener_for_a_while() {
    let sim = start_default();
    let client = Client::new(&sim);
    let (status, answer) = client.post("/admin/faults", &json!({"mode":"refuse","for_ms":1000}));
    assert_eq!(status, 200, "{answer}");
    thread::sleep(Duration::from_millis(300));
    let refused = ureq::get(format!("{}{}", sim.base_url(), paths::HEALTH)).call();
    assert!(refused.is_err(), "connections are refused: {refused:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        thread::sleep(Duration::from_millis(100));
        if let Ok(mut response) = ureq::get(format!("{}{}", sim.base_url(), paths::HEALTH)).call() {
            let health: core_api::Health = response.body_mut().read_json().unwrap();
            assert!(health.is_ok());
            break;
        }
        assert!(Instant::now() < deadline, "the listener never came back");
    }
    // State survived the outage.
    let client = Client::for_base(sim.base_url());
    assert_eq!(client.stats().inserted, 0);
    drop(client);
}

#[test]
fn admin_enqueue_validates_and_fills_templates() {
    let sim = start_default();
    let client = Client::new(&sim);
    let mut request = EnqueueRequest::new("carrier_a", 3);
    request.body = "msg {n} of 3".into();
    request.destination = "0700".into();
    request.priority = 2;
    request.registered_delivery = true;
    let (status, answer) = client.post("/admin/enqueue", &request);
    assert_eq!(status, 201, "{answer}");
    let items = client.poll("carrier_a", 10);
    let bodies: Vec<_> = items.iter().map(|i| i.message_body.as_str()).collect();
    assert_eq!(bodies, vec!["msg 0 of 3", "msg 1 of 3", "msg 2 of 3"]);
    let numbers: Vec<_> = items.iter().map(|i| i.destination_addr.as_str()).collect();
    assert_eq!(numbers, vec!["0700", "0701", "0702"]);
    assert!(items
        .iter()
        .all(|i| i.priority == 2 && i.registered_delivery));

    let fixed = json!({"dest_smsc":"carrier_b","count":2,"destination":"MyShortCode",
                       "vary_destination":false,"template":"same"});
    assert_eq!(client.post("/admin/enqueue", &fixed).0, 201);
    let items = client.poll("carrier_b", 10);
    assert!(items
        .iter()
        .all(|i| i.destination_addr == "MyShortCode" && i.message_body == "same"));

    for (body, named) in [
        (json!({"dest_smsc":"","count":1}), "dest_smsc"),
        (json!({"dest_smsc":"a","count":0}), "count"),
        (json!({"dest_smsc":"a","count":20000000}), "count"),
        (json!({"dest_smsc":"a","destination":"abc"}), "destination"),
        (
            json!({"dest_smsc":"a","deliver_after":"soon"}),
            "deliver_after",
        ),
        (json!({"count":1}), "dest_smsc"),
    ] {
        let (status, answer) = client.post("/admin/enqueue", &body);
        assert_eq!(status, 400, "{body}");
        assert!(
            answer["error"].as_str().unwrap().contains(named),
            "{body}: {answer}"
        );
    }
}

#[test]
fn reset_forgets_everything_but_keeps_ids_increasing() {
    let sim = start(routed());
    let client = Client::new(&sim);
    let first = client.insert(&partner_submit("p", "1", "x"));
    client.post(paths::FRONTENDS, &json!({"name":"gw"}));
    client.post(
        "/admin/faults",
        &json!({"mode":"http_503","path_prefix":"/api/frontends"}),
    );
    let (status, _) = client.post("/admin/reset", &json!({}));
    assert_eq!(status, 200);
    let stats = client.stats();
    assert_eq!((stats.inserted, stats.frontends, stats.queued), (0, 0, 0));
    assert!(stats.queues.is_empty());
    assert_eq!(client.get(&format!("/admin/messages/{first}")).0, 404);
    assert_eq!(
        client.post(paths::FRONTENDS, &json!({"name":"gw"})).0,
        201,
        "faults cleared"
    );
    let next = client.insert(&partner_submit("p", "1", "x"));
    assert!(next.parse::<u64>().unwrap() > first.parse::<u64>().unwrap());
}
