//! A small JSON client and fixtures shared by the tests.

use core_api::headers::{USER_AGENT, X_FRONTEND};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use smpp_loadgen::core_sim::{CoreSim, SimConfig, Stats};
use std::time::Duration;
use ureq::Agent;

/// A simulator on an ephemeral port with `config`'s other settings.
pub fn start(config: SimConfig) -> CoreSim {
    CoreSim::start(SimConfig {
        listen: "127.0.0.1:0".into(),
        ..config
    })
    .expect("simulator starts")
}

/// A simulator with default settings.
pub fn start_default() -> CoreSim {
    start(SimConfig::default())
}

/// JSON over HTTP, like the gateway's core client.
pub struct Client {
    agent: Agent,
    base: String,
}

impl Client {
    pub fn new(sim: &CoreSim) -> Client {
        Client::for_base(sim.base_url())
    }

    pub fn for_base(base: String) -> Client {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(2)))
            .timeout_recv_response(Some(Duration::from_secs(20)))
            .max_idle_connections_per_host(16)
            .build()
            .into();
        Client { agent, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn finish(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> (u16, String) {
        let mut response = response.expect("HTTP call succeeds");
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .expect("body reads");
        (status, text)
    }

    fn parse(status: u16, text: &str) -> (u16, Value) {
        let value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("answer {status} is not JSON ({e}): {text}"));
        (status, value)
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        let response = self
            .agent
            .get(self.url(path))
            .header("User-Agent", USER_AGENT)
            .header(X_FRONTEND, "test_gw")
            .call();
        self.finish(response)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let (status, text) = self.get_text(path);
        Self::parse(status, &text)
    }

    pub fn get_as<T: DeserializeOwned>(&self, path: &str) -> T {
        let (status, value) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {value}");
        serde_json::from_value(value).expect("answer has the expected shape")
    }

    pub fn send_raw(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let (status, text) = self.send_text(method, path, body);
        Self::parse(status, &text)
    }

    pub fn send_text(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let url = self.url(path);
        let builder = match method {
            "POST" => self.agent.post(url),
            "PUT" => self.agent.put(url),
            other => panic!("method {other}"),
        };
        let response = builder
            .header("User-Agent", USER_AGENT)
            .header(X_FRONTEND, "test_gw")
            .content_type("application/json")
            .send(body);
        self.finish(response)
    }

    pub fn post<B: Serialize>(&self, path: &str, body: &B) -> (u16, Value) {
        self.send_raw("POST", path, &serde_json::to_string(body).unwrap())
    }

    pub fn put<B: Serialize>(&self, path: &str, body: &B) -> (u16, Value) {
        self.send_raw("PUT", path, &serde_json::to_string(body).unwrap())
    }

    pub fn stats(&self) -> Stats {
        self.get_as("/admin/stats")
    }

    /// Polls the queue of `dest` and returns the items.
    pub fn poll(&self, dest: &str, limit: u32) -> Vec<core_api::QueueItem> {
        self.get_as(&core_api::paths::message_queue(dest, limit))
    }

    /// Inserts and returns the id, asserting 201.
    pub fn insert(&self, body: &Value) -> String {
        let (status, answer) = self.post(core_api::paths::MESSAGES, body);
        assert_eq!(status, 201, "insert: {answer}");
        answer["id"].as_str().expect("id is a string").to_owned()
    }

    /// Reports a status and asserts 200.
    pub fn report(&self, id: &str, body: Value) -> Value {
        let (status, answer) = self.put(&core_api::paths::delivery_status(id), &body);
        assert_eq!(status, 200, "status for {id}: {answer}");
        answer
    }

    pub fn state_of(&self, id: &str) -> String {
        let detail: Value = self.get_as(&format!("/admin/messages/{id}"));
        detail["state"].as_str().unwrap().to_owned()
    }
}

/// A partner submit (server bind) in the contract's form.
pub fn partner_submit(source_smsc: &str, destination: &str, body: &str) -> Value {
    json!({"source_addr":"61412345678","source_addr_ton":1,"source_addr_npi":1,
           "destination_addr":destination,"dest_addr_ton":1,"dest_addr_npi":1,
           "message_body":body,"encoding":"gsm7","data_coding":0,"esm_class":0,
           "registered_delivery":true,"priority":0,"validity_period":null,
           "source_smsc":source_smsc,"source_mode":"server","smsc_name":"smpp_prod_01"})
}

/// A carrier MO (client bind).
pub fn carrier_mo(source_smsc: &str, destination: &str, body: &str) -> Value {
    json!({"source_addr":"447700900001","destination_addr":destination,"message_body":body,
           "source_smsc":source_smsc,"source_mode":"client","smsc_name":"smpp_prod_01"})
}
