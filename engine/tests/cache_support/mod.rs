//! Shared helpers of the cache tests: messages, settings, a log capture.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Mutex, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use core_api::InsertMessage;
use engine::cache::{CacheSettings, CacheWriter, MessageCache, WriterOptions, WriterThread};

/// A fixed start time (2026-11-21T...Z).
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_255_201)
}

/// A partner submit as the shard would insert it.
pub fn submit(n: usize, bind: &str) -> InsertMessage {
    serde_json::from_value(serde_json::json!({
        "source_addr": "MyBrand",
        "destination_addr": format!("+614000{n:05}"),
        "message_body": format!("message number {n}"),
        "encoding": "gsm7",
        "data_coding": 0,
        "registered_delivery": true,
        "source_smsc": bind,
        "source_mode": "server",
        "smsc_name": "smpp_test"
    }))
    .unwrap()
}

/// Disc storage under `dir`, 10 attempts, factor 2.
pub fn settings(dir: &Path) -> CacheSettings {
    CacheSettings::new(dir)
}

/// Opens shard `shard` under `dir` and starts its writer with default options.
pub fn open(dir: &Path, shard: usize) -> (MessageCache, CacheWriter, WriterThread) {
    let cache = MessageCache::open(&settings(dir), shard).unwrap();
    let (writer, thread) = CacheWriter::start(&cache, WriterOptions::default()).unwrap();
    (cache, writer, thread)
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("engine::cache") {
            LINES.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;
static INSTALL: Once = Once::new();

/// Installs the capturing logger (once per test binary).
pub fn capture_logs() {
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Info);
    });
}

/// Captured lines that contain `needle` (tests run in parallel: filter by an id or bind).
pub fn logged(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}
