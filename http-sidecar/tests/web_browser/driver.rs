//! Running the browser scripts of this directory from a Rust test: whether Chromium and
//! playwright-core are installed (a missing one skips the test, saying why, or fails it when
//! REQUIRE_BROWSER_TEST is set, as scripts/test.sh does), where screenshots go, and the node
//! process, every wait on it bounded. Shared by http-sidecar/tests/web_admin.rs and the root
//! crate's tests/e2e_ui_browser.rs (included with `#[path]`).
#![allow(dead_code, unreachable_pub, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Chromium and the scripts' node_modules, both found.
pub struct Browser {
    chromium: String,
    script_dir: PathBuf,
}

impl Browser {
    /// The browser setup for the scripts in `script_dir` (this directory), or `None` after
    /// printing why the test is skipped. Panics instead when REQUIRE_BROWSER_TEST is set.
    pub fn find(script_dir: &Path) -> Option<Browser> {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let required = std::env::var_os("REQUIRE_BROWSER_TEST").is_some();
        if !Path::new(&chromium).exists() {
            assert!(
                !required,
                "{chromium} is missing and REQUIRE_BROWSER_TEST is set"
            );
            eprintln!("SKIPPED: {chromium} not installed (apt-get install -y chromium)");
            return None;
        }
        if !script_dir.join("node_modules/playwright-core").exists() {
            assert!(
                !required,
                "playwright-core is missing and REQUIRE_BROWSER_TEST is set"
            );
            eprintln!(
                "SKIPPED: playwright-core not installed (cd {} && npm install --no-save \
                 playwright-core)",
                script_dir.display()
            );
            return None;
        }
        Some(Browser {
            chromium,
            script_dir: script_dir.to_path_buf(),
        })
    }

    /// Starts `node <script> <base> <token> <screenshot dir>` with stdin, stdout and stderr
    /// piped.
    fn spawn(&self, script: &str, base: &str, token: &str, shots: &Screenshots) -> Child {
        Command::new("node")
            .arg(self.script_dir.join(script))
            .arg(base)
            .arg(token)
            .arg(&shots.dir)
            .env("CHROMIUM", &self.chromium)
            .current_dir(&self.script_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs")
    }

    /// Runs `script` to its end (killed after `limit`); panics with its output unless it
    /// succeeded and printed `OK`.
    pub fn run(&self, script: &str, base: &str, token: &str, shots: &Screenshots, limit: Duration) {
        let mut child = self.spawn(script, base, token, shots);
        drop(child.stdin.take());
        let stdout = Drained::start(child.stdout.take());
        let stderr = Drained::start(child.stderr.take());
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().expect("node is waited for") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{script} took longer than {limit:?}\nstdout:\n{}\nstderr:\n{}",
                    stdout.text(),
                    stderr.text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        stdout.wait_for_end();
        stderr.wait_for_end();
        assert!(
            status.success() && stdout.text().contains("OK"),
            "{script}: {status}\nstdout:\n{}\nstderr:\n{}",
            stdout.text(),
            stderr.text()
        );
    }

    /// Starts `script` as a step-by-step driver (see [`Steps`]).
    pub fn steps(&self, script: &str, base: &str, token: &str, shots: &Screenshots) -> Steps {
        let mut child = self.spawn(script, base, token, shots);
        let stdin = child.stdin.take();
        let stderr = Drained::start(child.stderr.take());
        let (sender, answers) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Steps {
            child,
            stdin,
            answers,
            stderr,
            shots: shots.dir.clone(),
        }
    }
}

/// Where a test's screenshots go: docs/screenshots when UPDATE_SCREENSHOTS=1 (to refresh the
/// committed ones), else a temporary directory removed when the test passes (kept, with a
/// screenshot of a failed step, when it fails).
pub struct Screenshots {
    /// The directory.
    pub dir: PathBuf,
    temporary: bool,
}

impl Screenshots {
    /// `docs` with UPDATE_SCREENSHOTS=1, else a fresh directory named after `test`.
    pub fn new(docs: &Path, test: &str) -> Screenshots {
        let update = std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|value| value == "1");
        let (dir, temporary) = if update {
            (docs.to_path_buf(), false)
        } else {
            let dir =
                std::env::temp_dir().join(format!("omsmpp-shots-{test}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            (dir, true)
        };
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        Screenshots { dir, temporary }
    }
}

impl Drop for Screenshots {
    fn drop(&mut self) {
        if self.temporary && !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A script that runs one step per JSON line on its stdin and answers each with one JSON line
/// (`{"ok": step, "result": ..}` or `{"failed": step, "error": ..}`); killed when dropped.
pub struct Steps {
    child: Child,
    stdin: Option<ChildStdin>,
    answers: Receiver<String>,
    stderr: Drained,
    shots: PathBuf,
}

impl Steps {
    /// Runs `step` with `args` (a JSON object) and returns its result; panics when the step
    /// fails or gives no answer within `limit`.
    pub fn step(
        &mut self,
        step: &str,
        args: serde_json::Value,
        limit: Duration,
    ) -> serde_json::Value {
        let mut request = args;
        request["step"] = serde_json::Value::from(step);
        let written = self
            .stdin
            .as_mut()
            .is_some_and(|stdin| writeln!(stdin, "{request}").is_ok());
        assert!(written, "the browser script is gone\n{}", self.stderr());
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.answers.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "browser step {step}: no answer within {limit:?}\n{}",
                    self.stderr()
                )
            });
            let Ok(answer) = serde_json::from_str::<serde_json::Value>(&line) else {
                eprintln!("browser: {line}");
                continue;
            };
            if answer["ok"] == step {
                return answer["result"].clone();
            }
            panic!(
                "browser step {step} failed: {answer}\n(screenshot in {})\n{}",
                self.shots.display(),
                self.stderr()
            );
        }
    }

    fn stderr(&self) -> String {
        self.stderr.text()
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        // Closing stdin ends the script's loop; it closes the browser and exits.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pipe read to its end on a thread of its own (a full pipe would stall the script).
struct Drained {
    text: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Drained {
    fn start(pipe: Option<impl Read + Send + 'static>) -> Drained {
        let text = Arc::new(Mutex::new(String::new()));
        let reader = pipe.map(|pipe| {
            let text = Arc::clone(&text);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    let mut text = text.lock().unwrap_or_else(PoisonError::into_inner);
                    text.push_str(&line);
                    text.push('\n');
                }
            })
        });
        Drained { text, reader }
    }

    fn text(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits (up to 5 s: a browser left behind may hold the pipe open) for the end of the pipe.
    fn wait_for_end(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.reader.as_ref().is_some_and(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
