//! `runtime.exs` import on malformed and unusual input: errors with line and column, never a
//! panic; and the Elixir forms the guide does not show but real files use.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use smpp_config::import::{runtime_exs, ImportError};
use smpp_config::Config;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn error_of(text: &str) -> ImportError {
    match runtime_exs(text) {
        Ok(imported) => panic!(
            "expected an error for:\n{text}\n--- got ---\n{}",
            imported.toml
        ),
        Err(error) => error,
    }
}

#[track_caller]
fn assert_error(text: &str, line: u32, column: u32, fragment: &str) {
    let error = error_of(text);
    assert_eq!(
        (error.line, error.column),
        (line, column),
        "wrong position for {error}"
    );
    assert!(
        error.message.contains(fragment),
        "expected {fragment:?} in {error}"
    );
}

#[test]
fn comment_broken_over_two_lines_in_the_guide() {
    // The operations guide wraps a comment so that its second half is bare text.
    let error = error_of(&fixture("add_partner_broken_comment.exs"));
    assert_eq!((error.line, error.column), (18, 7), "{error}");
    assert!(
        error.message.contains("unexpected character 'á'"),
        "{error}"
    );
}

#[test]
fn closing_brace_doubled_by_a_page_break_in_the_guide() {
    let error = error_of(&fixture("server_bind_split_block.exs"));
    assert_eq!((error.line, error.column), (22, 1), "{error}");
    assert!(
        error
            .message
            .contains("expected `]` to close the list (or a `,` is missing), found `}`"),
        "{error}"
    );
}

#[test]
fn syntax_errors_name_line_and_column() {
    let config = "config :omnimessage_smpp, ";
    assert_error(
        "config :omnimessage_smpp, :binds, [\n  %{name: \"a\"\n    host: \"b\"}\n]",
        3,
        5,
        "expected `}` to close the map (or a `,` is missing), found key `host:`",
    );
    assert_error(
        &format!("{config}api_base_url: \"https://x"),
        1,
        41,
        "string is never closed",
    );
    assert_error(
        &format!("{config}:binds, [%{{name: \"a\"}}"),
        1,
        48,
        "expected `]` to close the list (or a `,` is missing), found the end of the file",
    );
    assert_error(
        &format!("{config}tps_limit: 10,"),
        1,
        41,
        "unexpected end of file",
    );
    assert_error("config", 1, 7, "unexpected end of file");
    assert_error(
        "config \"omnimessage_smpp\", a: 1",
        1,
        8,
        "application atom",
    );
    assert_error(&format!("{config}:binds"), 1, 27, "`:key, value` pair");
    assert_error(
        &format!("{config}42, []"),
        1,
        27,
        "expected `key: value` settings",
    );
    assert_error(
        &format!("{config}api_base_url: \"https://#{{host}}\""),
        1,
        50,
        "interpolation",
    );
    assert_error(&format!("{config}port: 27_75x"), 1, 33, "malformed number");
    assert_error(
        &format!("{config}port: 99999999999999999999"),
        1,
        33,
        "out of range",
    );
    assert_error(
        &format!("{config}host: -\"x\""),
        1,
        33,
        "`-` only applies to numbers",
    );
    assert_error(&format!("{config}%{{1 => 2}}"), 1, 29, "expected a map key");
    assert_error(&format!("{config}a: 1, 2"), 1, 33, "expected `key: value`");
    assert_error("IO.puts(\"hi\")", 1, 1, "expected `import Config`");
    assert_error(
        "if true do\nconfig :a, b: 1\nelse\nend",
        3,
        1,
        "`if ... else`",
    );
    assert_error(
        "if true do\nconfig :a, b: 1\n",
        3,
        1,
        "never closed by `end`",
    );
    assert_error("import 42", 1, 8, "expected a module name");
    assert_error("x = System.\"a\"", 1, 12, "expected a function name");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = format!(
        "config :omnimessage_smpp, x: {}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(error_of(&text).message.contains("nested too deeply"));
    let text = format!("config :omnimessage_smpp, x: {}1", "-".repeat(100_000));
    assert!(error_of(&text).message.contains("nested too deeply"));
}

#[test]
fn every_prefix_of_a_guide_example_is_handled_without_panicking() {
    let text = fixture("production_env.exs");
    let total_lines = u32::try_from(text.lines().count()).unwrap() + 1;
    for (end, _) in text.char_indices() {
        match runtime_exs(&text[..end]) {
            Ok(_) => {}
            Err(error) => {
                assert!(error.line >= 1 && error.line <= total_lines, "{error}");
                assert!(error.column >= 1, "{error}");
            }
        }
    }
}

#[test]
fn hostile_bytes_never_panic() {
    let mut seed: u32 = 0x2545_f491;
    let alphabet: Vec<char> = "config :omnimessage_smpp, binds: [%{\"a\" => 1_0, b: :c}] \
                               || |> == \\ \"# \n\t{}()0x1f é\u{0}"
        .chars()
        .collect();
    for _ in 0..2000 {
        let text: String = (0..64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                alphabet[(seed as usize) % alphabet.len()]
            })
            .collect();
        let _ = runtime_exs(&text);
    }
}

#[test]
fn empty_input_converts_to_an_empty_file() {
    let imported = runtime_exs("").unwrap();
    assert!(imported.unknown.is_empty() && imported.notes.is_empty());
    let error = Config::from_toml_str(&imported.toml).unwrap_err();
    assert!(error.to_string().contains("api_base_url"), "{error}");
}

#[test]
fn strings_with_escapes_survive_the_round_trip() {
    let text = r#"
config :omnimessage_smpp, api_base_url: "https://core:8443", verify_ssl_peer: true
config :omnimessage_smpp, :binds, [
  %{name: "a", bind_type: :transceiver, host: 'smpp.example.com', system_id: "u",
    password: "p\"w\\d\u0041\x42", system_type: "\s"}
]
"#;
    let imported = runtime_exs(text).unwrap();
    let config = Config::from_toml_str(&imported.toml)
        .unwrap_or_else(|error| panic!("{error}\n{}", imported.toml))
        .config;
    assert_eq!(config.binds[0].password.expose(), "p\"w\\dAB");
    assert_eq!(config.binds[0].system_type, " ");
    assert_eq!(config.binds[0].host, "smpp.example.com");
}

#[test]
fn other_elixir_forms_real_files_use() {
    let text = r#"
import Config
port = 2_776
config(:omnimessage_smpp, binds: [
  %{:name => "a", "bind_type" => :receiver, host: "h", system_id: "u", password: "p",
    port: port, enabled: false, addr_ton: 0x1,},
])
config :omnimessage_smpp, :listen, [host: "::", port: 2775]
config :omnimessage_smpp, smsc_name: "first", cache_dir: nil
config :omnimessage_smpp, smsc_name: "second"
config :omnimessage_smpp, :server_binds, [
  %{name: "p", system_id: "s", password: "x", allowed_bind_types: [:transmitter],
    ip_whitelist: [], tps_limit: "fast"}
]
config :tzdata, autoupdate: :disabled
"#;
    let imported = runtime_exs(text).unwrap();
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    let notes = notes.join("\n");
    for expected in [
        "line 10: smsc_name is set again (first on line 9); the later value wins",
        "line 9: cache_dir is nil: left out, the default applies",
        "line 13: server_binds[0].tps_limit is the string \"fast\", which does not fit this key",
        "line 15: `config :tzdata` is another application's configuration; skipped",
    ] {
        assert!(
            notes.contains(expected),
            "missing {expected:?} in:\n{notes}"
        );
    }
    assert!(
        imported.toml.contains("tps_limit = \"fast\"\n"),
        "{}",
        imported.toml
    );
    let error = Config::from_toml_str(&imported.toml).unwrap_err();
    assert!(error.to_string().contains("tps_limit"), "{error}");

    let fixed = imported
        .toml
        .replace("tps_limit = \"fast\"", "tps_limit = 5");
    let fixed = format!("api_base_url = \"https://core:8443\"\n{fixed}");
    let config = Config::from_toml_str(&fixed)
        .unwrap_or_else(|error| panic!("{error}\n{fixed}"))
        .config;
    assert_eq!(config.smsc_name, "second");
    let bind = &config.binds[0];
    assert_eq!(
        (bind.name.as_str(), bind.port, bind.addr_ton),
        ("a", 2776, 1)
    );
    assert!(!bind.enabled);
    assert_eq!(config.listen.socket_addr().to_string(), "[::]:2775");
    assert_eq!(config.server_binds[0].tps_limit, 5);
}
