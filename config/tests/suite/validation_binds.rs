//! Rules on `[[binds]]` and `[[server_binds]]` entries.

use crate::common::{
    assert_problem, client_with, load, server_with, warning_kinds, CLIENT_BIND, MINIMAL,
    SERVER_BIND,
};
use smpp_config::spec::{ClientBindSpec, ServerBindSpec};
use smpp_config::{Config, Secret, WarningKind};

const C: &str = "binds[0] (vodafone_uk)";
const S: &str = "server_binds[0] (partner_acme)";

/// A client bind without `key`, with `extra` lines added.
fn client_without(key: &str, extra: &str) -> String {
    let bind: String = CLIENT_BIND
        .lines()
        .filter(|line| !line.starts_with(&format!("{key} =")))
        .map(|line| format!("{line}\n"))
        .collect();
    format!("{MINIMAL}{bind}{extra}\n")
}

/// A server bind without `key`, with `extra` lines added.
fn server_without(key: &str, extra: &str) -> String {
    let bind: String = SERVER_BIND
        .lines()
        .filter(|line| !line.starts_with(&format!("{key} =")))
        .map(|line| format!("{line}\n"))
        .collect();
    format!("{MINIMAL}{bind}{extra}\n")
}

#[test]
fn out_of_range_values_name_the_bind() {
    let text = format!(
        "{MINIMAL}{SERVER_BIND}{CLIENT_BIND}{}tps_limit = 0\n",
        CLIENT_BIND.replace("vodafone_uk", "vodafone_de")
    );
    let error = Config::from_toml_str(&text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid configuration: binds[1] (vodafone_de).tps_limit: 0 is out of range 1-10000"
    );
}

#[test]
fn client_bind_integer_ranges() {
    let cases = [
        ("port = 0", "port", "0 is out of range 1-65535"),
        ("port = 65536", "port", "65536 is out of range 1-65535"),
        ("tps_limit = 0", "tps_limit", "0 is out of range 1-10000"),
        (
            "tps_limit = 10001",
            "tps_limit",
            "10001 is out of range 1-10000",
        ),
        (
            "queue_check_frequency = 99",
            "queue_check_frequency",
            "99 is out of range 100-10000",
        ),
        (
            "queue_check_frequency = 10001",
            "queue_check_frequency",
            "out of range 100-10000",
        ),
        (
            "enquire_link_interval = -1",
            "enquire_link_interval",
            "-1 is out of range 0-3600",
        ),
        (
            "enquire_link_interval = 3601",
            "enquire_link_interval",
            "out of range 0-3600",
        ),
        ("addr_ton = 7", "addr_ton", "7 is out of range 0-6"),
        ("addr_npi = 19", "addr_npi", "19 is out of range 0-18"),
        (
            "cache_max_size = 0",
            "cache_max_size",
            "0 is out of range 1-10000000",
        ),
        (
            "cache_retry_interval = 0",
            "cache_retry_interval",
            "0 is out of range 1-86400",
        ),
        ("window_size = 0", "window_size", "0 is out of range 1-1000"),
        (
            "window_size = 1001",
            "window_size",
            "1001 is out of range 1-1000",
        ),
        (
            "response_timeout = 0",
            "response_timeout",
            "0 is out of range 1-600",
        ),
        (
            "mo_reassembly_timeout = 0",
            "mo_reassembly_timeout",
            "0 is out of range 1-86400",
        ),
        (
            "reconnect_min_backoff = 0",
            "reconnect_min_backoff",
            "0 is out of range 1-3600",
        ),
        (
            "reconnect_max_backoff = 3601",
            "reconnect_max_backoff",
            "out of range 1-3600",
        ),
    ];
    for (line, key, message) in cases {
        assert_problem(&client_with(line), &format!("{C}.{key}"), message);
    }
}

#[test]
fn server_bind_integer_ranges() {
    let cases = [
        ("tps_limit = 0", "tps_limit", "0 is out of range 1-100000"),
        (
            "tps_limit = 100001",
            "tps_limit",
            "100001 is out of range 1-100000",
        ),
        (
            "queue_check_frequency = 50",
            "queue_check_frequency",
            "out of range 100-10000",
        ),
        (
            "enquire_link_interval = 4000",
            "enquire_link_interval",
            "out of range 0-3600",
        ),
        (
            "cache_max_size = 0",
            "cache_max_size",
            "out of range 1-10000000",
        ),
        (
            "cache_retry_interval = 86401",
            "cache_retry_interval",
            "out of range 1-86400",
        ),
        ("window_size = 0", "window_size", "out of range 1-1000"),
        (
            "response_timeout = 601",
            "response_timeout",
            "out of range 1-600",
        ),
    ];
    for (line, key, message) in cases {
        assert_problem(&server_with(line), &format!("{S}.{key}"), message);
    }
}

#[test]
fn a_server_bind_accepts_up_to_100000_per_second_a_client_bind_10000() {
    assert_eq!(
        load(&server_with("tps_limit = 100000")).config.server_binds[0].tps_limit,
        100_000
    );
    assert_problem(
        &client_with("tps_limit = 100000"),
        &format!("{C}.tps_limit"),
        "100000 is out of range 1-10000",
    );
}

#[test]
fn npi_must_be_an_smpp_numbering_plan() {
    assert_problem(
        &client_with("addr_npi = 2"),
        &format!("{C}.addr_npi"),
        "not an SMPP numbering plan",
    );
    for npi in [0, 1, 3, 4, 6, 8, 9, 10, 14, 18] {
        assert_eq!(
            load(&client_with(&format!("addr_npi = {npi}")))
                .config
                .binds[0]
                .addr_npi,
            npi
        );
    }
}

#[test]
fn reconnect_backoff_bounds_are_ordered() {
    assert_problem(
        &client_with("reconnect_min_backoff = 10\nreconnect_max_backoff = 5"),
        &format!("{C}.reconnect_max_backoff"),
        "5 is below reconnect_min_backoff (10)",
    );
    load(&client_with(
        "reconnect_min_backoff = 5\nreconnect_max_backoff = 5",
    ));
}

#[test]
fn required_client_keys() {
    for key in ["bind_type", "host", "system_id", "password"] {
        assert_problem(
            &client_without(key, ""),
            &format!("{C}.{key}"),
            "missing; this key is required",
        );
    }
    assert_problem(
        &client_without("name", ""),
        "binds[0].name",
        "missing; this key is required",
    );
}

#[test]
fn required_server_keys() {
    for key in ["system_id", "password"] {
        assert_problem(
            &server_without(key, ""),
            &format!("{S}.{key}"),
            "missing; this key is required",
        );
    }
    assert_problem(
        &server_without("allowed_bind_types", ""),
        &format!("{S}.allowed_bind_types"),
        "missing; list the bind types",
    );
    assert_problem(
        &server_without("name", ""),
        "server_binds[0].name",
        "missing",
    );
}

#[test]
fn names_must_be_plain_and_nonempty() {
    assert_problem(
        &client_without("name", "name = \"\""),
        "binds[0].name",
        "must not be empty",
    );
    assert_problem(
        &client_without("name", "name = \"voda uk\""),
        "binds[0] (voda uk).name",
        "may only contain",
    );
    assert_problem(
        &client_without("name", "name = \"a/b\""),
        "binds[0] (a/b).name",
        "may only contain",
    );
    let long = "n".repeat(65);
    assert_problem(
        &server_without("name", &format!("name = \"{long}\"")),
        &format!("server_binds[0] ({long}).name"),
        "longer than 64",
    );
}

#[test]
fn credentials_must_be_nonempty_and_fit_smpp() {
    assert_problem(
        &client_without("system_id", "system_id = \"\""),
        &format!("{C}.system_id"),
        "must not be empty",
    );
    assert_problem(
        &client_without("password", "password = \"\""),
        &format!("{C}.password"),
        "must not be empty",
    );
    assert_problem(
        &server_without("password", "password = \"\""),
        &format!("{S}.password"),
        "must not be empty",
    );
    assert_problem(
        &server_without("system_id", "system_id = \"\""),
        &format!("{S}.system_id"),
        "must not be empty",
    );
    assert_problem(
        &client_without("system_id", "system_id = \"sixteen_chars_id\""),
        &format!("{C}.system_id"),
        "longer than 15",
    );
    assert_problem(
        &server_without("system_id", "system_id = \"sixteen_chars_id\""),
        &format!("{S}.system_id"),
        "longer than 15",
    );
    assert_problem(
        &client_without("system_id", "system_id = \"usér\""),
        &format!("{C}.system_id"),
        "printable ASCII",
    );
    assert_problem(
        &client_without("password", "password = \"tab\\there\""),
        &format!("{C}.password"),
        "printable ASCII",
    );
    assert_problem(
        &client_without("password", &format!("password = \"{}\"", "p".repeat(65))),
        &format!("{C}.password"),
        "longer than 64",
    );
    // Longer than SMPP 3.4's 8 characters is fine: the operator guide recommends 12 or more.
    load(&client_without(
        "password",
        "password = \"secure_pass_123\"",
    ));
}

#[test]
fn bind_strings_fit_their_smpp_fields() {
    assert_problem(
        &client_with("system_type = \"thirteen_char\""),
        &format!("{C}.system_type"),
        "longer than 12",
    );
    assert_problem(
        &client_with(&format!("address_range = \"{}\"", "6".repeat(41))),
        &format!("{C}.address_range"),
        "longer than 40",
    );
    assert_problem(
        &client_with("address_range = \"61\\u0000\""),
        &format!("{C}.address_range"),
        "printable ASCII",
    );
    load(&client_with(
        "system_type = \"twelve_chars\"\naddress_range = \"614*\"",
    ));
}

#[test]
fn hosts_must_be_names_or_addresses() {
    assert_problem(
        &client_without("host", "host = \"\""),
        &format!("{C}.host"),
        "must not be empty",
    );
    assert_problem(
        &client_without("host", "host = \"smpp carrier.com\""),
        &format!("{C}.host"),
        "not a valid host name",
    );
    assert_problem(
        &client_without("host", "host = \"smpp.carrier.com:2775\""),
        &format!("{C}.host"),
        "not a valid host name",
    );
    load(&client_without("host", "host = \"10.20.30.40\""));
    load(&client_without("host", "host = \"2001:db8::5\""));
}

#[test]
fn bind_types_must_be_known() {
    assert_problem(
        &client_without("bind_type", "bind_type = \"trx\""),
        &format!("{C}.bind_type"),
        "unknown bind type \"trx\"; expected one of transmitter, receiver, transceiver",
    );
    assert_problem(
        &server_without(
            "allowed_bind_types",
            "allowed_bind_types = [\"transceiver\", \"tx\"]",
        ),
        &format!("{S}.allowed_bind_types"),
        "unknown bind type \"tx\"",
    );
    assert_problem(
        &server_without("allowed_bind_types", "allowed_bind_types = []"),
        &format!("{S}.allowed_bind_types"),
        "is empty, so every bind would be refused",
    );
    let config = load(&server_without(
        "allowed_bind_types",
        "allowed_bind_types = [\"Transmitter\", \"receiver\"]",
    ))
    .config;
    let allowed: Vec<&str> = config.server_binds[0]
        .allowed_bind_types
        .iter()
        .map(|t| t.as_str())
        .collect();
    assert_eq!(allowed, ["transmitter", "receiver"]);
}

#[test]
fn concatenation_must_be_known() {
    assert_problem(
        &client_with("concatenation = \"udh\""),
        &format!("{C}.concatenation"),
        "unknown concatenation \"udh\"; expected one of udh8, udh16, sar, payload",
    );
    assert_problem(
        &server_with("concatenation = \"x\""),
        &format!("{S}.concatenation"),
        "unknown concatenation",
    );
}

#[test]
fn modes_must_match_the_list() {
    assert_problem(
        &client_with("mode = \"server\""),
        &format!("{C}.mode"),
        "configured under [[server_binds]]",
    );
    assert_problem(
        &client_with("mode = \"esme\""),
        &format!("{C}.mode"),
        "unknown mode \"esme\"",
    );
    assert_problem(
        &server_with("mode = \"client\""),
        &format!("{S}.mode"),
        "configured under [[binds]]",
    );
    load(&client_with("mode = \"client\""));
    load(&server_with("mode = \"server\""));
}

#[test]
fn bind_names_are_unique_across_both_lists() {
    let twice = format!("{MINIMAL}{CLIENT_BIND}{CLIENT_BIND}");
    assert_problem(
        &twice,
        "binds[1] (vodafone_uk).name",
        "\"vodafone_uk\" is already used by binds[0] (vodafone_uk)",
    );
    let across = format!(
        "{MINIMAL}{CLIENT_BIND}{}",
        SERVER_BIND.replace("partner_acme", "vodafone_uk")
    );
    assert_problem(
        &across,
        "server_binds[0] (vodafone_uk).name",
        "already used by binds[0] (vodafone_uk)",
    );
    let case_only = format!(
        "{MINIMAL}{CLIENT_BIND}{}",
        CLIENT_BIND.replace("vodafone_uk", "Vodafone_UK")
    );
    assert_problem(
        &case_only,
        "binds[1] (Vodafone_UK).name",
        "already used by binds[0]",
    );
}

#[test]
fn server_system_ids_are_unique() {
    let second = SERVER_BIND.replace("partner_acme", "partner_acme_2");
    assert_problem(
        &format!("{MINIMAL}{SERVER_BIND}{second}"),
        "server_binds[1] (partner_acme_2).system_id",
        "\"acme_corp\" is already the system_id of server_binds[0] (partner_acme)",
    );
    let case_only = second.replace("acme_corp", "ACME_corp");
    assert_problem(
        &format!("{MINIMAL}{SERVER_BIND}{case_only}"),
        "server_binds[1] (partner_acme_2).system_id",
        "already the system_id",
    );
    // Client binds may share a carrier account.
    let client_twice = CLIENT_BIND.replace("vodafone_uk", "vodafone_uk_2");
    load(&format!("{MINIMAL}{CLIENT_BIND}{client_twice}"));
}

#[test]
fn ip_whitelist_entries_must_parse() {
    let bad = [
        ("[\"10.0.0.300\"]", "is not an IP address or CIDR network"),
        ("[\"10.0.0.0/33\"]", "above the maximum 32"),
        ("[\"2001:db8::/129\"]", "above the maximum 128"),
        ("[\"10.0.0.0/\"]", "invalid prefix length"),
        ("[\"partner.example.com\"]", "is not an IP address"),
    ];
    for (list, message) in bad {
        assert_problem(
            &server_without("ip_whitelist", &format!("ip_whitelist = {list}")),
            &format!("{S}.ip_whitelist"),
            message,
        );
    }
    let config = load(&server_without(
        "ip_whitelist",
        "ip_whitelist = [\"2001:db8::/32\", \"203.0.113.50\"]",
    ))
    .config;
    let whitelist = &config.server_binds[0].ip_whitelist;
    assert!(whitelist.allows("2001:db8:ffff::1".parse().unwrap()));
    assert!(whitelist.allows("203.0.113.50".parse().unwrap()));
    assert!(!whitelist.allows("203.0.113.51".parse().unwrap()));
}

#[test]
fn ip_whitelist_risks_are_warned() {
    let empty = load(&server_without("ip_whitelist", "ip_whitelist = []"));
    let warning = empty
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::EmptyIpWhitelist)
        .unwrap();
    assert_eq!(warning.key, format!("{S}.ip_whitelist"));
    let omitted = load(&server_without("ip_whitelist", ""));
    assert!(warning_kinds(&omitted).contains(&WarningKind::EmptyIpWhitelist));
    assert!(!warning_kinds(&load(&server_with(""))).contains(&WarningKind::EmptyIpWhitelist));
    let host_bits = load(&server_without(
        "ip_whitelist",
        "ip_whitelist = [\"10.50.1.100/24\"]",
    ));
    let warning = host_bits
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::CidrHostBitsSet)
        .unwrap();
    assert!(warning.message.contains("10.50.1.0/24"), "{warning}");
    assert!(host_bits.config.server_binds[0]
        .ip_whitelist
        .allows("10.50.1.7".parse().unwrap()));
}

#[test]
fn source_address_patterns_must_parse() {
    for (list, message) in [
        ("[\"61*4\"]", "only allowed at the end"),
        ("[\"\"]", "empty pattern"),
        ("[\"123456789012345678901\"]", "longer than a source_addr"),
    ] {
        assert_problem(
            &server_with(&format!("source_address_whitelist = {list}")),
            &format!("{S}.source_address_whitelist"),
            message,
        );
    }
}

#[test]
fn runtime_bind_changes_are_checked_like_the_file() {
    let loaded = load(&format!("{MINIMAL}{CLIENT_BIND}"));
    let partner = ServerBindSpec {
        name: Some("partner_new".to_owned()),
        system_id: Some("newco".to_owned()),
        password: Some(Secret::new("newco_pw")),
        allowed_bind_types: Some(vec!["transceiver".to_owned()]),
        ip_whitelist: Some(vec!["198.51.100.0/24".to_owned()]),
        ..ServerBindSpec::default()
    };
    let carrier = ClientBindSpec {
        name: Some("vodafone_uk".to_owned()),
        bind_type: Some("transceiver".to_owned()),
        host: Some("smpp.vodafone.co.uk".to_owned()),
        system_id: Some("u".to_owned()),
        password: Some(Secret::new("p")),
        tps_limit: Some(70),
        ..ClientBindSpec::default()
    };
    let changed = loaded
        .config
        .with_binds(vec![carrier.clone()], vec![partner.clone()])
        .unwrap();
    assert_eq!(changed.config.binds[0].tps_limit, 70);
    assert_eq!(changed.config.server_binds[0].name, "partner_new");
    assert!(
        changed.config.listen.enabled,
        "a partner added at runtime needs the listener"
    );
    assert_eq!(changed.config.api_base_url, loaded.config.api_base_url);

    let clash = ServerBindSpec {
        name: Some("vodafone_uk".to_owned()),
        ..partner
    };
    let error = loaded
        .config
        .with_binds(vec![carrier.clone()], vec![clash])
        .unwrap_err();
    assert_eq!(
        error.problems()[0].key,
        "server_binds[0] (vodafone_uk).name"
    );
    let too_fast = ClientBindSpec {
        tps_limit: Some(0),
        ..carrier
    };
    let error = loaded
        .config
        .with_binds(vec![too_fast], vec![])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("invalid configuration: {C}.tps_limit: 0 is out of range 1-10000")
    );
}
