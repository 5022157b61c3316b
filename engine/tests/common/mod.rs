//! Helpers shared by the shard tests: a blocking SMPP client built on the ESME session machine,
//! free ports, gateway configs.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use engine::coreclient::{CoreClientConfig, CorePool};
use engine::proto::{Bind, Body, CommandStatus, Pdu};
use engine::session::{BindType, EsmeSession, Event, SessionConfig};
use engine::shard::{Running, RuntimeOptions, Shared};
use smpp_loadgen::core_sim::{CoreSim, SimConfig};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Installs a logger once for the test process (RUST_LOG picks the level).
pub fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = engine::logger::filter_from_env(log::LevelFilter::Warn);
        engine::logger::init(filter, engine::logger::Format::Text);
    });
}

/// A running gateway and the core pool it calls through.
pub struct Gateway {
    running: Option<Running>,
    pool: Option<CorePool>,
}

impl Gateway {
    pub fn shared(&self) -> &Arc<Shared> {
        self.running.as_ref().unwrap().shared()
    }

    pub fn stop(&self) {
        self.running.as_ref().unwrap().stop();
    }

    pub fn wait(mut self) -> Result<(), engine::shard::RuntimeError> {
        let result = self.running.take().unwrap().wait();
        if let Some(pool) = self.pool.take() {
            pool.shutdown();
        }
        result
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        drop(self.running.take());
        if let Some(pool) = self.pool.take() {
            pool.shutdown();
        }
    }
}

/// A core pool for `config` with short time-outs.
pub fn core_pool(config: &smpp_config::Config) -> CorePool {
    let mut core = CoreClientConfig::new(config.api_base_url.as_str(), config.smsc_name.clone());
    core.threads = 2;
    core.connect_timeout = Duration::from_secs(1);
    core.send_timeout = Duration::from_secs(2);
    core.recv_timeout = Duration::from_secs(2);
    CorePool::start(&core).unwrap()
}

/// Starts a gateway from TOML text on `shards` unpinned shards.
pub fn start_gateway(toml: &str, shards: usize) -> Gateway {
    init_logging();
    let loaded = smpp_config::Config::from_toml_str(toml).unwrap();
    let pool = core_pool(&loaded.config);
    let shared = Arc::new(Shared::new(loaded.config, shards, pool.client()));
    let running = engine::shard::start(
        shared,
        RuntimeOptions {
            pin: false,
            heartbeat: Duration::from_millis(200),
            ..RuntimeOptions::new(shards)
        },
    )
    .unwrap();
    Gateway {
        running: Some(running),
        pool: Some(pool),
    }
}

/// The core simulator on a free port.
pub fn core_sim() -> CoreSim {
    CoreSim::start(SimConfig::default()).unwrap()
}

/// GET `path` of the simulator as JSON.
pub fn sim_get<T: serde::de::DeserializeOwned>(sim: &CoreSim, path: &str) -> T {
    let url = format!("{}{path}", sim.base_url());
    let mut response = ureq::get(&url).call().unwrap();
    response.body_mut().read_json().unwrap()
}

/// POST `body` as JSON to `path` of the simulator.
pub fn sim_post<B: serde::Serialize>(sim: &CoreSim, path: &str, body: &B) -> serde_json::Value {
    let url = format!("{}{path}", sim.base_url());
    let mut response = ureq::post(&url).send_json(body).unwrap();
    response.body_mut().read_json().unwrap()
}

/// Waits up to `timeout` for `condition`; returns whether it became true.
pub fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    condition()
}

/// A blocking ESME client for tests.
pub struct Client {
    pub stream: TcpStream,
    pub session: EsmeSession,
    buf: BytesMut,
    out: BytesMut,
    pub events: Vec<Event>,
    /// deliver_sm received (answered with `deliver_status`).
    pub delivered: Vec<engine::proto::DeliverSm>,
    /// The status our deliver_sm_resp carries.
    pub deliver_status: CommandStatus,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        Self::connect_with(port, Duration::from_secs(60))
    }

    /// A client that sends enquire_link after `keepalive` of silence.
    pub fn connect_with(port: u16, keepalive: Duration) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let config = SessionConfig {
            response_timeout: Duration::from_secs(10),
            enquire_link_interval: keepalive,
            ..SessionConfig::default()
        };
        Client {
            stream,
            session: EsmeSession::new(config, Instant::now()),
            buf: BytesMut::new(),
            out: BytesMut::new(),
            events: Vec::new(),
            delivered: Vec::new(),
            deliver_status: CommandStatus::ESME_ROK,
        }
    }

    /// Moves bytes both ways once; returns false when the peer closed.
    pub fn pump(&mut self) -> bool {
        self.session.poll_transmit(&mut self.out);
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).unwrap();
            self.out.clear();
        }
        let mut chunk = [0u8; 8192];
        let open = match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.session.connection_lost();
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.session.handle_input(&mut self.buf, Instant::now());
                true
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                true
            }
            Err(_) => {
                self.session.connection_lost();
                false
            }
        };
        self.session.handle_timeout(Instant::now());
        while let Some(event) = self.session.poll_event() {
            if let Event::RequestReceived(pdu) = &event {
                if let Body::DeliverSm(sm) = &pdu.body {
                    self.delivered.push(sm.clone());
                    let _ = self.session.respond_status(
                        pdu.sequence_number,
                        pdu.command_id(),
                        self.deliver_status,
                    );
                    continue;
                }
            }
            self.events.push(event);
        }
        open
    }

    /// Pumps until `pick` finds an event (removing it) or the timeout passes.
    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(index) = self.events.iter().position(|e| pick(e).is_some()) {
                let event = self.events.remove(index);
                return pick(&event);
            }
            if Instant::now() > deadline {
                return None;
            }
            if !self.pump() {
                // Let the remaining events be examined once more.
                if let Some(index) = self.events.iter().position(|e| pick(e).is_some()) {
                    let event = self.events.remove(index);
                    return pick(&event);
                }
                return None;
            }
        }
    }

    /// Binds and returns the bind_resp status (ESME_ROK when bound).
    pub fn bind(&mut self, bind_type: BindType, system_id: &str, password: &str) -> CommandStatus {
        let bind = Bind::new(system_id, password).unwrap();
        self.session.bind(bind_type, bind, Instant::now()).unwrap();
        self.wait_for(Duration::from_secs(5), |event| match event {
            Event::Bound { .. } => Some(CommandStatus::ESME_ROK),
            Event::BindFailed(status) => Some(*status),
            _ => None,
        })
        .expect("no bind_resp")
    }

    /// Sends a request and waits for its response PDU.
    pub fn request(&mut self, body: Body) -> Pdu {
        let seq = self.session.send_request(body, 0, Instant::now()).unwrap();
        self.wait_for(Duration::from_secs(10), |event| match event {
            Event::Response { seq: s, pdu, .. } if *s == seq => Some(pdu.clone()),
            _ => None,
        })
        .expect("no response")
    }

    /// Pumps for `duration`; returns false if the connection closed.
    pub fn pump_for(&mut self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        while Instant::now() < deadline {
            if !self.pump() {
                return false;
            }
        }
        true
    }

    /// Waits until the gateway closes the connection.
    pub fn wait_closed(&mut self, timeout: Duration) -> bool {
        self.wait_for(timeout, |event| {
            matches!(event, Event::Closed(_)).then_some(())
        })
        .is_some()
    }
}
