//! `runtime.exs` import on the operator guide's examples (tests/fixtures, copied from the guide
//! as printed, misprints included): the TOML loads and says what the Elixir said.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use smpp_config::import::{runtime_exs, Imported, UnknownKey};
use smpp_config::{BindType, BindTypes, CacheStorageType, Config, Loaded, LogLevel};
use std::path::PathBuf;
use std::time::Duration;

fn manifest_file(parts: &[&str]) -> String {
    let mut path = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    path.extend(parts);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn import(fixture: &str) -> Imported {
    let text = manifest_file(&["tests", "fixtures", fixture]);
    runtime_exs(&text).unwrap_or_else(|error| panic!("{fixture}: {error}"))
}

/// Loads the imported TOML with the given environment.
fn load(imported: &Imported, vars: &[(&str, &str)]) -> Loaded {
    let lookup = |name: &str| {
        vars.iter()
            .find(|(var, _)| *var == name)
            .map(|(_, value)| (*value).to_owned())
    };
    Config::from_toml_str_with_env(&imported.toml, &lookup)
        .unwrap_or_else(|error| panic!("{error}\n--- imported ---\n{}", imported.toml))
}

fn example(name: &str) -> Config {
    let text = manifest_file(&["examples", name]);
    Config::from_toml_str_with_env(&text, &|_| None)
        .unwrap()
        .config
}

fn notes(imported: &Imported) -> String {
    imported
        .notes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

const CORE: &[(&str, &str)] = &[("API_BASE_URL", "https://core.example.com:8443")];

#[test]
fn single_carrier_as_printed_reports_the_misspelled_key() {
    let imported = import("single_carrier.exs");
    assert_eq!(
        imported.unknown,
        [UnknownKey {
            path: "smcsc_name".into(),
            line: 6,
            suggestion: Some("smsc_name".into()),
        }]
    );
    assert!(
        imported
            .toml
            .contains("# unknown key smcsc_name (runtime.exs line 6)"),
        "{}",
        imported.toml
    );
    let notes = notes(&imported);
    assert!(
        notes.contains("line 3: `config :omnmessage_smpp` read as `config :omnimessage_smpp`"),
        "{notes}"
    );
    let config = load(&imported, &[]).config;
    assert_eq!(
        config.api_base_url.as_str(),
        "https://smcsc.companv.com:8443"
    );
    assert!(config.verify_ssl_peer);
    assert_eq!(
        config.smsc_name, "smpp_gateway",
        "the misspelled key is not used"
    );
    // Apart from the misprinted host, the bind is the hand-written example's.
    assert_eq!(config.binds, example("single-carrier.toml").binds);
    assert_eq!(config.binds[0].password.expose(), "secure_pass_123");
}

#[test]
fn two_carriers_match_the_hand_written_example() {
    let imported = import("two_carriers.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    let config = load(&imported, &[]).config;
    let expected = example("two-carriers.toml");
    assert_eq!(config.api_base_url, expected.api_base_url);
    assert_eq!(config.binds, expected.binds);
    assert_eq!(config.binds.len(), 2);
    assert_eq!(config.binds[1].name, "vodafone_uk");
    assert_eq!(config.binds[1].tps_limit, 50);
    assert!(config.server_binds.is_empty());
}

#[test]
fn carrier_and_partners_match_the_hand_written_example() {
    let imported = import("carrier_and_partners.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    assert!(imported.notes.is_empty(), "{}", notes(&imported));
    let config = load(&imported, &[]).config;
    let expected = example("carrier-and-partners.toml");
    assert_eq!(config.binds, expected.binds);
    assert_eq!(config.server_binds, expected.server_binds);
    assert_eq!(config.listen, expected.listen);
    let beta = config.server_bind_by_system_id("beta_inc").unwrap();
    assert_eq!(
        beta.allowed_bind_types,
        BindTypes::default().with(BindType::Transceiver)
    );
    assert_eq!(beta.queue_check_frequency, Duration::from_millis(2000));
    assert!(beta.ip_whitelist.allows("198.51.100.50".parse().unwrap()));
    assert!(config.listen.enabled);
}

#[test]
fn full_client_bind_with_every_seed_field() {
    let imported = import("client_bind_full.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    let config = load(&imported, CORE).config;
    let bind = &config.binds[0];
    assert_eq!(bind.name, "vodafone_uk");
    assert_eq!(bind.bind_type, BindType::Transceiver);
    assert_eq!(
        (bind.host.as_str(), bind.port),
        ("smpp.vodafone.co.uk", 2775)
    );
    assert_eq!(
        (bind.system_type.as_str(), bind.addr_ton, bind.addr_npi),
        ("", 0, 0)
    );
    assert_eq!(bind.address_range, "");
    assert_eq!(bind.enquire_link_interval, Some(Duration::from_secs(60)));
    assert!(!bind.cache_enabled);
    assert_eq!(bind.cache_max_size, 10_000);
    assert_eq!(bind.cache_retry_interval, Duration::from_secs(60));
}

#[test]
fn full_server_bind_with_every_seed_field() {
    let imported = import("server_bind_full.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    let config = load(&imported, CORE).config;
    let partner = config.server_bind_by_system_id("acme_corp").unwrap();
    assert_eq!(partner.name, "partner_acme");
    assert!(partner.password_matches(b"acme_secret"));
    assert_eq!(partner.allowed_bind_types, BindTypes::ALL);
    assert!(partner.ip_whitelist.allows("10.50.1.100".parse().unwrap()));
    assert!(partner.ip_whitelist.allows("192.168.1.77".parse().unwrap()));
    assert!(!partner.ip_whitelist.allows("10.50.1.101".parse().unwrap()));
    assert!(partner.source_address_whitelist.is_empty());
    assert_eq!(partner.tps_limit, 50);
    assert_eq!(partner.enquire_link_interval, Some(Duration::from_secs(60)));
    assert_eq!(partner.cache_max_size, 10_000);
    assert!(config.listen.enabled, "a server bind opens the listener");
}

#[test]
fn source_address_whitelist_keeps_exact_values_and_prefixes() {
    let imported = import("source_address_whitelist.exs");
    assert!(imported
        .toml
        .contains(r#"source_address_whitelist = ["MyBrand", "614*", "+61400000001"]"#));
    let config = load(&imported, CORE).config;
    let whitelist = &config.server_binds[0].source_address_whitelist;
    assert!(whitelist.allows("MyBrand"));
    assert!(whitelist.allows("61412345678"));
    assert!(whitelist.allows("+61400000001"));
    assert!(!whitelist.allows("61512345678"));
    assert!(!whitelist.allows("+61500000002"));
}

#[test]
fn cache_settings_and_a_server_mode_bind() {
    let imported = import("cache_settings.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    assert!(imported.toml.contains("cache_storage_type = \"disc\"\n"));
    assert!(imported.toml.contains("cache_flush_interval = 10000\n"));
    let notes = notes(&imported);
    assert!(
        notes.contains("binds[0] has mode :server: written as a [[server_binds]] entry"),
        "{notes}"
    );
    // The guide's snippet has no allowed_bind_types, which a server bind needs: the loader says
    // so about the entry the import wrote.
    let error = Config::from_toml_str_with_env(&imported.toml, &|name| {
        (name == "API_BASE_URL").then(|| "https://core:8443".to_owned())
    })
    .unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{error}");
    assert!(problems[0].key.contains("server_binds[0]"), "{error}");
    assert!(problems[0].key.ends_with("allowed_bind_types"), "{error}");
    let fixed = imported.toml.replace(
        "mode = \"server\"\n",
        "mode = \"server\"\nallowed_bind_types = [\"transceiver\"]\n",
    );
    let config = Config::from_toml_str_with_env(&fixed, &|name| {
        (name == "API_BASE_URL").then(|| "https://core:8443".to_owned())
    })
    .unwrap()
    .config;
    assert_eq!(config.cache_storage_type, CacheStorageType::Disc);
    assert_eq!(config.cache_flush_interval, Duration::from_secs(10));
    assert_eq!(
        (
            config.cache_max_retry_attempts,
            config.cache_backoff_multiplier
        ),
        (10, 2)
    );
    let partner = config.server_bind_by_system_id("username").unwrap();
    assert!(partner.cache_enabled);
    assert_eq!(partner.cache_max_size, 10_000);
}

#[test]
fn added_carrier_from_the_operations_guide() {
    let imported = import("add_carrier.exs");
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    let config = load(&imported, CORE).config;
    let mut expected = example("two-carriers.toml").binds[1].clone();
    let bind = &config.binds[0];
    expected.system_id = "your_username".into();
    expected.password = bind.password.clone();
    expected.tps_limit = 100;
    assert_eq!(*bind, expected);
    assert_eq!(bind.password.expose(), "your_password");
}

#[test]
fn structure_sketch_reports_the_placeholder_key() {
    let imported = import("structure.exs");
    assert_eq!(imported.unknown.len(), 1);
    assert_eq!(imported.unknown[0].path, "setting_name");
    assert_eq!(imported.unknown[0].line, 5);
    assert!(
        imported.toml.contains("[[binds]]\nname = \"bind_name\"\n"),
        "{}",
        imported.toml
    );
}

#[test]
fn production_file_with_environment_variables() {
    let imported = import("production_env.exs");
    let unknown: Vec<(&str, u32, Option<&str>)> = imported
        .unknown
        .iter()
        .map(|key| (key.path.as_str(), key.line, key.suggestion.as_deref()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("OmniMessageSmppWeb.Endpoint", 21, None),
            ("binds[0].window", 36, None),
            ("listen.max_conections", 44, Some("max_connections")),
        ]
    );
    let notes = notes(&imported);
    for expected in [
        "line 5: `config :logger, level:` imported as `log_level`",
        "line 7: the `if` condition is not evaluated",
        "line 13: api_base_url left out: it comes only from API_BASE_URL; API_BASE_URL overrides \
         it at run time in this gateway too. It is required",
        "line 14: smsc_name set to SMSC_NAME's default (the string \"smpp_prod_01\"); SMSC_NAME \
         overrides it at run time in this gateway too",
        "line 17: cache_flush_interval set to FLUSH_MS's default (the integer 5000); this gateway \
         does not read FLUSH_MS; set CACHE_FLUSH_INTERVAL to override it at run time",
        "line 18: mnesia_storage_type written as cache_storage_type",
        "binds[0].password set to CARRIER_PASSWORD's default (a value not shown here); this \
         gateway reads no environment variable for it",
        "line 21: OmniMessageSmppWeb.Endpoint (the original's web endpoint) is not imported",
    ] {
        assert!(
            notes.contains(expected),
            "missing {expected:?} in:\n{notes}"
        );
    }
    assert!(
        !notes.contains("changeme"),
        "passwords stay out of the notes"
    );
    assert!(imported.toml.contains("log_level = \"warn\"\n"));
    // Without API_BASE_URL the file is incomplete, as the note says.
    let error = Config::from_toml_str_with_env(&imported.toml, &|_| None).unwrap_err();
    assert!(error.to_string().contains("api_base_url"), "{error}");

    let config = load(&imported, CORE).config;
    assert_eq!(
        config.api_base_url.as_str(),
        "https://core.example.com:8443"
    );
    assert_eq!(config.smsc_name, "smpp_prod_01");
    assert_eq!(config.smpp_poll_interval, Duration::from_millis(250));
    assert!(config.verify_ssl_peer);
    assert_eq!(config.cache_flush_interval, Duration::from_millis(5000));
    assert_eq!(config.cache_storage_type, CacheStorageType::Ram);
    assert_eq!(config.cache_max_retry_attempts, 5);
    assert_eq!(config.log_level, LogLevel::Warn);
    let bind = config.client_bind("carrier_eu").unwrap();
    assert_eq!(bind.bind_type, BindType::Transmitter);
    assert_eq!((bind.host.as_str(), bind.port), ("10.20.30.40", 2775));
    assert_eq!(bind.password.expose(), "changeme");
    assert_eq!(bind.tps_limit, 1000);
    assert_eq!(config.listen.socket_addr().to_string(), "127.0.0.1:2775");
    assert_eq!(
        config.listen.max_connections, 100,
        "the misspelled key is not used"
    );

    // The variables the note names really override the imported values.
    let config = load(
        &imported,
        &[
            ("API_BASE_URL", "https://core.example.com:8443"),
            ("SMSC_NAME", "other"),
            ("SMPP_POLL_INTERVAL", "500"),
        ],
    )
    .config;
    assert_eq!(config.smsc_name, "other");
    assert_eq!(config.smpp_poll_interval, Duration::from_millis(500));
}

#[test]
fn word_list_sigils_and_special_characters_survive_the_conversion() {
    // Not in the guide, but how Elixir programmers often write lists; and passwords with the
    // characters TOML and Elixir both escape.
    let imported = runtime_exs(
        r#"
config :omnimessage_smpp, api_base_url: "https://core:8443"
config :omnimessage_smpp, :server_binds, [
  %{name: "partner_acme", system_id: "acme", password: "a#b\"c\\d\x41",
    allowed_bind_types: ~w(transmitter transceiver)a,
    ip_whitelist: ~w[203.0.113.0/24 198.51.100.7],
    source_address_whitelist: ~W(AcmeCorp 614*)}
]
"#,
    )
    .unwrap();
    assert!(imported.unknown.is_empty(), "{:?}", imported.unknown);
    assert_eq!(notes(&imported), "");
    let config = load(&imported, &[]).config;
    let bind = config.server_bind_by_system_id("acme").unwrap();
    assert_eq!(bind.password.expose(), "a#b\"c\\dA");
    assert_eq!(
        bind.allowed_bind_types,
        BindTypes::default()
            .with(BindType::Transmitter)
            .with(BindType::Transceiver)
    );
    assert_eq!(bind.ip_whitelist.networks().len(), 2);
    let sources: Vec<&str> = bind
        .source_address_whitelist
        .patterns()
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(sources, ["AcmeCorp", "614*"]);
}
