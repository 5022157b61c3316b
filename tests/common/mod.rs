//! Shared harness of the end-to-end tests: the real gateway binary as a child process with a
//! configuration written to a temporary directory, next to the in-process simulators.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now, and never handed out before in this test process: a
/// test that restarts a server on its port must not find another test's server there.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
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

// ---- helpers of tests/e2e_engine.rs ----

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use engine::proto::{Body, CommandStatus, DeliverSm, MessageId, SubmitSm, SubmitSmResp, SystemId};
use engine::session::{EsmeSession, Event, SessionConfig, SmscSession};

/// Polls `check` every 50 ms until it returns `Some` or `within` passes.
pub fn poll<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET base + path` as JSON (`None` on any error or non-2xx).
pub fn http_get_json(base: &str, path: &str) -> Option<serde_json::Value> {
    let mut response = ureq::get(&format!("{base}{path}")).call().ok()?;
    let text = response.body_mut().read_to_string().ok()?;
    serde_json::from_str(&text).ok()
}

/// `POST base + path` with a JSON body; the answer as JSON.
pub fn http_post_json(base: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let mut response = ureq::post(&format!("{base}{path}"))
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let text = response.body_mut().read_to_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every message the core simulator holds (its ids count up from 1), oldest first.
pub fn core_messages(base: &str) -> Vec<serde_json::Value> {
    let Some(stats) = http_get_json(base, "/admin/stats") else {
        return Vec::new();
    };
    let max = stats["inserted"].as_u64().unwrap_or(0) + stats["enqueued"].as_u64().unwrap_or(0);
    (1..=max)
        .filter_map(|id| http_get_json(base, &format!("/admin/messages/{id}")))
        .collect()
}

/// What the [`FakeCarrier`] saw and what it is told to do.
#[derive(Default)]
pub struct CarrierState {
    /// submit_sm received, in order.
    pub submits: Vec<SubmitSm>,
    /// Binds accepted (one per connection).
    pub binds: u32,
    /// deliver_sm_resp statuses received, in order.
    pub deliver_resps: Vec<CommandStatus>,
    /// Answer submit_sm (false: leave them unanswered).
    pub answer_submits: bool,
    /// Close the current connection at once.
    pub drop_link: bool,
    /// deliver_sm to send when bound.
    pub outbox: VecDeque<DeliverSm>,
    /// Whether a session is bound now.
    pub bound: bool,
}

/// A scriptable carrier SMSC (one connection at a time) built on the engine's own session:
/// records what the gateway submits, sends MO on request, drops the link on request.
pub struct FakeCarrier {
    pub port: u16,
    pub state: Arc<Mutex<CarrierState>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeCarrier {
    pub fn start() -> FakeCarrier {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(CarrierState {
            answer_submits: true,
            ..CarrierState::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => serve_carrier(stream, &state, &stop),
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        FakeCarrier {
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Runs `f` on the state.
    pub fn with<T>(&self, f: impl FnOnce(&mut CarrierState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

impl Drop for FakeCarrier {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_carrier(mut stream: TcpStream, state: &Mutex<CarrierState>, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let config = SessionConfig {
        enquire_link_interval: Duration::ZERO,
        ..SessionConfig::default()
    };
    let mut session = SmscSession::new(config, Instant::now());
    let mut buf = BytesMut::new();
    let mut next_id = 0u64;
    let mut chunk = [0u8; 16384];
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                session.handle_input(&mut buf, now);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
        session.handle_timeout(now);
        let mut closed = false;
        {
            let mut st = state.lock().unwrap();
            while let Some(event) = session.poll_event() {
                match event {
                    Event::BindRequested { .. } => {
                        let _ = session.accept_bind(SystemId::new("FAKESMSC").unwrap(), now);
                    }
                    Event::Bound { .. } => {
                        st.binds += 1;
                        st.bound = true;
                    }
                    Event::RequestReceived(pdu) => {
                        if let Body::SubmitSm(sm) = &pdu.body {
                            st.submits.push(sm.clone());
                            if st.answer_submits {
                                next_id += 1;
                                let body = Body::SubmitSmResp(SubmitSmResp {
                                    message_id: MessageId::new(&format!("c{next_id:x}")).unwrap(),
                                    tlvs: engine::proto::Tlvs::new(),
                                });
                                let _ = session.respond(
                                    pdu.sequence_number,
                                    CommandStatus::ESME_ROK,
                                    body,
                                );
                            }
                        } else {
                            let _ = session.respond_status(
                                pdu.sequence_number,
                                pdu.command_id(),
                                CommandStatus::ESME_ROK,
                            );
                        }
                    }
                    Event::Response { pdu, .. } => st.deliver_resps.push(pdu.command_status),
                    Event::Closed(_) => closed = true,
                    _ => {}
                }
            }
            if st.bound {
                while session.has_window_room() {
                    let Some(sm) = st.outbox.pop_front() else {
                        break;
                    };
                    let _ = session.deliver(sm, 0, now);
                }
            }
            if st.drop_link {
                st.drop_link = false;
                closed = true;
            }
            if closed {
                st.bound = false;
            }
        }
        let mut out = BytesMut::new();
        session.poll_transmit(&mut out);
        if !out.is_empty() && stream.write_all(&out).is_err() {
            break;
        }
        if closed {
            break;
        }
    }
    state.lock().unwrap().bound = false;
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// A blocking partner ESME on the gateway's listener that answers deliver_sm with ESME_ROK.
pub struct Esme {
    stream: TcpStream,
    pub session: EsmeSession,
    buf: BytesMut,
    pub events: Vec<Event>,
}

impl Esme {
    pub fn connect(port: u16) -> Esme {
        let stream = poll(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        })
        .expect("gateway not listening");
        stream
            .set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        Esme {
            stream,
            session: EsmeSession::new(SessionConfig::default(), Instant::now()),
            buf: BytesMut::new(),
            events: Vec::new(),
        }
    }

    /// Connects and binds; the bind status.
    pub fn bind(
        port: u16,
        bind_type: engine::session::BindType,
        system_id: &str,
        password: &str,
    ) -> (Esme, CommandStatus) {
        let mut esme = Esme::connect(port);
        let bind = engine::proto::Bind::new(system_id, password).unwrap();
        esme.session.bind(bind_type, bind, Instant::now()).unwrap();
        let status = esme
            .wait_for(Duration::from_secs(10), |e| match e {
                Event::Bound { .. } => Some(CommandStatus::ESME_ROK),
                Event::BindFailed(status) => Some(*status),
                _ => None,
            })
            .expect("no bind_resp");
        (esme, status)
    }

    /// Moves bytes both ways once; false when the connection is gone.
    pub fn pump(&mut self) -> bool {
        let mut out = BytesMut::new();
        self.session.poll_transmit(&mut out);
        if !out.is_empty() {
            let _ = self.stream.write_all(&out);
        }
        let mut chunk = [0u8; 16384];
        let open = match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.session.handle_input(&mut self.buf, Instant::now());
                true
            }
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        };
        if !open {
            self.session.connection_lost();
        }
        while let Some(event) = self.session.poll_event() {
            if let Event::RequestReceived(pdu) = &event {
                let _ = self.session.respond_status(
                    pdu.sequence_number,
                    pdu.command_id(),
                    CommandStatus::ESME_ROK,
                );
            }
            self.events.push(event);
        }
        open
    }

    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        pick: impl Fn(&Event) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.events.iter().position(|e| pick(e).is_some()) {
                return pick(&self.events.remove(i));
            }
            if Instant::now() > deadline || !self.pump() {
                return self.events.iter().find_map(&pick);
            }
        }
    }

    /// Sends `body` and waits for its response.
    pub fn request(&mut self, body: Body) -> engine::proto::Pdu {
        let seq = self.session.send_request(body, 0, Instant::now()).unwrap();
        self.wait_for(Duration::from_secs(15), |e| match e {
            Event::Response { seq: s, pdu, .. } if *s == seq => Some(pdu.clone()),
            _ => None,
        })
        .expect("no response")
    }

    /// Sends every body in one burst (window permitting) and returns the responses in order.
    pub fn burst(&mut self, bodies: Vec<Body>) -> Vec<engine::proto::Pdu> {
        let now = Instant::now();
        let seqs: Vec<_> = bodies
            .into_iter()
            .map(|b| self.session.send_request(b, 0, now).unwrap())
            .collect();
        seqs.iter()
            .map(|seq| {
                self.wait_for(Duration::from_secs(15), |e| match e {
                    Event::Response { seq: s, pdu, .. } if s == seq => Some(pdu.clone()),
                    _ => None,
                })
                .expect("no response")
            })
            .collect()
    }
}

/// The UCS-2 parts of `text` with an 8-bit-reference concatenation UDH (`per_part` UTF-16
/// units each), as a carrier or partner sends a long message.
pub fn ucs2_udh_parts(text: &str, reference: u8, per_part: usize) -> Vec<(Bytes, u8)> {
    let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let chunks: Vec<&[u8]> = units.chunks(per_part * 2).collect();
    let total = u8::try_from(chunks.len()).unwrap();
    chunks
        .iter()
        .zip(1u8..)
        .map(|(chunk, seq)| {
            let mut body = vec![0x05, 0x00, 0x03, reference, total, seq];
            body.extend_from_slice(chunk);
            (Bytes::from(body), seq)
        })
        .collect()
}

/// Joins the UCS-2 bodies of submit_sm parts (UDH removed) into text, in UDH order.
pub fn join_ucs2_parts(parts: &[SubmitSm]) -> String {
    let mut ordered: Vec<(u8, &[u8])> = parts
        .iter()
        .map(|sm| {
            let body = sm.short_message.as_bytes();
            let udhl = usize::from(body[0]);
            (body[5], &body[1 + udhl..])
        })
        .collect();
    ordered.sort_by_key(|(seq, _)| *seq);
    let units: Vec<u16> = ordered
        .iter()
        .flat_map(|(_, b)| b.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])))
        .collect();
    String::from_utf16_lossy(&units)
}

impl GatewayProcess {
    /// The configuration file the gateway runs on.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("gateway.toml")
    }

    /// Sends `signal` (`HUP`, `TERM`, ...) to the gateway with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Whether the gateway process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Starts the gateway again on the same directory (configuration, cache and state kept;
    /// the log continues) after it stopped.
    pub fn restart(&mut self) {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.log)
            .unwrap();
        self.child = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
            .arg("--config")
            .arg(self.config_path())
            .env_remove("API_BASE_URL")
            .env_remove("SMSC_NAME")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
    }
}

impl GatewayProcess {
    /// Starts the gateway on `config` in the existing directory `dir` without wiping it (a
    /// restart on the same cache). `{cache}` is replaced as in [`GatewayProcess::start`].
    pub fn restart_in(dir: &std::path::Path, config: &str) -> GatewayProcess {
        let config = config.replace("{cache}", &dir.join("cache").display().to_string());
        let config_path = dir.join("gateway.toml");
        std::fs::write(&config_path, config).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let log = dir.join(format!("gateway-{}.log", free_port()));
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
        GatewayProcess {
            child,
            dir: dir.to_path_buf(),
            log,
        }
    }

    /// SIGKILL (`kill -9`): no shutdown, nothing flushed; waits for the process to be gone.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `toml` (an [`E2eConfig`] text) with the web UI on 127.0.0.1 and `admin_token`; its port.
pub fn with_web_ui(toml: &str, admin_token: &str) -> (String, u16) {
    let port = free_port();
    let at = toml
        .find("[web]\nenabled = false\n")
        .expect("E2eConfig has [web]");
    let (before, web) = toml.split_at(at);
    let port_line = web.lines().find(|l| l.starts_with("port = ")).unwrap();
    let web = web
        .replacen("enabled = false", "enabled = true", 1)
        .replacen(
            port_line,
            &format!("port = {port}\nhost = \"127.0.0.1\"\nadmin_token = \"{admin_token}\""),
            1,
        );
    (format!("{before}{web}"), port)
}
