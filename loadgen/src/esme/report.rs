//! What a run measured: counts, error statuses, and the two latency histograms, with the
//! text, JSON and `.hgrm` renderings.

use engine::proto::CommandStatus;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Significant digits of the latency histograms.
const SIGFIG: u8 = 3;
/// Highest latency tracked: one hour in microseconds (above that it saturates).
const MAX_US: u64 = 3_600_000_000;

/// An empty latency histogram in microseconds (values above an hour saturate).
pub(crate) fn new_histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, MAX_US, SIGFIG).map_err(|e| format!("histogram: {e:?}"))
}

/// Percentiles of one histogram, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Samples recorded.
    pub count: u64,
    /// Smallest.
    pub min_us: u64,
    /// Mean.
    pub mean_us: f64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest.
    pub max_us: u64,
}

impl Percentiles {
    /// The percentiles of `h`.
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        if h.is_empty() {
            return Percentiles::default();
        }
        Percentiles {
            count: h.len(),
            min_us: h.min(),
            mean_us: (h.mean() * 10.0).round() / 10.0,
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
        }
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:<16} n={:<9} p50 {:>8} us  p90 {:>8} us  p99 {:>8} us  p99.9 {:>8} us  \
             max {:>8} us",
            self.count, self.p50_us, self.p90_us, self.p99_us, self.p999_us, self.max_us
        )
    }
}

/// The outcome of an `esme` run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Sessions started.
    pub sessions: usize,
    /// Sessions that bound.
    pub sessions_bound: usize,
    /// Connect or bind failures, by reason.
    pub session_failures: BTreeMap<String, u64>,
    /// Messages generated (a long message counts once).
    pub messages: u64,
    /// submit_sm sent (one per part).
    pub submitted: u64,
    /// submit_sm answered ESME_ROK.
    pub acked: u64,
    /// submit_sm answered with an error, by status.
    pub errors: BTreeMap<String, u64>,
    /// submit_sm without a response within the response timeout.
    pub timed_out: u64,
    /// submit_sm in flight when their connection closed.
    pub lost_in_flight: u64,
    /// Messages of the `--count` never sent because their session ended early.
    pub unsent: u64,
    /// Receipts received.
    pub receipts: u64,
    /// Receipts matched to a submit of this run.
    pub receipts_matched: u64,
    /// Receipts whose id matched no submit.
    pub receipts_unmatched: u64,
    /// Acked submits that asked for a receipt and got none.
    pub receipts_missing: u64,
    /// Receipts by state (`stat`).
    pub receipt_states: BTreeMap<String, u64>,
    /// MO deliver_sm received.
    pub mo_received: u64,
    /// Seconds from the first submit to the last submit_sm_resp.
    pub send_secs: f64,
    /// submit_sm answered per second over `send_secs`.
    pub throughput: f64,
    /// Messages (a long message once) per second over `send_secs`.
    pub messages_per_sec: f64,
    /// Seconds the whole run took.
    pub elapsed_secs: f64,
    /// submit_sm -> submit_sm_resp latency.
    pub submit_resp: Percentiles,
    /// submit_sm -> receipt latency.
    pub submit_receipt: Percentiles,
    /// The submit -> response histogram (microseconds).
    #[serde(skip)]
    pub resp_histogram: Histogram<u64>,
    /// The submit -> receipt histogram (microseconds).
    #[serde(skip)]
    pub receipt_histogram: Histogram<u64>,
}

/// The report's name of a status: `ESME_RTHROTTLED (0x00000058)`.
pub(crate) fn status_name(status: CommandStatus) -> String {
    format!(
        "{} (0x{:08X})",
        status.name().unwrap_or("unknown"),
        status.0
    )
}

impl Report {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "sessions {}/{} bound{}",
            self.sessions_bound,
            self.sessions,
            if self.session_failures.is_empty() {
                String::new()
            } else {
                format!(", failures {:?}", self.session_failures)
            }
        );
        let _ = writeln!(
            out,
            "messages {} submit_sm {} acked {} errors {} timed out {} lost in flight {} unsent {}",
            self.messages,
            self.submitted,
            self.acked,
            self.errors.values().sum::<u64>(),
            self.timed_out,
            self.lost_in_flight,
            self.unsent
        );
        for (status, count) in &self.errors {
            let _ = writeln!(out, "  {status}: {count}");
        }
        let _ = writeln!(
            out,
            "throughput {:.0} submit_sm/s, {:.0} messages/s (over {:.3} s from first submit to \
             last response; run {:.3} s)",
            self.throughput, self.messages_per_sec, self.send_secs, self.elapsed_secs
        );
        let _ = writeln!(
            out,
            "receipts {} matched {} unmatched {} missing {} states {:?}; mo received {}",
            self.receipts,
            self.receipts_matched,
            self.receipts_unmatched,
            self.receipts_missing,
            self.receipt_states,
            self.mo_received
        );
        let _ = writeln!(out, "{}", self.submit_resp.line("submit->resp"));
        let _ = writeln!(out, "{}", self.submit_receipt.line("submit->receipt"));
        out
    }

    /// Writes the JSON summary.
    pub fn write_json(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Writes the submit->resp distribution to `path` and the submit->receipt one beside it
    /// (`NAME.hgrm` -> `NAME.receipt.hgrm`), in milliseconds.
    pub fn write_hgrm(&self, path: &Path) -> Result<Vec<std::path::PathBuf>, String> {
        let receipt_path = path.with_extension("receipt.hgrm");
        let mut written = Vec::new();
        for (p, h) in [
            (path.to_path_buf(), &self.resp_histogram),
            (receipt_path, &self.receipt_histogram),
        ] {
            std::fs::write(&p, hgrm(h, 1000.0))
                .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            written.push(p);
        }
        Ok(written)
    }
}

/// The percentile distribution of `h` in the HdrHistogram `.hgrm` text format (as printed by
/// `outputPercentileDistribution` with 5 ticks per half distance), values divided by `scale`.
pub fn hgrm(h: &Histogram<u64>, scale: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    #[allow(clippy::cast_precision_loss)]
    if !h.is_empty() {
        let mut total: u64 = 0;
        for v in h.iter_quantiles(5) {
            let value = v.value_iterated_to() as f64 / scale;
            let q = v.quantile_iterated_to();
            total += v.count_since_last_iteration();
            if q < 1.0 {
                let _ = writeln!(
                    out,
                    "{value:12.3} {q:2.12} {total:10} {:14.2}",
                    1.0 / (1.0 - q)
                );
            } else {
                let _ = writeln!(out, "{value:12.3} {q:2.12} {total:10}");
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (mean, stdev, max) = if h.is_empty() {
        (0.0, 0.0, 0.0)
    } else {
        (h.mean() / scale, h.stdev() / scale, h.max() as f64 / scale)
    };
    let sub_buckets = (2 * 10u64.pow(u32::from(h.sigfig()))).next_power_of_two();
    let _ = writeln!(
        out,
        "#[Mean    = {mean:12.3}, StdDeviation   = {stdev:12.3}]"
    );
    let _ = writeln!(
        out,
        "#[Max     = {max:12.3}, Total count    = {:12}]",
        h.len()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:12}, SubBuckets     = {sub_buckets:12}]",
        h.buckets()
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hgrm_lists_percentiles_up_to_the_max() {
        let mut h = new_histogram().unwrap();
        for v in 1..=1000u64 {
            h.record(v * 10).unwrap();
        }
        let text = hgrm(&h, 1000.0);
        let rows: Vec<&str> = text
            .lines()
            .skip(2)
            .take_while(|l| !l.starts_with('#'))
            .collect();
        assert!(rows.len() > 20);
        let first: Vec<&str> = rows[0].split_whitespace().collect();
        assert_eq!(first[0], "0.010");
        let last: Vec<&str> = rows.last().unwrap().split_whitespace().collect();
        assert_eq!(last.len(), 3, "the 100% row has no 1/(1-p) column");
        assert_eq!(last[1], "1.000000000000");
        assert_eq!(last[2], "1000");
        assert!(text.contains("Total count    =         1000]"));
        let p = Percentiles::of(&h);
        assert_eq!(p.count, 1000);
        assert!((4990..=5010).contains(&p.p50_us), "{p:?}");
        assert!((9980..=10010).contains(&p.max_us), "{p:?}");
        assert_eq!(
            status_name(CommandStatus::ESME_RTHROTTLED),
            "ESME_RTHROTTLED (0x00000058)"
        );
    }
}
