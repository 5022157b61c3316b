//! The `smpp-loadgen core` binary: prints where it listens, serves, stops on SIGTERM.

use crate::util::Client;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_smpp-loadgen");

#[test]
fn core_subcommand_serves_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args([
            "core",
            "--listen",
            "127.0.0.1:0",
            "--route",
            "from=partner_acme,to=carrier_a",
            "--lease-secs",
            "30",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    assert!(
        line.contains("1 route(s)") && line.contains("lease 30000 ms"),
        "{line}"
    );
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let client = Client::for_base(url);
    let health: core_api::Health = client.get_as(core_api::paths::HEALTH);
    assert!(health.is_ok());
    let id = client.insert(&crate::util::partner_submit("partner_acme", "1", "x"));
    assert_eq!(client.poll("carrier_a", 5)[0].id, id);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn bad_options_exit_2_naming_the_option() {
    let output = Command::new(BIN)
        .args(["core", "--lease-secs", "soon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--lease-secs"), "{stderr}");
    let output = Command::new(BIN).args(["teleport"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(BIN).args(["core", "--help"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--routes FILE"));
}
