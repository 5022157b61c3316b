//! The pool itself: back-pressure, many jobs in flight from one async caller, counters,
//! shutdown, and a throughput figure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod coreclient_support;

use coreclient_support::{
    closed_port_url, config, insert, start_pool, Behaviour, CoreStub, HangingServer,
};
use engine::coreclient::{
    CoreError, CorePool, Endpoint, ErrorKind, Job, Reply, ReplyFuture, LATENCY_BUCKETS,
};
use futures_lite::future::block_on;
use std::collections::{HashSet, VecDeque};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn queue_job(n: u32) -> Job {
    Job::GetQueue {
        dest_smsc: format!("bind{n}"),
        limit: n,
    }
}

/// Waits (bounded) until `condition` holds.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// Runs `f` on another thread and fails the test if it does not finish in `limit` (a hang).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("finished in time, no hang")
}

fn hung_pool(hung: &HangingServer, capacity: usize) -> CorePool {
    let mut config = config(&hung.url());
    config.threads = 1;
    config.queue_capacity = capacity;
    config.recv_timeout = Duration::from_millis(400);
    start_pool(&config)
}

#[test]
fn full_channel_hands_jobs_back() {
    let hung = HangingServer::start(Duration::from_secs(20));
    let pool = hung_pool(&hung, 2);
    let client = pool.client();
    let first = client.try_submit(queue_job(1)).expect("room");
    // The single worker takes the first job and hangs on it; then two fit in the channel.
    wait_until("the worker to take the first job", || {
        client.queued() == 0 && hung.accepted() == 1
    });
    let second = client.try_submit(queue_job(2)).expect("room");
    let third = client.try_submit(queue_job(3)).expect("room");
    assert_eq!(client.queued(), 2);
    assert_eq!(client.try_submit(queue_job(4)).err(), Some(queue_job(4)));
    assert_eq!(client.try_submit(queue_job(5)).err(), Some(queue_job(5)));
    assert_eq!(client.stats().queue_full, 2);
    assert_eq!(client.stats().queued, 2);
    // Every accepted job is answered (here: timed out, one after the other).
    for reply in [first, second, third] {
        let err = within(Duration::from_secs(5), move || block_on(reply)).expect_err("hung");
        assert_eq!(err.error_kind(), ErrorKind::Timeout);
    }
    let stats = client.stats();
    let polls = stats.endpoint(Endpoint::GetQueue).unwrap();
    assert_eq!(polls.errors_of(ErrorKind::Timeout), 3);
    assert_eq!(polls.latency_count(), 3);
}

/// Keeps `window` inserts in flight from one async task until `total` are answered; returns
/// the ids the core gave.
async fn pipelined_inserts(
    client: &engine::coreclient::CoreClient,
    total: usize,
    window: usize,
) -> Vec<String> {
    let mut in_flight: VecDeque<ReplyFuture> = VecDeque::with_capacity(window);
    let mut ids = Vec::with_capacity(total);
    let mut sent = 0;
    while ids.len() < total {
        while sent < total && in_flight.len() < window {
            in_flight.push_back(client.enqueue(Job::InsertMessage(insert("1234"))).await);
            sent += 1;
        }
        match in_flight.pop_front().expect("something in flight").await {
            Ok(Reply::Inserted(answer)) => ids.push(answer.id),
            other => panic!("insert failed: {other:?}"),
        }
    }
    ids
}

#[test]
fn sixty_four_in_flight_from_one_async_caller() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let mut config = config(&stub.url());
    // A channel smaller than the window: `enqueue` must yield and retry.
    config.queue_capacity = 8;
    let pool = start_pool(&config);
    let client = pool.client();
    let ids = within(Duration::from_secs(60), move || {
        block_on(pipelined_inserts(&client, 256, 64))
    });
    assert_eq!(ids.len(), 256);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        256,
        "every id distinct"
    );
    let stats = pool.client().stats();
    let inserts = stats.endpoint(Endpoint::InsertMessage).unwrap();
    assert_eq!((inserts.ok, inserts.error_total()), (256, 0));
    assert_eq!(inserts.latency_count(), 256);
    assert!(stats.queue_full > 0, "the window outran the channel");
    assert_eq!(stub.seen().len(), 256);
}

#[test]
fn counters_reflect_what_happened() {
    let stub = CoreStub::start(Behaviour::Contract { batch: true });
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    block_on(client.health()).unwrap();
    for _ in 0..3 {
        block_on(client.insert_message(insert("1"))).unwrap();
    }
    block_on(client.insert_message(insert(""))).unwrap_err();
    block_on(client.get_queue("a", 5)).unwrap();

    let refused = start_pool(&config(&closed_port_url()));
    block_on(refused.client().get_queue("a", 5)).unwrap_err();

    let stats = client.stats();
    assert!(stats.supports_batch);
    let row = |endpoint| stats.endpoint(endpoint).unwrap().clone();
    assert_eq!(row(Endpoint::Health).ok, 1);
    let inserts = row(Endpoint::InsertMessage);
    assert_eq!(inserts.ok, 3);
    assert_eq!(inserts.errors_of(ErrorKind::Http4xx), 1);
    assert_eq!(inserts.error_total(), 1);
    assert_eq!(inserts.latency_count(), 4);
    assert_eq!(inserts.cumulative_buckets()[LATENCY_BUCKETS], 4);
    assert!(inserts.latency_sum_us > 0);
    assert_eq!(row(Endpoint::GetQueue).ok, 1);
    assert_eq!(row(Endpoint::ProcessMessage).latency_count(), 0);
    // Each pool counts for itself.
    let other = refused.client().stats();
    let polls = other.endpoint(Endpoint::GetQueue).unwrap();
    assert_eq!(
        (polls.ok, polls.errors_of(ErrorKind::ConnectionRefused)),
        (0, 1)
    );
}

#[test]
fn shutdown_within_a_grace_answers_waiting_jobs_with_an_error() {
    let hung = HangingServer::start(Duration::from_secs(20));
    let pool = hung_pool(&hung, 4);
    let client = pool.client();
    let running = client.try_submit(queue_job(1)).unwrap();
    wait_until("the worker to take the first job", || {
        client.queued() == 0 && hung.accepted() == 1
    });
    let waiting: Vec<_> = (2..5)
        .map(|n| client.try_submit(queue_job(n)).unwrap())
        .collect();
    let started = Instant::now();
    within(Duration::from_secs(5), move || {
        pool.shutdown_within(Duration::ZERO)
    });
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "bounded by one request's time-out"
    );
    assert_eq!(
        block_on(running).unwrap_err().error_kind(),
        ErrorKind::Timeout
    );
    for reply in waiting {
        assert_eq!(block_on(reply).unwrap_err(), CoreError::Shutdown);
    }
    // After the shutdown a submit is answered at once, never queued.
    let late = client
        .try_submit(queue_job(9))
        .expect("answered, not handed back");
    assert_eq!(block_on(late).unwrap_err(), CoreError::Shutdown);
    let err = within(Duration::from_secs(5), move || block_on(client.health())).unwrap_err();
    assert_eq!(err, CoreError::Shutdown);
    assert_eq!(hung.accepted(), 1, "the waiting jobs were never sent");
}

#[test]
fn shutdown_finishes_queued_jobs() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let mut config = config(&stub.url());
    config.threads = 1;
    let pool = start_pool(&config);
    let client = pool.client();
    let replies: Vec<_> = (0..20)
        .map(|_| client.try_submit(Job::InsertMessage(insert("1"))).unwrap())
        .collect();
    within(Duration::from_secs(10), move || pool.shutdown());
    for reply in replies {
        assert!(matches!(block_on(reply), Ok(Reply::Inserted(_))));
    }
    assert_eq!(stub.seen().len(), 20);
}

#[test]
fn dropping_the_pool_never_leaves_a_caller_hanging() {
    let hung = HangingServer::start(Duration::from_secs(20));
    let pool = hung_pool(&hung, 8);
    let client = pool.client();
    let replies: Vec<_> = (0..4)
        .map(|n| client.try_submit(queue_job(n)).unwrap())
        .collect();
    drop(pool);
    // The queued jobs still run (and time out against the hung core); nothing hangs.
    let answers = within(Duration::from_secs(10), move || {
        replies.into_iter().map(block_on).collect::<Vec<_>>()
    });
    for answer in answers {
        assert_eq!(answer.unwrap_err().error_kind(), ErrorKind::Timeout);
    }
    let late = client.try_submit(queue_job(9)).unwrap();
    assert_eq!(block_on(late).unwrap_err(), CoreError::Shutdown);
}

#[test]
fn throughput_with_sixty_four_in_flight() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let mut config = config(&stub.url());
    config.threads = 8;
    config.queue_capacity = 128;
    let pool = start_pool(&config);
    let client = pool.client();
    let total = 5_000;
    let started = Instant::now();
    let ids = within(Duration::from_secs(120), move || {
        block_on(pipelined_inserts(&client, total, 64))
    });
    let took = started.elapsed();
    assert_eq!(ids.len(), total);
    println!(
        "core client: {total} inserts, 64 in flight, 8 threads: {:.0} inserts/s ({took:?})",
        total as f64 / took.as_secs_f64()
    );
}
