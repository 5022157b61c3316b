//! The real binary's command line: `config check` on good and bad files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn gateway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
        .args(args)
        .env_remove("API_BASE_URL")
        .env_remove("SMSC_NAME")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the gateway binary: {e}"))
}

fn example(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "config", "examples", name]
        .iter()
        .collect();
    path.display().to_string()
}

#[test]
fn config_check_accepts_every_shipped_example() {
    for name in [
        "single-carrier.toml",
        "two-carriers.toml",
        "carrier-and-partners.toml",
        "demo.toml",
    ] {
        let out = gateway(&["config", "check", &example(name)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(
            stderr.contains("configuration is valid"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn config_check_masks_passwords() {
    let out = gateway(&["config", "check", &example("demo.toml")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("***"), "{stdout}");
    assert!(!stdout.contains("partner1"), "password leaked: {stdout}");
}

#[test]
fn config_check_names_the_bad_key_and_fails() {
    let dir = std::env::temp_dir().join(format!("omsmpp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "api_base_url = \"https://core.example.com\"\n\n[[binds]]\nname = \"carrier_a\"\n\
         bind_type = \"transceiver\"\nhost = \"127.0.0.1\"\nsystem_id = \"gw\"\n\
         password = \"pw\"\ntps_limit = 0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = gateway(&["config", "check", &path.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tps_limit"), "{stderr}");
    assert!(stderr.contains("carrier_a"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_and_unknown_arguments() {
    let out = gateway(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("omnimessage-smpp 0."));
    let out = gateway(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_import_converts_the_guides_example_into_a_valid_config() {
    let fixture: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "config",
        "tests",
        "fixtures",
        "carrier_and_partners.exs",
    ]
    .iter()
    .collect();
    let out = gateway(&["config", "import", &fixture.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let toml = String::from_utf8_lossy(&out.stdout);
    assert!(toml.contains("[[server_binds]]"), "{toml}");
    let loaded = smpp_config::Config::from_toml_str_with_env(&toml, &|_| None)
        .unwrap_or_else(|e| panic!("imported TOML does not load: {e}\n{toml}"));
    assert!(!loaded.config.server_binds.is_empty());
}

#[test]
fn config_import_reports_malformed_input_with_its_position() {
    let dir = std::env::temp_dir().join(format!("omsmpp-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("broken.exs");
    std::fs::write(
        &path,
        "import Config\nconfig :omnimessage_smpp, :binds, [%{name: }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = gateway(&["config", "import", &path.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_check_prints_toml_that_checks_again() {
    let out = gateway(&["config", "check", &example("carrier-and-partners.toml")]);
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        printed.contains("[[server_binds]]\nname = \"partner_alpha\""),
        "{printed}"
    );
    assert!(printed.contains("max_connections = 100"), "{printed}");
    let dir = std::env::temp_dir().join(format!("omsmpp-cli-effective-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("effective.toml");
    std::fs::write(&path, &printed).unwrap_or_else(|e| panic!("{e}"));
    let again = gateway(&["config", "check", &path.display().to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&again.stdout), printed);
}

#[test]
fn version_file_matches_the_binary() {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "VERSION"].iter().collect();
    let file = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = gateway(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("omnimessage-smpp {}", file.trim()),
        "VERSION and the package version differ"
    );
}

#[test]
fn a_second_gateway_cannot_share_the_smpp_port() {
    // The shards bind with SO_REUSEPORT; without the start-up check a second copy of the same
    // user would start on the same port and take a share of the partners.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("omsmpp-cli-twice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    // Each copy has its own cache_dir: the shared one would stop the second at its lock first.
    let write_config = |name: &str, cache: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "api_base_url = \"http://127.0.0.1:1\"\ncache_dir = \"{}\"\nshards = 1\n\
                 [[server_binds]]\nname = \"p\"\nsystem_id = \"p\"\npassword = \"pw\"\n\
                 allowed_bind_types = [\"transceiver\"]\nip_whitelist = [\"127.0.0.1\"]\n\
                 [listen]\nhost = \"127.0.0.1\"\nport = {port}\n[metrics]\nenabled = false\n\
                 [web]\nenabled = false\n",
                dir.join(cache).display()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        path
    };
    let configs = [
        write_config("first.toml", "cache1"),
        write_config("second.toml", "cache2"),
    ];
    let run = |config: &std::path::Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"));
        command
            .args(["--config", &config.display().to_string()])
            .env_remove("API_BASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        command
    };
    let mut first = run(&configs[0]).spawn().unwrap_or_else(|e| panic!("{e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "first gateway never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut second = run(&configs[1]).spawn().unwrap_or_else(|e| panic!("{e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        match second.try_wait() {
            Ok(Some(status)) => break Some(status),
            _ if std::time::Instant::now() > deadline => break None,
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    for child in [&mut first, &mut second] {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = second.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let status = status.unwrap_or_else(|| panic!("the second gateway kept running: {stderr}"));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}
