//! The example configurations in config/examples load and say what the operator guide says.

use crate::common::warning_kinds;
use smpp_config::{BindType, BindTypes, Config, Loaded, WarningKind};
use std::path::PathBuf;
use std::time::Duration;

fn example(name: &str) -> Loaded {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    match Config::from_toml_str_with_env(&text, &|_| None) {
        Ok(loaded) => loaded,
        Err(error) => panic!("{name}: {error}"),
    }
}

#[test]
fn single_carrier() {
    let loaded = example("single-carrier.toml");
    let config = &loaded.config;
    assert_eq!(
        config.api_base_url.as_str(),
        "https://smsc.company.com:8443"
    );
    assert!(config.verify_ssl_peer);
    assert_eq!(config.smsc_name, "smpp_prod");
    assert_eq!(config.binds.len(), 1);
    let bind = &config.binds[0];
    assert_eq!(bind.name, "att_primary");
    assert_eq!(bind.bind_type, BindType::Transceiver);
    assert_eq!((bind.host.as_str(), bind.port), ("smpp.att.com", 2775));
    assert_eq!(bind.system_id, "company_user");
    assert_eq!(bind.password.expose(), "secure_pass_123");
    assert_eq!(bind.tps_limit, 100);
    assert_eq!(bind.queue_check_frequency, Duration::from_millis(1000));
    assert!(config.server_binds.is_empty());
    assert!(
        !config.listen.enabled,
        "a client-only gateway opens no SMPP port"
    );
    assert_eq!(
        warning_kinds(&loaded),
        [WarningKind::LongSmppPassword, WarningKind::PlainHttpWebUi]
    );
}

#[test]
fn two_carriers() {
    let config = example("two-carriers.toml").config;
    let summary: Vec<(&str, &str, &str, u32)> = config
        .binds
        .iter()
        .map(|b| {
            (
                b.name.as_str(),
                b.host.as_str(),
                b.system_id.as_str(),
                b.tps_limit,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("att_us", "smpp.att.com", "att_username", 100),
            ("vodafone_uk", "smpp.vodafone.co.uk", "voda_username", 50),
        ]
    );
    assert_eq!(config.binds[1].password.expose(), "voda_password");
    assert!(config
        .binds
        .iter()
        .all(|b| b.port == 2775 && b.bind_type == BindType::Transceiver));
    assert!(!config.verify_ssl_peer);
}

#[test]
fn carrier_and_partners() {
    let loaded = example("carrier-and-partners.toml");
    let config = &loaded.config;
    assert_eq!(config.binds[0].name, "upstream_carrier");
    assert_eq!(config.binds[0].host, "smpp.carrier.com");
    let alpha = config.server_bind_by_system_id("alpha_corp").unwrap();
    assert_eq!(alpha.name, "partner_alpha");
    assert!(alpha.password_matches(b"alpha_secret"));
    assert_eq!(alpha.allowed_bind_types, BindTypes::ALL);
    assert!(alpha.ip_whitelist.allows("203.0.113.200".parse().unwrap()));
    assert!(!alpha.ip_whitelist.allows("198.51.100.50".parse().unwrap()));
    assert_eq!(
        (alpha.tps_limit, alpha.queue_check_frequency.as_millis()),
        (50, 1000)
    );
    let beta = config.server_bind_by_system_id("beta_inc").unwrap();
    assert_eq!(beta.name, "partner_beta");
    assert!(beta.allowed_bind_types.contains(BindType::Transceiver));
    assert!(!beta.allowed_bind_types.contains(BindType::Transmitter));
    assert!(beta.ip_whitelist.allows("198.51.100.50".parse().unwrap()));
    assert!(!beta.ip_whitelist.allows("198.51.100.51".parse().unwrap()));
    assert_eq!(
        (beta.tps_limit, beta.queue_check_frequency.as_millis()),
        (25, 2000)
    );
    assert!(config.listen.enabled);
    assert_eq!(config.listen.socket_addr().to_string(), "0.0.0.0:2775");
    assert_eq!(config.listen.max_connections, 100);
    assert_eq!(
        warning_kinds(&loaded),
        [
            WarningKind::TlsVerificationDisabled,
            WarningKind::LongSmppPassword,
            WarningKind::PlainHttpWebUi
        ]
    );
}

#[test]
fn demo() {
    let loaded = example("demo.toml");
    let config = &loaded.config;
    assert_eq!(config.api_base_url.as_str(), "http://127.0.0.1:18080");
    assert!(config.cache_dir.starts_with("/tmp"));
    let carrier = config.client_bind("carrier_sim").unwrap();
    assert_eq!((carrier.host.as_str(), carrier.port), ("127.0.0.1", 12775));
    assert_eq!(carrier.bind_type, BindType::Transceiver);
    assert_eq!(
        (carrier.system_id.as_str(), carrier.password.expose()),
        ("gateway", "secret")
    );
    let partner = config.server_bind_by_system_id("partner").unwrap();
    assert_eq!(partner.name, "partner_demo");
    assert!(partner.password_matches(b"partner1"));
    assert_eq!(partner.allowed_bind_types, BindTypes::ALL);
    assert!(partner.ip_whitelist.allows("127.0.0.1".parse().unwrap()));
    assert!(!partner.ip_whitelist.allows("127.0.0.2".parse().unwrap()));
    assert_eq!(config.listen.socket_addr().to_string(), "127.0.0.1:2775");
    assert_eq!(config.metrics.socket_addr().to_string(), "127.0.0.1:4000");
    assert_eq!(config.web.socket_addr().to_string(), "127.0.0.1:8087");
    assert_eq!(
        warning_kinds(&loaded),
        [WarningKind::PlainHttpApi, WarningKind::PlainHttpWebUi]
    );
}
