//! Failures of core calls: how each is classified, counted and logged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod coreclient_support;

use coreclient_support::{
    closed_port_url, config, insert, start_pool, Behaviour, CoreStub, HangingServer,
};
use engine::coreclient::{CoreError, Endpoint, ErrorKind};
use futures_lite::future::block_on;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Captures log lines so the operator-facing patterns can be checked.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

fn log_lines() -> &'static Capture {
    static LOGGER: OnceLock<&'static Capture> = OnceLock::new();
    LOGGER.get_or_init(|| {
        let logger: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(logger).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
        logger
    })
}

fn logged(needle: &str) -> bool {
    log_lines()
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains(needle))
}

#[test]
fn unavailable_core_is_temporary_and_logged() {
    log_lines();
    let stub = CoreStub::start(Behaviour::Fixed(503, r#"{"error":"core overloaded"}"#));
    let pool = start_pool(&config(&stub.url()));
    let client = pool.client();
    let err = block_on(client.insert_message(insert("1234"))).expect_err("503");
    assert_eq!(
        err,
        CoreError::Http {
            status: 503,
            body_reason: "core overloaded".to_owned()
        }
    );
    assert!(err.is_temporary());
    assert_eq!(err.kind(), "http_5xx");
    assert!(logged("WARN api insert_message http 503 (core overloaded)"));
    let stats = client.stats();
    let inserts = stats.endpoint(Endpoint::InsertMessage).unwrap();
    assert_eq!((inserts.ok, inserts.errors_of(ErrorKind::Http5xx)), (0, 1));
}

#[test]
fn non_json_error_bodies_still_give_a_reason() {
    let stub = CoreStub::start(Behaviour::Fixed(502, "<html>Bad Gateway</html>\n"));
    let pool = start_pool(&config(&stub.url()));
    let err = block_on(pool.client().get_queue("a", 1)).expect_err("502");
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(err.to_string(), "http 502 (<html>Bad Gateway</html>)");
}

#[test]
fn refused_request_is_permanent_and_logged_as_error() {
    log_lines();
    let stub = CoreStub::start(Behaviour::Fixed(
        422,
        r#"{"error":"source_addr: too long"}"#,
    ));
    let pool = start_pool(&config(&stub.url()));
    let err = block_on(
        pool.client()
            .post_delivery_receipt(serde_json::from_str(r#"{"smsc_message_id":"1"}"#).unwrap()),
    )
    .expect_err("422");
    assert!(!err.is_temporary());
    assert_eq!(err.kind(), "http_4xx");
    assert!(logged(
        "ERROR api delivery_receipt http 422 (source_addr: too long)"
    ));
    for status in [408, 429] {
        let err = CoreError::Http {
            status,
            body_reason: String::new(),
        };
        assert!(err.is_temporary(), "{status} is load, not a wrong body");
    }
}

#[test]
fn hung_core_times_out_within_the_receive_timeout() {
    log_lines();
    let hung = HangingServer::start(Duration::from_secs(20));
    let mut config = config(&hung.url());
    config.recv_timeout = Duration::from_millis(300);
    let pool = start_pool(&config);
    let started = Instant::now();
    let err = block_on(pool.client().get_queue("vodafone_uk", 10)).expect_err("timeout");
    let took = started.elapsed();
    assert_eq!(
        err,
        CoreError::Timeout {
            phase: "recv_response"
        }
    );
    assert!(err.is_temporary());
    assert_eq!(err.kind(), "timeout");
    assert!(took >= Duration::from_millis(280), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(hung.accepted(), 1);
    assert!(logged("WARN api get_queue timeout (recv_response)"));
}

#[test]
fn nothing_listening_is_connection_refused() {
    log_lines();
    let pool = start_pool(&config(&closed_port_url()));
    let client = pool.client();
    let err = block_on(client.insert_message(insert("1"))).expect_err("refused");
    assert!(
        matches!(err, CoreError::ConnectionRefused { .. }),
        "{err:?}"
    );
    assert!(err.is_temporary());
    assert_eq!(err.kind(), "connection_refused");
    assert!(logged("WARN api insert_message connection refused"));
    let probe = block_on(client.probe_health());
    assert!(!probe.healthy);
    assert_eq!(
        probe.error.map(|e| e.error_kind()),
        Some(ErrorKind::ConnectionRefused)
    );
}

#[test]
fn malformed_answers_are_parse_errors() {
    log_lines();
    let garbage = CoreStub::start(Behaviour::Fixed(201, "{\"id\": 18446"));
    let pool = start_pool(&config(&garbage.url()));
    let err = block_on(pool.client().insert_message(insert("1"))).expect_err("garbage");
    assert!(matches!(err, CoreError::Parse { .. }), "{err:?}");
    assert_eq!(err.kind(), "parse_error");
    assert!(
        err.is_temporary(),
        "the core may have stored it: retry, inserts are idempotent"
    );
    assert!(logged("WARN api insert_message parse error"));

    let wrong_shape = CoreStub::start(Behaviour::Fixed(201, r#"{"ok":true}"#));
    let pool = start_pool(&config(&wrong_shape.url()));
    let err = block_on(pool.client().insert_message(insert("1"))).expect_err("no id");
    match err {
        CoreError::Parse { detail } => assert!(detail.contains("missing field `id`"), "{detail}"),
        other => panic!("{other:?}"),
    }
    let err = block_on(pool.client().get_queue("a", 1)).expect_err("object, not array");
    assert_eq!(err.error_kind(), ErrorKind::Parse);
}

#[test]
fn oversized_answer_is_refused_without_reading_it_all() {
    let stub = CoreStub::start(Behaviour::Contract { batch: false });
    let mut config = config(&stub.url());
    config.max_response_bytes = 64;
    let pool = start_pool(&config);
    let err = block_on(pool.client().get_queue("a", 2)).expect_err("too big");
    assert_eq!(err.error_kind(), ErrorKind::Parse, "{err:?}");
}

#[test]
fn redirects_are_not_followed() {
    let stub = CoreStub::start(Behaviour::Fixed(302, ""));
    let pool = start_pool(&config(&stub.url()));
    let err = block_on(pool.client().health()).expect_err("302");
    assert_eq!(err.http_status(), Some(302));
    assert_eq!(err.kind(), "http_status");
    assert!(err.is_temporary());
    assert_eq!(stub.seen().len(), 1);
}

#[test]
fn bad_settings_name_their_key() {
    let mut bad = config("ftp://core");
    assert_eq!(
        engine::coreclient::CorePool::start(&bad)
            .err()
            .map(|e| e.to_string()),
        Some("core client setting `api_base_url` must start with http:// or https://".to_owned())
    );
    bad = config("http://core");
    bad.threads = 0;
    assert!(engine::coreclient::CorePool::start(&bad).is_err());
}
