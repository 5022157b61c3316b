//! Each-jobs (`Job::InsertEach`, `Job::StatusEach`): one job, one answer per message, whether
//! the core takes batches, does not, or claims to and does not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod coreclient_support;

use core_api::{BatchStatusUpdate, DeliveryStatus, DeliveryStatusUpdate, InsertMessage};
use coreclient_support::{closed_port_url, config, insert, start_pool, Behaviour, CoreStub};
use engine::coreclient::{CoreError, Endpoint, ErrorKind, Job, Reply};
use futures_lite::future::block_on;

type InsertResults = Vec<Result<core_api::InsertResponse, CoreError>>;

fn insert_each(
    client: &engine::coreclient::CoreClient,
    messages: Vec<InsertMessage>,
) -> (Vec<InsertMessage>, InsertResults) {
    match block_on(client.submit(Job::InsertEach(messages))) {
        Ok(Reply::InsertEach { messages, results }) => (messages, results),
        other => panic!("not an insert-each answer: {other:?}"),
    }
}

fn update(id: &str) -> BatchStatusUpdate {
    BatchStatusUpdate {
        id: id.to_owned(),
        update: DeliveryStatusUpdate::new(DeliveryStatus::Delivered),
    }
}

fn destinations(messages: &[InsertMessage]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.destination_addr.as_str())
        .collect()
}

#[test]
fn a_batch_core_gets_one_call_and_each_message_its_own_answer() {
    let stub = CoreStub::start(Behaviour::Contract { batch: true });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    block_on(client.health()).unwrap();
    let (messages, results) = insert_each(&client, vec![insert("1"), insert(""), insert("3")]);
    assert_eq!(
        destinations(&messages),
        ["1", "", "3"],
        "handed back in order"
    );
    assert!(results[0].as_ref().is_ok_and(|r| !r.id.is_empty()));
    let refused = results[1].as_ref().unwrap_err();
    assert_eq!(refused.http_status(), Some(400));
    assert!(!refused.is_temporary(), "a bad element is permanent");
    assert!(results[2].is_ok());

    let reply = block_on(client.submit(Job::StatusEach(vec![update("7"), update("unknown")])));
    let Ok(Reply::StatusEach { updates, results }) = reply else {
        panic!("not a status-each answer: {reply:?}");
    };
    assert_eq!(updates[1].id, "unknown");
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1].as_ref().unwrap_err().http_status(), Some(404));

    let targets: Vec<String> = stub.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/api/system/health",
            "/api/messages/batch",
            "/api/delivery_status/batch"
        ]
    );
    let stats = client.stats();
    assert_eq!(stats.endpoint(Endpoint::InsertBatch).unwrap().ok, 1);
    assert_eq!(stats.endpoint(Endpoint::ProcessMessageBatch).unwrap().ok, 1);
    assert_eq!(
        stats
            .endpoint(Endpoint::InsertMessage)
            .unwrap()
            .latency_count(),
        0
    );
}

#[test]
fn without_batches_each_message_is_its_own_call() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    block_on(client.health()).unwrap();
    let (messages, results) = insert_each(&client, vec![insert("1"), insert(""), insert("3")]);
    assert_eq!(destinations(&messages), ["1", "", "3"]);
    assert!(results[0].is_ok() && results[2].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().http_status(), Some(400));
    let reply = block_on(client.submit(Job::StatusEach(vec![update("7"), update("8")])));
    assert!(
        matches!(&reply, Ok(Reply::StatusEach { results, .. }) if results == &[Ok(()), Ok(())]),
        "{reply:?}"
    );
    let seen = stub.seen();
    let singles = seen.iter().filter(|s| s.target == "/api/messages").count();
    assert_eq!(singles, 3);
    assert!(seen
        .iter()
        .any(|s| s.target == "/api/messages/8/delivery_status"));
    let stats = client.stats();
    let inserts = stats.endpoint(Endpoint::InsertMessage).unwrap();
    assert_eq!((inserts.ok, inserts.errors_of(ErrorKind::Http4xx)), (2, 1));
    assert_eq!(stats.endpoint(Endpoint::ProcessMessage).unwrap().ok, 2);
}

#[test]
fn a_core_that_claims_batches_but_lacks_them_gets_singles() {
    let stub = CoreStub::start(Behaviour::ClaimsBatch);
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    block_on(client.health()).unwrap();
    assert!(client.supports_batch());
    let (_, results) = insert_each(&client, vec![insert("1"), insert("2")]);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(!client.supports_batch(), "batching off after the 404");
    let targets: Vec<String> = stub.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/api/system/health",
            "/api/messages/batch",
            "/api/messages",
            "/api/messages"
        ]
    );
    let stats = client.stats();
    assert_eq!(stats.endpoint(Endpoint::InsertMessage).unwrap().ok, 2);
}

#[test]
fn an_unreachable_core_fails_each_message_temporarily_and_hands_them_back() {
    let pool = start_pool(&config(&closed_port_url()));
    let client = pool.client();
    let (messages, results) = insert_each(&client, vec![insert("1"), insert("2")]);
    assert_eq!(destinations(&messages), ["1", "2"], "kept for the cache");
    for result in &results {
        let error = result.as_ref().unwrap_err();
        assert_eq!(error.error_kind(), ErrorKind::ConnectionRefused);
        assert!(error.is_temporary());
    }
}

#[test]
fn after_a_shutdown_each_message_comes_back_with_the_shutdown_error() {
    let stub = CoreStub::start(Behaviour::Contract { batch: true });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    pool.shutdown();
    let (messages, results) = insert_each(&client, vec![insert("1"), insert("2")]);
    assert_eq!(destinations(&messages), ["1", "2"]);
    assert_eq!(results, vec![Err(CoreError::Shutdown); 2]);
    assert!(stub.seen().is_empty(), "nothing was sent");
}
