//! Secrets and hostile configuration, against the real binary: passwords never reach the log
//! (even at debug level), /status, /metrics or an error message; a configuration readable by
//! others is warned about; broken files exit non-zero naming the key; the sidecar's HTTP
//! endpoints answer oversized bodies, unknown paths and path traversal with a 4xx and live on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{free_port, E2eConfig};
use raw::*;
use smpp_loadgen::core_sim::{CoreSim, SimConfig};

const CARRIER_PASSWORD: &str = "Cx9carrierPW";
const PARTNER_PASSWORD: &str = "Pz7partnerPW";

/// The shared e2e configuration with distinctive passwords and the metrics sidecar on. (The
/// binary does not serve the web UI yet, so `[web]` stays off and only the sidecar is probed.)
fn config(core: &CoreSim, listen: u16) -> (String, u16) {
    let toml = E2eConfig {
        api: &core.base_url(),
        carrier_port: free_port(),
        listen_port: listen,
        smsc_name: "smpp_secrets",
        server_bind: "partner_secrets",
        source_whitelist: &["MyBrand"],
        extra: "",
    }
    .toml()
    .replace(
        "password = \"secret\"",
        &format!("password = \"{CARRIER_PASSWORD}\""),
    )
    .replace(
        "password = \"partner1\"",
        &format!("password = \"{PARTNER_PASSWORD}\""),
    );
    with_metrics(&toml)
}

/// Runs the binary on `toml` written with file mode `mode`, RUST_LOG=debug.
struct Run {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Run {
    fn start(name: &str, toml: &str, mode: u32) -> Run {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("omsmpp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gateway.toml");
        std::fs::write(
            &path,
            toml.replace("{cache}", &dir.join("cache").display().to_string()),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
            .arg("--config")
            .arg(&path)
            .env_remove("API_BASE_URL")
            .env_remove("SMSC_NAME")
            .env("RUST_LOG", "debug")
            .stdout(std::fs::File::create(dir.join("out.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("err.log")).unwrap())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        Run { child, dir }
    }

    fn output(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        read("out.log") + &read("err.log")
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn passwords_stay_out_of_logs_status_metrics_and_answers() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let listen = free_port();
    let (toml, metrics) = config(&core, listen);
    // Readable by others: a start-up warning.
    let run = Run::start("secrets", &toml, 0o644);
    let mut partner = RawClient::connect(listen);
    assert_eq!(
        partner.bind(BIND_TRANSCEIVER, "partner", PARTNER_PASSWORD),
        ESME_ROK,
        "{}",
        run.output()
    );
    assert_eq!(submit_one(&mut partner, b"hello").status, ESME_ROK);
    // A wrong password that shares the real one's prefix, and one against the carrier's.
    let mut wrong = RawClient::connect(listen);
    let wrong_password = format!("{PARTNER_PASSWORD}x");
    assert_eq!(
        wrong.bind(BIND_TRANSCEIVER, "partner", &wrong_password),
        ESME_RINVPASWD
    );
    let mut pages = String::new();
    for (port, path) in [
        (metrics, "/metrics"),
        (metrics, "/status"),
        (metrics, "/health"),
    ] {
        let (status, body) = http_get(port, path);
        assert!(status > 0, "{path} on {port}: no answer");
        pages.push_str(&body);
    }
    // The carrier bind keeps failing (nobody listens): its errors are in the log by now.
    std::thread::sleep(Duration::from_millis(500));
    let output = run.output();
    for secret in [CARRIER_PASSWORD, PARTNER_PASSWORD, wrong_password.as_str()] {
        assert!(!output.contains(secret), "{secret} in the log:\n{output}");
        assert!(
            !pages.contains(secret),
            "{secret} served over HTTP:\n{pages}"
        );
    }
    assert!(
        output.contains("0644") && output.contains("chmod 600"),
        "no warning about the file mode:\n{output}"
    );
    assert!(
        output.contains("DEBUG") || output.contains("debug"),
        "not at debug level"
    );
}

/// Runs the binary on `text`; returns (exit code, stderr).
fn run_bad(name: &str, text: &str) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("omsmpp-badcfg-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
        .arg("--config")
        .arg(&path)
        .env_remove("API_BASE_URL")
        .env_remove("SMSC_NAME")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn broken_configurations_exit_non_zero_naming_the_key_without_the_secret() {
    let base = "api_base_url = \"http://127.0.0.1:9\"\n";
    let partner = |name: &str, system_id: &str| {
        format!(
            "[[server_binds]]\nname = \"{name}\"\nsystem_id = \"{system_id}\"\n\
             password = \"{PARTNER_PASSWORD}\"\nallowed_bind_types = [\"transceiver\"]\n\
             ip_whitelist = [\"127.0.0.1\"]\n"
        )
    };
    let cases = [
        ("malformed", format!("{base}[listen\nport = 1\n"), "line"),
        (
            "wrong-type",
            format!("{base}[listen]\nport = \"2775\"\n"),
            "port",
        ),
        (
            "out-of-range",
            format!("{base}[listen]\nbind_timeout = 0\n"),
            "bind_timeout",
        ),
        (
            "out-of-range-tps",
            format!("{base}{}tps_limit = 1000000\n", partner("p1", "sys1")),
            "tps_limit",
        ),
        (
            "duplicate-name",
            format!(
                "{base}{}{}",
                partner("same", "sys1"),
                partner("same", "sys2")
            ),
            "name",
        ),
        (
            "duplicate-system-id",
            format!("{base}{}{}", partner("a", "sys1"), partner("b", "SYS1")),
            "system_id",
        ),
        (
            "unknown-key",
            format!("{base}[listen]\nprot = 2775\n"),
            "prot",
        ),
        (
            "bad-password-type",
            format!(
                "{base}[[server_binds]]\nname = \"x\"\nsystem_id = \"x\"\npassword = 12345\n\
                 allowed_bind_types = [\"transceiver\"]\n"
            ),
            "password",
        ),
    ];
    for (name, text, key) in cases {
        let (code, stderr) = run_bad(name, &text);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert!(stderr.contains(key), "{name}: no {key:?} in {stderr}");
        assert!(
            !stderr.contains(PARTNER_PASSWORD),
            "{name}: password in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn the_sidecar_answers_hostile_requests_with_4xx_and_lives_on() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let listen = free_port();
    let (toml, metrics) = config(&core, listen);
    let run = Run::start("sidecar-abuse", &toml, 0o600);
    let up = poll(Duration::from_secs(20), || {
        (http_get(metrics, "/health").0 == 200).then_some(())
    });
    assert!(up.is_some(), "{}", run.output());
    let ten_mb = vec![b'a'; 10 << 20];
    let port = metrics;
    for path in [
        "/nope",
        "/static/../../../../etc/passwd",
        "/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2fetc%2fpasswd",
    ] {
        let (status, body) = http_get(port, path);
        assert!(
            (400..500).contains(&status),
            "{port}{path}: {status} {body}"
        );
        assert!(!body.contains("root:"), "{port}{path} served /etc/passwd");
    }
    for path in ["/metrics", "/status", "/api/peers"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            ten_mb.len()
        );
        let (status, body) = http(port, &head, &ten_mb);
        // 0: the server closed the connection without reading the body, which is fine.
        assert!(
            status == 0 || (400..500).contains(&status),
            "{port} POST {path} 10 MB: {status} {}",
            &body[..body.len().min(200)]
        );
    }
    assert_eq!(http_get(metrics, "/health").0, 200, "{}", run.output());
    let mut partner = RawClient::connect(listen);
    assert_eq!(
        partner.bind(BIND_TRANSCEIVER, "partner", PARTNER_PASSWORD),
        ESME_ROK
    );
    assert!(!run.output().contains("panicked"), "{}", run.output());
}
