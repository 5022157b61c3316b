//! The two text formats of `/metrics` and how a scraper picks one.
//!
//! prometheus-client writes OpenMetrics; `promtool check metrics`, curl users and older
//! scrapers read the classic Prometheus text format, which names counter families with their
//! `_total` suffix and has no `# EOF`. Prometheus itself asks for OpenMetrics in `Accept`.

use std::fmt::Write as _;
use std::sync::Arc;

use prometheus_client::registry::Registry;

use crate::metrics::GatewayCollector;
use crate::view::GatewayView;

/// Content type of the OpenMetrics text format.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of the classic Prometheus text format (0.0.4).
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Which text format a scraper asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0 text (what Prometheus asks for first).
    OpenMetrics,
    /// Prometheus text 0.0.4 (what `promtool check metrics`, curl and older scrapers read).
    Prometheus,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it, the classic format otherwise.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
            Format::Prometheus => PROMETHEUS_CONTENT_TYPE,
        }
    }
}

/// Renders every metric of `view` in `format`.
pub fn render(view: &Arc<dyn GatewayView>, format: Format) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(GatewayCollector::new(Arc::clone(view))));
    let mut text = String::with_capacity(32 * 1024);
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(match format {
        Format::OpenMetrics => text,
        Format::Prometheus => to_prometheus_text(&text),
    })
}

/// Rewrites OpenMetrics text as Prometheus text 0.0.4: counter families are named with their
/// `_total` suffix in `# HELP`/`# TYPE` (OpenMetrics names the family without it), and the
/// `# UNIT` and `# EOF` lines go.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    let mut lines = openmetrics.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            let is_counter = lines
                .peek()
                .is_some_and(|next| *next == format!("# TYPE {name} counter"));
            if is_counter {
                let help = rest.get(name.len()..).unwrap_or("");
                let _ = writeln!(out, "# HELP {name}_total{help}");
                let _ = writeln!(out, "# TYPE {name}_total counter");
                lines.next();
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_get_their_total_name_and_openmetrics_lines_go() {
        let openmetrics = "# HELP a_sent Sent.\n# TYPE a_sent counter\na_sent_total{x=\"1\"} 2\n\
                           # HELP b Up.\n# TYPE b gauge\n# UNIT b seconds\nb 1\n\
                           # HELP c Lat.\n# TYPE c histogram\nc_sum 0.5\nc_count 1\n# EOF\n";
        assert_eq!(
            to_prometheus_text(openmetrics),
            "# HELP a_sent_total Sent.\n# TYPE a_sent_total counter\na_sent_total{x=\"1\"} 2\n\
             # HELP b Up.\n# TYPE b gauge\nb 1\n\
             # HELP c Lat.\n# TYPE c histogram\nc_sum 0.5\nc_count 1\n"
        );
    }

    #[test]
    fn openmetrics_only_when_asked_for() {
        let prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.4";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Prometheus);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Prometheus);
        assert_eq!(Format::negotiate(None), Format::Prometheus);
    }
}
