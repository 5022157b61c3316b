//! The README's first command: `omnimessage-smpp demo` runs the whole hub flow and reports.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn demo_runs_the_hub_flow_and_stops_on_sigint() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
        .args(["demo", "--messages", "200", "--rate", "400"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the demo: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let ready = loop {
        match lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                let done = line.contains("Ctrl-C stops it");
                seen.push(line);
                if done {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let output = seen.join("\n");
    if !ready {
        let _ = child.kill();
        panic!("the demo did not finish its load:\n{output}");
    }
    // A graceful stop, as an operator's Ctrl-C.
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(status.success());
    let exit = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(exit.success(), "demo exited with {exit}:\n{output}");

    assert!(output.contains("messages 200 "), "{output}");
    assert!(output.contains(" errors 0 "), "{output}");
    assert!(
        output.contains("missing 0"),
        "every receipt must reach the partner:\n{output}"
    );
    assert!(output.contains("submit->receipt"), "{output}");
    let acked = output
        .split_whitespace()
        .skip_while(|w| *w != "acked")
        .nth(1)
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(acked >= 200, "{output}");
    assert!(
        output.contains(&format!("core: {acked} inserted, {acked} sent")),
        "{output}"
    );
}
