//! `/metrics`: every series is rendered at scrape time from the view's snapshots (a
//! prometheus-client [`Collector`]), so the gateway keeps no per-message metric handles and a
//! bind's series exist from start with value 0.

use std::sync::Arc;

use engine::coreclient::{Endpoint, ErrorKind, LATENCY_BUCKET_BOUNDS_US};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::view::{now_millis, BindView, GatewayView};

type Labels<'a> = Vec<(&'static str, &'a str)>;

/// A per-bind series: name (counters without `_total`), help, type and how to read it.
struct BindSeries {
    name: &'static str,
    help: &'static str,
    metric_type: MetricType,
    value: fn(&BindView, i64) -> u64,
}

const fn counter(
    name: &'static str,
    help: &'static str,
    value: fn(&BindView, i64) -> u64,
) -> BindSeries {
    BindSeries {
        name,
        help,
        metric_type: MetricType::Counter,
        value,
    }
}

const fn gauge(
    name: &'static str,
    help: &'static str,
    value: fn(&BindView, i64) -> u64,
) -> BindSeries {
    BindSeries {
        name,
        help,
        metric_type: MetricType::Gauge,
        value,
    }
}

/// The bind series of SPEC.md section 6, then the gateway's own additions.
const BIND_SERIES: &[BindSeries] = &[
    gauge(
        "smpp_connection_status",
        "1 when the bind is bound, 0 otherwise.",
        |b, _| u64::from(b.is_connected()),
    ),
    gauge(
        "smpp_uptime_seconds",
        "Seconds since the bind became bound (0 when not bound).",
        |b, now| b.uptime_seconds(now),
    ),
    gauge(
        "smpp_cache_size",
        "Messages held in the bind's cache.",
        |b, _| b.cache.size,
    ),
    counter(
        "smpp_messages_sent",
        "Messages accepted by the peer: submit_sm to a carrier (client) or deliver_sm to a \
         partner (server).",
        |b, _| b.stats.messages_sent,
    ),
    counter(
        "smpp_messages_received",
        "Messages received: submit_sm from a partner (server) or deliver_sm from a carrier \
         (client).",
        |b, _| b.stats.messages_received,
    ),
    counter(
        "smpp_delivery_failures",
        "Sends that failed (error status, timeout, lost link).",
        |b, _| b.stats.delivery_failures,
    ),
    counter("smpp_bind_success", "Successful binds.", |b, _| {
        b.stats.bind_success
    }),
    counter("smpp_bind_failures", "Refused or failed binds.", |b, _| {
        b.stats.bind_failures
    }),
    counter(
        "smpp_connection_attempts",
        "TCP connections opened (client) or accepted for the bind (server).",
        |b, _| b.stats.connection_attempts,
    ),
    counter(
        "smpp_disconnection",
        "Sessions of the bind that ended.",
        |b, _| b.stats.disconnections,
    ),
    counter(
        "smpp_enquire_link_sent",
        "enquire_link requests the gateway sent.",
        |b, _| b.stats.enquire_link_sent,
    ),
    counter(
        "smpp_enquire_link_received",
        "enquire_link requests the peer sent.",
        |b, _| b.stats.enquire_link_received,
    ),
    counter(
        "smpp_cache_delivered",
        "Cached messages delivered to the core.",
        |b, _| b.cache.delivered,
    ),
    counter(
        "smpp_cache_retry",
        "Failed deliveries of cached messages that were rescheduled.",
        |b, _| b.cache.retries,
    ),
    counter(
        "smpp_cache_permanent_failures",
        "Cached messages given up after the maximum retries.",
        |b, _| b.cache.permanent_failures,
    ),
    counter(
        "smpp_cache_overflow",
        "Oldest cached messages dropped because the cache was full.",
        |b, _| b.cache.overflow,
    ),
    counter(
        "smpp_throttled",
        "Requests answered ESME_RTHROTTLED or held back by the bind's TPS limit.",
        |b, _| b.stats.throttled,
    ),
    counter(
        "smpp_rejected",
        "Requests refused for another reason (whitelist, core refusal).",
        |b, _| b.stats.rejected,
    ),
    gauge(
        "smpp_bound_sessions",
        "Sessions of the bind bound now.",
        |b, _| b.stats.bound_sessions,
    ),
    gauge(
        "smpp_bind_enabled",
        "1 when the bind is enabled (a disabled client bind is not expected to connect).",
        |b, _| u64::from(b.enabled),
    ),
    gauge(
        "smpp_tps_limit",
        "Configured TPS limit of the bind.",
        |b, _| u64::from(b.tps_limit),
    ),
    gauge(
        "smpp_window_size",
        "Configured window: most requests in flight per session.",
        |b, _| u64::from(b.window_size),
    ),
];

fn bind_labels(bind: &BindView, port: &str) -> Vec<(&'static str, String)> {
    let id = &bind.identity;
    let mut labels = vec![
        ("bind_name", id.name.clone()),
        ("mode", id.mode.as_str().to_owned()),
        ("host", id.host.clone()),
        ("port", port.to_owned()),
    ];
    if let Some(bind_type) = &id.bind_type {
        labels.push(("bind_type", bind_type.clone()));
    }
    labels.push(("system_id", id.system_id.clone()));
    labels
}

/// Renders the gateway's state for Prometheus.
pub struct GatewayCollector {
    view: Arc<dyn GatewayView>,
}

impl std::fmt::Debug for GatewayCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayCollector").finish_non_exhaustive()
    }
}

impl GatewayCollector {
    /// A collector reading `view` at every scrape.
    pub fn new(view: Arc<dyn GatewayView>) -> Self {
        Self { view }
    }
}

fn write_value(
    target: &mut MetricEncoder,
    metric_type: MetricType,
    value: &f64,
) -> Result<(), std::fmt::Error> {
    match metric_type {
        MetricType::Counter => target.encode_counter::<NoLabelSet, _, f64>(value, None),
        _ => target.encode_gauge(value),
    }
}

fn encode_one(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    series: &[(Labels, f64)],
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in series {
        // An unlabelled series is written `name value`, not `name{} value`.
        if labels.is_empty() {
            write_value(&mut metric, metric_type, value)?;
        } else {
            write_value(&mut metric.encode_family(labels)?, metric_type, value)?;
        }
    }
    Ok(())
}

impl Collector for GatewayCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let now = now_millis();
        let binds = self.view.binds();
        let ports: Vec<String> = binds.iter().map(|b| b.identity.port.to_string()).collect();
        let labels: Vec<_> = binds
            .iter()
            .zip(&ports)
            .map(|(bind, port)| bind_labels(bind, port))
            .collect();
        for series in BIND_SERIES {
            let mut metric =
                encoder.encode_descriptor(series.name, series.help, None, series.metric_type)?;
            for (bind, labels) in binds.iter().zip(&labels) {
                let value = (series.value)(bind, now);
                let mut family = metric.encode_family(labels)?;
                match series.metric_type {
                    MetricType::Counter => {
                        family.encode_counter::<NoLabelSet, _, f64>(&value, None)?;
                    }
                    _ => family.encode_gauge(&value)?,
                }
            }
        }
        let in_flight: Vec<_> = binds
            .iter()
            .zip(&labels)
            .filter_map(|(bind, labels)| {
                Some((
                    labels.iter().map(|(k, v)| (*k, v.as_str())).collect(),
                    bind.in_flight? as f64,
                ))
            })
            .collect();
        encode_one(
            &mut encoder,
            "smpp_window_in_flight",
            "Requests of the bind awaiting their response now (window occupancy).",
            MetricType::Gauge,
            &in_flight,
        )?;
        encode_core(&mut encoder, &*self.view)?;
        encode_listener(&mut encoder, &*self.view)?;
        encode_gateway(&mut encoder, &*self.view, now)
    }
}

fn encode_core(
    encoder: &mut DescriptorEncoder,
    view: &dyn GatewayView,
) -> Result<(), std::fmt::Error> {
    let core = view.core();
    let pool = &core.pool;
    let mut requests: Vec<(Labels, f64)> = Vec::new();
    let mut errors: Vec<(Labels, f64)> = Vec::new();
    for stats in &pool.endpoints {
        let endpoint = stats.endpoint.label();
        requests.push((
            vec![("endpoint", endpoint), ("outcome", "success")],
            stats.ok as f64,
        ));
        requests.push((
            vec![("endpoint", endpoint), ("outcome", "error")],
            stats.error_total() as f64,
        ));
        for kind in ErrorKind::ALL {
            errors.push((
                vec![("endpoint", endpoint), ("kind", kind.label())],
                stats.errors_of(kind) as f64,
            ));
        }
    }
    encode_one(
        encoder,
        "smpp_core_api_requests",
        "Calls to the core API by endpoint and outcome (success|error).",
        MetricType::Counter,
        &requests,
    )?;
    encode_one(
        encoder,
        "smpp_core_api_errors",
        "Failed core API calls by endpoint and kind (connection_refused, timeout, http_4xx, \
         http_5xx, http_status, parse_error, tls_error, io_error, shutdown, other).",
        MetricType::Counter,
        &errors,
    )?;
    let mut histogram = encoder.encode_descriptor(
        "smpp_core_api_request_duration_seconds",
        "Latency of core API calls that reached the network, by endpoint.",
        None,
        MetricType::Histogram,
    )?;
    for endpoint in Endpoint::ALL {
        let Some(stats) = pool.endpoint(endpoint) else {
            continue;
        };
        let buckets: Vec<(f64, u64)> = LATENCY_BUCKET_BOUNDS_US
            .iter()
            .map(|&bound| bound as f64 / 1e6)
            .chain(std::iter::once(f64::INFINITY))
            .zip(stats.latency_buckets.iter().copied())
            .collect();
        let labels = [("endpoint", endpoint.label())];
        histogram
            .encode_family(&labels)?
            .encode_histogram::<NoLabelSet>(
                stats.latency_sum_us as f64 / 1e6,
                stats.latency_count(),
                &buckets,
                None,
            )?;
    }
    let none: Vec<(Labels, f64)> = Vec::new();
    let single = |value: f64| vec![(none_labels(), value)];
    encode_one(
        encoder,
        "smpp_core_api_queue_full",
        "Core API jobs that found the pool's channel full.",
        MetricType::Counter,
        &single(pool.queue_full as f64),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_queued_jobs",
        "Core API jobs waiting for a pool thread now.",
        MetricType::Gauge,
        &single(pool.queued as f64),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_up",
        "1 when the last health probe of the core succeeded.",
        MetricType::Gauge,
        &single(f64::from(u8::from(core.healthy))),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_health_checks",
        "Health probes of the core.",
        MetricType::Counter,
        &single(core.health_checks as f64),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_health_check_failures",
        "Health probes of the core that failed.",
        MetricType::Counter,
        &single(core.health_check_failures as f64),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_health_check_latency_seconds",
        "Latency of the last health probe.",
        MetricType::Gauge,
        &single(core.last_probe_latency_us as f64 / 1e6),
    )?;
    encode_one(
        encoder,
        "smpp_core_api_registrations",
        "Frontend registrations (heartbeats) the core accepted.",
        MetricType::Counter,
        &single(core.registrations as f64),
    )?;
    let heartbeat: Vec<(Labels, f64)> = core
        .last_heartbeat_ms
        .map(|ms| vec![(none_labels(), ms as f64 / 1000.0)])
        .unwrap_or(none);
    encode_one(
        encoder,
        "smpp_core_api_last_heartbeat_timestamp_seconds",
        "Unix time of the last heartbeat the core accepted.",
        MetricType::Gauge,
        &heartbeat,
    )
}

fn none_labels() -> Labels<'static> {
    Vec::new()
}

fn encode_listener(
    encoder: &mut DescriptorEncoder,
    view: &dyn GatewayView,
) -> Result<(), std::fmt::Error> {
    let listener = view.listener();
    if !listener.enabled {
        return Ok(());
    }
    let port = listener.port.to_string();
    let base: Labels = vec![("host", listener.host.as_str()), ("port", port.as_str())];
    let single = |value: f64| vec![(base.clone(), value)];
    encode_one(
        encoder,
        "smpp_listener_open_connections",
        "Partner connections open on the listener now.",
        MetricType::Gauge,
        &single(f64::from(listener.open_connections)),
    )?;
    encode_one(
        encoder,
        "smpp_listener_max_connections",
        "listen.max_connections.",
        MetricType::Gauge,
        &single(f64::from(listener.max_connections)),
    )?;
    encode_one(
        encoder,
        "smpp_listener_connections_accepted",
        "Connections the listener accepted.",
        MetricType::Counter,
        &single(listener.accepted as f64),
    )?;
    let refused: Vec<(Labels, f64)> = [
        ("max_connections", listener.refused_max_connections),
        ("ip_whitelist", listener.refused_ip),
        ("bind", listener.bind_refused),
        ("locked_out", listener.refused_locked_out),
    ]
    .into_iter()
    .map(|(reason, count)| {
        let mut labels = base.clone();
        labels.push(("reason", reason));
        (labels, count as f64)
    })
    .collect();
    encode_one(
        encoder,
        "smpp_listener_connections_refused",
        "Connections or binds the listener refused, by reason (max_connections, ip_whitelist, \
         bind, locked_out).",
        MetricType::Counter,
        &refused,
    )?;
    encode_one(
        encoder,
        "smpp_listener_lockouts",
        "Peer addresses locked out after listen.bind_failure_limit failed binds.",
        MetricType::Counter,
        &single(listener.lockouts as f64),
    )
}

fn encode_gateway(
    encoder: &mut DescriptorEncoder,
    view: &dyn GatewayView,
    now: i64,
) -> Result<(), std::fmt::Error> {
    let info = view.info();
    let single = |value: f64| vec![(none_labels(), value)];
    encode_one(
        encoder,
        "smpp_shards",
        "Shards (pinned I/O threads) running.",
        MetricType::Gauge,
        &single(info.shards as f64),
    )?;
    let uptime = now.saturating_sub(info.started_at_ms).max(0) / 1000;
    encode_one(
        encoder,
        "smpp_gateway_uptime_seconds",
        "Seconds since the gateway started.",
        MetricType::Gauge,
        &single(uptime as f64),
    )?;
    let build: Vec<(Labels, f64)> = vec![(
        vec![
            ("version", info.version.as_str()),
            ("smsc_name", info.smsc_name.as_str()),
        ],
        1.0,
    )];
    encode_one(
        encoder,
        "smpp_build_info",
        "Always 1; labels carry the version and smsc_name.",
        MetricType::Gauge,
        &build,
    )
}
