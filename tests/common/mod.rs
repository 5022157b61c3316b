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

    /// The gateway's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited (and how).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
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

/// The configuration the end-to-end tests share: one client bind `carrier_sim` to the carrier
/// simulator, one server bind for partner `partner`/`partner1` from 127.0.0.1, the listener on
/// `listen_port`, no sidecar. `{cache}` is left for [`GatewayProcess::start`] to fill in.
pub struct E2eConfig<'a> {
    /// The core simulator's base URL.
    pub api: &'a str,
    /// The carrier simulator's port.
    pub carrier_port: u16,
    /// The SMPP listener's port.
    pub listen_port: u16,
    /// `smsc_name`.
    pub smsc_name: &'a str,
    /// The server bind's name.
    pub server_bind: &'a str,
    /// The server bind's `source_address_whitelist`.
    pub source_whitelist: &'a [&'a str],
    /// Extra top-level lines (e.g. `log_format = "json"`).
    pub extra: &'a str,
}

impl E2eConfig<'_> {
    /// The TOML text.
    pub fn toml(&self) -> String {
        let whitelist: Vec<String> = self
            .source_whitelist
            .iter()
            .map(|s| format!("{s:?}"))
            .collect();
        format!(
            r#"
api_base_url = "{api}"
smsc_name = "{smsc_name}"
cache_dir = "{{cache}}"
shards = 2
{extra}
[[binds]]
name = "carrier_sim"
bind_type = "transceiver"
host = "127.0.0.1"
port = {carrier}
system_id = "gateway"
password = "secret"
queue_check_frequency = 100
[[server_binds]]
name = "{server_bind}"
system_id = "partner"
password = "partner1"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
ip_whitelist = ["127.0.0.1"]
source_address_whitelist = [{whitelist}]
queue_check_frequency = 100
[listen]
host = "127.0.0.1"
port = {listen}
[metrics]
enabled = false
port = {metrics}
[web]
enabled = false
port = {web}
"#,
            api = self.api,
            smsc_name = self.smsc_name,
            extra = self.extra,
            carrier = self.carrier_port,
            server_bind = self.server_bind,
            whitelist = whitelist.join(", "),
            listen = self.listen_port,
            metrics = free_port(),
            web = free_port(),
        )
    }
}
