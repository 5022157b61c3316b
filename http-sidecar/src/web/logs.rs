//! The in-memory log ring the Logs page streams from, and the `log::Log` layer that fills it.
//!
//! [`RingLog`] wraps the gateway's own logger: every record the inner logger writes is also kept
//! (formatted once, message capped) in a [`LogBuffer`] of bounded size. The lock is held only to
//! push one line; formatting happens before it.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use log::{Level, Log, Metadata, Record};
use serde_json::{json, Value};

use crate::view::now_millis;

/// Longest message kept per line; the rest is cut with an ellipsis.
const MAX_MESSAGE_BYTES: usize = 4096;

/// One captured log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Position in the stream since start (never reused, also after a clear).
    pub seq: u64,
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Severity.
    pub level: Level,
    /// The module that logged it.
    pub target: String,
    /// The message text.
    pub message: String,
}

impl LogLine {
    /// The line as the Logs page reads it.
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "time": core_api::rfc3339::format_millis(self.at_ms),
            "level": self.level.as_str(),
            "target": self.target,
            "message": self.message,
        })
    }
}

/// Which lines a reader wants: at least this severe and containing this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    /// Least severe level shown (`Level::Trace` shows everything).
    pub level: Level,
    /// Case-insensitive text the target or message must contain (lower-cased; empty = any).
    pub search: String,
}

impl Default for LogFilter {
    fn default() -> Self {
        Self {
            level: Level::Trace,
            search: String::new(),
        }
    }
}

impl LogFilter {
    /// A filter from the page's `level` and `q` parameters (unknown levels show everything).
    pub fn new(level: Option<&str>, search: Option<&str>) -> Self {
        let level = level
            .and_then(|name| name.parse::<Level>().ok())
            .unwrap_or(Level::Trace);
        Self {
            level,
            search: search.unwrap_or("").trim().to_lowercase(),
        }
    }

    /// Whether `line` passes.
    pub fn matches(&self, line: &LogLine) -> bool {
        line.level <= self.level
            && (self.search.is_empty()
                || line.message.to_lowercase().contains(&self.search)
                || line.target.to_lowercase().contains(&self.search))
    }
}

#[derive(Debug)]
struct Ring {
    lines: VecDeque<LogLine>,
    next_seq: u64,
}

/// A bounded ring of recent log lines that readers can wait on.
#[derive(Debug)]
pub struct LogBuffer {
    ring: Mutex<Ring>,
    changed: Condvar,
    capacity: usize,
}

impl LogBuffer {
    /// A buffer keeping the last `capacity` lines.
    pub fn new(capacity: usize) -> Arc<LogBuffer> {
        Arc::new(LogBuffer {
            ring: Mutex::new(Ring {
                lines: VecDeque::with_capacity(capacity.min(4096)),
                next_seq: 1,
            }),
            changed: Condvar::new(),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        match self.ring.lock() {
            Ok(ring) => ring,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Appends a line, dropping the oldest when full.
    pub fn push(&self, level: Level, target: &str, message: String) {
        let mut message = message;
        if message.len() > MAX_MESSAGE_BYTES {
            let mut cut = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let at_ms = now_millis();
        let target = target.to_owned();
        {
            let mut ring = self.lock();
            let seq = ring.next_seq;
            ring.next_seq += 1;
            if ring.lines.len() >= self.capacity {
                ring.lines.pop_front();
            }
            ring.lines.push_back(LogLine {
                seq,
                at_ms,
                level,
                target,
                message,
            });
        }
        self.changed.notify_all();
    }

    /// Lines with `seq >= from` that pass `filter`, oldest first, at most `limit`
    /// (the newest ones when more match).
    pub fn lines_from(&self, from: u64, filter: &LogFilter, limit: usize) -> Vec<LogLine> {
        let ring = self.lock();
        let mut lines: Vec<LogLine> = ring
            .lines
            .iter()
            .rev()
            .take_while(|line| line.seq >= from)
            .filter(|line| filter.matches(line))
            .take(limit)
            .cloned()
            .collect();
        lines.reverse();
        lines
    }

    /// The sequence number the next line will get.
    pub fn next_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// Waits up to `timeout` for a line with `seq >= from`; returns the next sequence number
    /// then (equal to `from` when nothing came).
    pub fn wait_from(&self, from: u64, timeout: Duration) -> u64 {
        let ring = self.lock();
        let result = self
            .changed
            .wait_timeout_while(ring, timeout, |ring| ring.next_seq <= from);
        match result {
            Ok((ring, _)) => ring.next_seq,
            Err(poisoned) => poisoned.into_inner().0.next_seq,
        }
    }

    /// Forgets every line (sequence numbers go on).
    pub fn clear(&self) {
        self.lock().lines.clear();
    }

    /// Wakes every waiting reader (used when the web UI stops).
    pub fn wake_all(&self) {
        self.changed.notify_all();
    }
}

/// A `log::Log` that passes records to `inner` and keeps those it writes in a [`LogBuffer`].
#[derive(Debug)]
pub struct RingLog<L> {
    inner: L,
    buffer: Arc<LogBuffer>,
}

impl<L: Log> RingLog<L> {
    /// Wraps `inner`; install the result with `log::set_boxed_logger` (and `log::set_max_level`
    /// as for the inner logger).
    pub fn new(inner: L, buffer: Arc<LogBuffer>) -> Self {
        Self { inner, buffer }
    }
}

impl<L: Log> Log for RingLog<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.inner.enabled(record.metadata()) {
            return;
        }
        self.inner.log(record);
        self.buffer
            .push(record.level(), record.target(), record.args().to_string());
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct WarnAndAbove;

    impl Log for WarnAndAbove {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.level() <= Level::Warn
        }
        fn log(&self, _: &Record<'_>) {}
        fn flush(&self) {}
    }

    fn record(logger: &dyn Log, level: Level, message: &str) {
        logger.log(
            &Record::builder()
                .level(level)
                .target("engine::shard")
                .args(format_args!("{message}"))
                .build(),
        );
    }

    #[test]
    fn keeps_what_the_inner_logger_writes_in_a_bounded_ring() {
        let buffer = LogBuffer::new(3);
        let logger = RingLog::new(WarnAndAbove, Arc::clone(&buffer));
        record(&logger, Level::Info, "not written, not kept");
        for i in 1..=4 {
            record(&logger, Level::Warn, &format!("warning {i}"));
        }
        record(&logger, Level::Error, "Bind failed for vodafone_uk");
        let all = buffer.lines_from(0, &LogFilter::default(), 100);
        let messages: Vec<_> = all.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(
            messages,
            ["warning 3", "warning 4", "Bind failed for vodafone_uk"]
        );
        assert_eq!(all[2].seq, 5);
        let errors = LogFilter::new(Some("error"), None);
        assert_eq!(buffer.lines_from(0, &errors, 100).len(), 1);
        let search = LogFilter::new(Some("warn"), Some("VODAFONE"));
        assert_eq!(buffer.lines_from(0, &search, 100)[0].level, Level::Error);
        assert_eq!(buffer.lines_from(5, &LogFilter::default(), 100).len(), 1);
        assert_eq!(buffer.lines_from(0, &LogFilter::default(), 1)[0].seq, 5);
        buffer.clear();
        assert!(buffer.lines_from(0, &LogFilter::default(), 100).is_empty());
        assert_eq!(buffer.next_seq(), 6);
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let buffer = LogBuffer::new(2);
        buffer.push(Level::Info, "t", "é".repeat(MAX_MESSAGE_BYTES));
        let line = &buffer.lines_from(0, &LogFilter::default(), 1)[0];
        assert!(line.message.len() <= MAX_MESSAGE_BYTES + '…'.len_utf8());
        assert!(line.message.ends_with('…'));
    }

    #[test]
    fn waiting_readers_wake_on_a_new_line() {
        let buffer = LogBuffer::new(8);
        let from = buffer.next_seq();
        let writer = Arc::clone(&buffer);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            writer.push(Level::Info, "t", "hello".to_owned());
        });
        assert_eq!(buffer.wait_from(from, Duration::from_secs(5)), from + 1);
        assert_eq!(
            buffer.wait_from(from + 1, Duration::from_millis(10)),
            from + 1
        );
        thread.join().ok();
    }
}
