//! Shared harness of the end-to-end tests: the real gateway binary as a child process with a
//! configuration written to a temporary directory, next to the in-process simulators.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The gateway binary running on a configuration of the test's own.
pub struct GatewayProcess {
    child: Child,
    pub dir: PathBuf,
    pub log: PathBuf,
}

impl GatewayProcess {
    /// Writes `config` (mode 600) into a fresh directory named after `name` and starts the
    /// gateway on it. `{cache}` in the text is replaced by a cache directory inside it.
    pub fn start(name: &str, config: &str) -> GatewayProcess {
        let dir = std::env::temp_dir().join(format!("omsmpp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = config.replace("{cache}", &dir.join("cache").display().to_string());
        let config_path = dir.join("gateway.toml");
        std::fs::write(&config_path, config).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let log = dir.join("gateway.log");
        let child = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
            .arg("--config")
            .arg(&config_path)
            .env_remove("API_BASE_URL")
            .env_remove("SMSC_NAME")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        GatewayProcess { child, dir, log }
    }

    /// The gateway's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until something accepts TCP connections on `port` (the SMPP listener).
    pub fn wait_for_port(&self, port: u16, within: Duration) {
        let deadline = Instant::now() + within;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "gateway not listening on {port} after {within:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the log contains `text`.
    pub fn wait_for_log(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the gateway log after {within:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then the exit code (None if it had to be killed after 15 s).
    pub fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        None
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
