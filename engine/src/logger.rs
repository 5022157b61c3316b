//! The process logger: plain text lines by default, one JSON object per line on request.
//!
//! Installed once, before any executor starts (glommio reports a missing memlock allowance only
//! through `log::warn!`). The level comes from `RUST_LOG` when set (`debug`, or a list such as
//! `info,engine::shard=trace`), else from the configuration. Lines go to stderr, which systemd
//! hands to journald.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `2026-11-22T10:00:00.123Z INFO engine::shard: message`.
    Text,
    /// `{"ts":"...","level":"INFO","target":"engine::shard","msg":"message"}`.
    Json,
}

/// Which records pass: a default level and per-target (module prefix) levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    default: LevelFilter,
    targets: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// Everything at `level` and above.
    pub fn new(level: LevelFilter) -> Self {
        Self {
            default: level,
            targets: Vec::new(),
        }
    }

    /// Parses a `RUST_LOG`-style spec (`warn`, `engine=debug`, `info,engine::shard=trace`),
    /// starting from `fallback`; unknown parts are ignored.
    pub fn parse(spec: &str, fallback: LevelFilter) -> Self {
        let mut filter = Self::new(fallback);
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((target, level)) => {
                    if let Ok(level) = level.trim().parse() {
                        // A later setting of the same target replaces an earlier one.
                        let target = target.trim().to_owned();
                        filter.targets.retain(|(t, _)| *t != target);
                        filter.targets.push((target, level));
                    }
                }
                None => {
                    if let Ok(level) = part.parse() {
                        filter.default = level;
                    }
                }
            }
        }
        // The longest matching prefix wins.
        filter
            .targets
            .sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        filter
    }

    /// The most verbose level any target may log at.
    pub fn max_level(&self) -> LevelFilter {
        self.targets
            .iter()
            .map(|(_, level)| *level)
            .fold(self.default, std::cmp::Ord::max)
    }

    /// Whether a record of `level` from `target` passes.
    pub fn enabled(&self, target: &str, level: Level) -> bool {
        let limit = self
            .targets
            .iter()
            .find(|(prefix, _)| {
                target
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
            .map_or(self.default, |(_, level)| *level);
        level <= limit
    }
}

struct Logger {
    filter: Filter,
    format: Format,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata.target(), metadata.level())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format_line(self.format, record);
        // A failed write to stderr has nowhere to be reported.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// One formatted line (with its newline) for `record`.
pub fn format_line(format: Format, record: &Record<'_>) -> String {
    let ts = core_api::rfc3339::format_millis(core_api::rfc3339::now_millis());
    let message = record.args().to_string();
    match format {
        Format::Text => format!(
            "{ts} {:<5} {}: {message}\n",
            record.level(),
            record.target()
        ),
        Format::Json => {
            let object = serde_json::json!({
                "ts": ts,
                "level": record.level().as_str(),
                "target": record.target(),
                "msg": message,
            });
            format!("{object}\n")
        }
    }
}

/// Libraries whose info lines are routine storage chatter: warnings only, unless `RUST_LOG`
/// names them.
const QUIET_TARGETS: &str = "fjall=warn,lsm_tree=warn";

/// The filter in force: `RUST_LOG` if set, else `configured` (storage libraries at warn).
pub fn filter_from_env(configured: LevelFilter) -> Filter {
    let spec = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => format!("{QUIET_TARGETS},{spec}"),
        _ => QUIET_TARGETS.to_owned(),
    };
    Filter::parse(&spec, configured)
}

/// The logger [`init`] installs, for a caller that wraps it before installing it itself (the
/// web UI keeps what it writes in a ring).
pub fn logger(filter: Filter, format: Format) -> impl Log {
    Logger { filter, format }
}

/// Installs the logger for the whole process; a second call keeps the first logger and
/// returns false.
pub fn init(filter: Filter, format: Format) -> bool {
    let max = filter.max_level();
    let installed = log::set_boxed_logger(Box::new(Logger { filter, format })).is_ok();
    if installed {
        log::set_max_level(max);
    }
    installed
}

/// The `log` level of a configured level.
pub fn level_filter(level: smpp_config::LogLevel) -> LevelFilter {
    match level {
        smpp_config::LogLevel::Error => LevelFilter::Error,
        smpp_config::LogLevel::Warn => LevelFilter::Warn,
        smpp_config::LogLevel::Info => LevelFilter::Info,
        smpp_config::LogLevel::Debug => LevelFilter::Debug,
        smpp_config::LogLevel::Trace => LevelFilter::Trace,
    }
}

/// The line format of a configured format.
pub fn format_of(format: smpp_config::LogFormat) -> Format {
    match format {
        smpp_config::LogFormat::Text => Format::Text,
        smpp_config::LogFormat::Json => Format::Json,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn filter_spec_with_targets() {
        let filter = Filter::parse("warn,engine::shard=debug", LevelFilter::Info);
        assert!(filter.enabled("engine::shard::server", Level::Debug));
        assert!(filter.enabled("engine::shard", Level::Debug));
        assert!(!filter.enabled("engine::shardx", Level::Info));
        assert!(!filter.enabled("engine::proto", Level::Info));
        assert!(filter.enabled("engine::proto", Level::Warn));
        assert_eq!(filter.max_level(), LevelFilter::Debug);
    }

    #[test]
    fn storage_libraries_are_quiet_unless_asked() {
        let filter = Filter::parse(QUIET_TARGETS, LevelFilter::Info);
        assert!(!filter.enabled("fjall::db", Level::Info));
        assert!(filter.enabled("engine::shard", Level::Info));
        let filter = Filter::parse(&format!("{QUIET_TARGETS},fjall=debug"), LevelFilter::Info);
        assert!(filter.enabled("fjall::db", Level::Debug));
    }

    #[test]
    fn bad_spec_parts_keep_the_fallback() {
        let filter = Filter::parse("loud,=x", LevelFilter::Info);
        assert!(filter.enabled("any", Level::Info));
        assert!(!filter.enabled("any", Level::Debug));
    }

    #[test]
    fn json_lines_are_json() {
        let line = format_line(
            Format::Json,
            &Record::builder()
                .args(format_args!("Rejected \"x\"\n"))
                .level(Level::Warn)
                .target("engine::shard")
                .build(),
        );
        assert!(line.ends_with('\n'));
        let value: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(value["level"], "WARN");
        assert_eq!(value["msg"], "Rejected \"x\"\n");
        assert_eq!(value["target"], "engine::shard");
    }

    #[test]
    fn text_lines_name_level_and_target() {
        let line = format_line(
            Format::Text,
            &Record::builder()
                .args(format_args!("hello"))
                .level(Level::Info)
                .target("t")
                .build(),
        );
        assert!(line.ends_with("INFO  t: hello\n"), "{line}");
    }
}
