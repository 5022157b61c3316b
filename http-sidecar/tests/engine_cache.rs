//! `EngineCacheAdmin` over real shard caches (two shards on disc, no runtime): counts summed
//! over the shards, ids routed to the shard that made them, errors for unknown ids and binds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::SystemTime;

use core_api::InsertMessage;
use engine::cache::MessageState;
use engine::coreclient::{CoreClientConfig, CorePool};
use engine::shard::Shared;
use http_sidecar::admin::CacheAdmin;
use http_sidecar::{ControlError, EngineCacheAdmin};

fn message(n: usize) -> InsertMessage {
    serde_json::from_value(serde_json::json!({
        "source_addr": "MyBrand",
        "destination_addr": format!("+614000{n:05}"),
        "message_body": format!("message number {n}"),
        "encoding": "gsm7",
        "data_coding": 0,
        "source_smsc": "partner_acme",
        "source_mode": "server",
        "smsc_name": "gw_cache_admin"
    }))
    .unwrap()
}

#[test]
fn the_admin_sums_shards_and_routes_ids() {
    let dir = std::env::temp_dir().join(format!("omsmpp-cache-admin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let toml = format!(
        r#"
api_base_url = "http://127.0.0.1:9"
smsc_name = "gw_cache_admin"
cache_dir = "{}"
cache_flush_interval = 3600000
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transceiver"]
cache_enabled = true
"#,
        dir.display()
    );
    let config = smpp_config::Config::from_toml_str(&toml).unwrap().config;
    let pool = CorePool::start(&CoreClientConfig::new("http://127.0.0.1:9", "gw")).unwrap();
    let shared = Arc::new(Shared::new(config.clone(), 2, pool.client()));
    shared.caches.open(&config, 2, &pool.client()).unwrap();
    let now = SystemTime::now();
    let mut ids = Vec::new();
    for n in 0..6 {
        let shard = shared.caches.shard(n % 2).unwrap();
        ids.push(
            shard
                .store_blocking("partner_acme", &message(n), now)
                .unwrap(),
        );
    }
    // Two of them (one per shard) fail for good.
    for shard in shared.caches.all() {
        let due = shard.cache().due(now, 1).unwrap();
        shard
            .cache()
            .failed(due[0].id, "http 400", false, now)
            .unwrap();
    }
    let admin = EngineCacheAdmin::new(Arc::clone(&shared));

    let summary = admin.cache_summary();
    assert_eq!(summary.overall.total, 6);
    assert_eq!(summary.overall.failed, 2);
    assert_eq!(summary.overall.pending, 4);
    assert_eq!(summary.binds.len(), 1);
    assert_eq!(summary.binds[0].0, "partner_acme");
    assert_eq!(summary.binds[0].1.total, 6);

    let listed = admin.cache_messages("partner_acme", 10).unwrap();
    assert_eq!(listed.len(), 6);
    let mut listed_ids: Vec<i64> = listed.iter().map(|m| m.id).collect();
    listed_ids.sort_unstable();
    let mut all = ids.clone();
    all.sort_unstable();
    assert_eq!(listed_ids, all);
    assert_eq!(admin.cache_messages("partner_acme", 4).unwrap().len(), 4);
    assert!(matches!(
        admin.cache_messages("nobody", 4),
        Err(ControlError::UnknownBind(_))
    ));

    // Retry a failed message of shard 1: pending again, retry_count 0.
    let failed: Vec<_> = listed
        .iter()
        .filter(|m| m.state == MessageState::FailedPermanent)
        .collect();
    assert_eq!(failed.len(), 2);
    let on_shard_1 = failed
        .iter()
        .find(|m| engine::cache::shard_of_id(m.id) == Some(1))
        .unwrap();
    admin.cache_retry(on_shard_1.id).unwrap();
    assert_eq!(admin.cache_summary().overall.failed, 1);

    // Delete a pending one (shard 0's oldest, ids[0], is the failed one), then the
    // remaining failed one.
    admin.cache_delete(ids[2]).unwrap();
    assert!(matches!(
        admin.cache_delete(ids[2]),
        Err(ControlError::NotFound(_))
    ));
    assert!(matches!(
        admin.cache_delete(42),
        Err(ControlError::NotFound(_))
    ));
    assert!(matches!(
        admin.cache_retry(-7),
        Err(ControlError::NotFound(_))
    ));
    let before = admin.cache_summary().overall;
    let removed = admin.cache_delete_failed("partner_acme").unwrap();
    assert_eq!((before.failed, removed), (1, 1));
    let after = admin.cache_summary().overall;
    assert_eq!(after.failed, 0);
    assert_eq!(after.total, before.total - removed);

    shared.caches.close();
    pool.shutdown_within(std::time::Duration::from_secs(1));
    let _ = std::fs::remove_dir_all(&dir);
}
