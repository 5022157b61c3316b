//! One blocking exchange with the core per [`Job`], on the shared keep-alive `ureq::Agent`.

use super::config::CoreClientConfig;
use super::error::CoreError;
use super::job::{Job, Reply};
use core_api::{
    headers, paths, BatchInsertResult, BatchStatusResult, BatchStatusUpdate, DeliveryStatusUpdate,
    ErrorBody, InsertMessage, InsertResponse,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::http::{HeaderName, HeaderValue, Response};
use ureq::tls::{TlsConfig, TlsProvider};
use ureq::{Agent, Body};

/// A request body buffer larger than this after a call is dropped rather than kept for the
/// next one (a batch of 256 messages is well under it).
const MAX_KEPT_BODY: usize = 1 << 20;

thread_local! {
    /// The calling worker's request body buffer.
    static BODY: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Longest body excerpt kept as the reason of an error answer that is not the contract's JSON.
const REASON_EXCERPT: usize = 200;

/// The HTTP side of the pool: an agent shared by every worker thread, the base URL and the
/// headers every call carries.
pub(crate) struct CoreHttp {
    agent: Agent,
    base_url: String,
    x_frontend: (HeaderName, HeaderValue),
    max_response_bytes: u64,
}

impl CoreHttp {
    /// Builds the agent. `config` must have passed [`CoreClientConfig::validate`].
    pub(crate) fn new(config: &CoreClientConfig) -> Result<CoreHttp, CoreError> {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .disable_verification(!config.verify_ssl_peer)
            .build();
        // Per-phase time-outs only: a global or per-call one was measured to cut throughput
        // threefold and to open thousands of connections. No resolve time-out either: ureq
        // spawns a thread per lookup to enforce it, and it resolves on every request.
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(headers::USER_AGENT)
            .accept(headers::CONTENT_TYPE_JSON)
            .max_idle_connections(config.threads.max(10))
            .max_idle_connections_per_host(config.threads)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_send_request(Some(config.send_timeout))
            .timeout_send_body(Some(config.send_timeout))
            .timeout_recv_response(Some(config.recv_timeout))
            .timeout_recv_body(Some(config.recv_timeout))
            .tls_config(tls)
            .build()
            .into();
        let x_frontend = (
            HeaderName::from_bytes(headers::X_FRONTEND.as_bytes()).map_err(|e| other(&e))?,
            HeaderValue::from_str(&config.smsc_name).map_err(|e| other(&e))?,
        );
        Ok(CoreHttp {
            agent,
            base_url: config.trimmed_base_url().to_owned(),
            x_frontend,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// Runs one job to the end (the response body is always read in full, so the connection
    /// goes back to the agent's pool).
    pub(crate) fn execute(&self, job: &Job) -> Result<Reply, CoreError> {
        match job {
            Job::Health => {
                let body = self.get(paths::HEALTH)?;
                parse(&body).map(Reply::Health)
            }
            Job::RegisterFrontend(registration) => {
                self.send_json("POST", paths::FRONTENDS, registration)?;
                Ok(Reply::Registered)
            }
            Job::GetQueue { dest_smsc, limit } => {
                let body = self.get(&paths::message_queue(dest_smsc, *limit))?;
                parse(&body).map(Reply::Queue)
            }
            Job::PutDeliveryStatus { id, update } => {
                self.put_status(id, update)?;
                Ok(Reply::StatusAccepted)
            }
            Job::InsertMessage(message) => self.insert(message).map(Reply::Inserted),
            Job::PostDeliveryReceipt(receipt) => {
                let body = self.send_json("POST", paths::DELIVERY_RECEIPTS, receipt)?;
                parse(&body).map(Reply::ReceiptAccepted)
            }
            Job::InsertBatch(messages) => self.insert_batch(messages).map(Reply::InsertBatch),
            Job::DeliveryStatusBatch(updates) => self.status_batch(updates).map(Reply::StatusBatch),
            // The pool runs these itself, element by element or as a batch (see `each`).
            Job::InsertEach(_) | Job::StatusEach(_) => Err(CoreError::Other {
                detail: "internal: an each-job reached the single-call path".to_owned(),
            }),
        }
    }

    /// `POST /api/messages`.
    pub(crate) fn insert(&self, message: &InsertMessage) -> Result<InsertResponse, CoreError> {
        let body = self.send_json("POST", paths::MESSAGES, message)?;
        parse(&body)
    }

    /// `PUT /api/messages/<id>/delivery_status`.
    pub(crate) fn put_status(
        &self,
        id: &str,
        update: &DeliveryStatusUpdate,
    ) -> Result<(), CoreError> {
        self.send_json("PUT", &paths::delivery_status(id), update)
            .map(drop)
    }

    /// `POST /api/messages/batch`.
    pub(crate) fn insert_batch(
        &self,
        messages: &[InsertMessage],
    ) -> Result<Vec<BatchInsertResult>, CoreError> {
        let body = self.send_json("POST", paths::MESSAGES_BATCH, messages)?;
        parse(&body)
    }

    /// `PUT /api/delivery_status/batch`.
    pub(crate) fn status_batch(
        &self,
        updates: &[BatchStatusUpdate],
    ) -> Result<Vec<BatchStatusResult>, CoreError> {
        let body = self.send_json("PUT", paths::DELIVERY_STATUS_BATCH, updates)?;
        parse(&body)
    }

    fn url(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.base_url.len() + path.len());
        url.push_str(&self.base_url);
        url.push_str(path);
        url
    }

    fn get(&self, path: &str) -> Result<Vec<u8>, CoreError> {
        let (name, value) = &self.x_frontend;
        let response = self
            .agent
            .get(self.url(path))
            .header(name, value)
            .call()
            .map_err(CoreError::from_ureq)?;
        self.finish(response)
    }

    fn send_json<T: Serialize + ?Sized>(
        &self,
        method: &str,
        path: &str,
        body: &T,
    ) -> Result<Vec<u8>, CoreError> {
        // Each worker thread serialises into its own buffer, kept between calls.
        BODY.with(|buffer| {
            let mut json = buffer.take();
            json.clear();
            let sent = match serde_json::to_writer(&mut json, body) {
                Ok(()) => self.send_bytes(method, path, &json),
                Err(error) => Err(other(&error)),
            };
            if json.capacity() <= MAX_KEPT_BODY {
                buffer.replace(json);
            }
            sent
        })
    }

    fn send_bytes(&self, method: &str, path: &str, json: &[u8]) -> Result<Vec<u8>, CoreError> {
        let url = self.url(path);
        let request = if method == "PUT" {
            self.agent.put(url)
        } else {
            self.agent.post(url)
        };
        let (name, value) = &self.x_frontend;
        let response = request
            .header(name, value)
            .content_type(headers::CONTENT_TYPE_JSON)
            .send(json)
            .map_err(CoreError::from_ureq)?;
        self.finish(response)
    }

    /// Reads the whole body (bounded), then turns a non-2xx status into an error.
    fn finish(&self, mut response: Response<Body>) -> Result<Vec<u8>, CoreError> {
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(CoreError::from_ureq)?;
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(CoreError::Http {
                status,
                body_reason: error_reason(&body),
            })
        }
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, CoreError> {
    serde_json::from_slice(body).map_err(|e| CoreError::Parse {
        detail: e.to_string(),
    })
}

/// The reason of an error answer: the contract's `{"error": ..}`, else the start of the body
/// as printable text (a proxy's HTML page, say), else nothing.
pub(crate) fn error_reason(body: &[u8]) -> String {
    if let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(body) {
        return printable(&error);
    }
    let excerpt = body.get(..REASON_EXCERPT).unwrap_or(body);
    printable(String::from_utf8_lossy(excerpt).trim())
}

/// One log-safe line: control characters become spaces, length is bounded.
fn printable(text: &str) -> String {
    text.chars()
        .take(REASON_EXCERPT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn other(error: &dyn std::fmt::Display) -> CoreError {
    CoreError::Other {
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::error_reason;

    #[test]
    fn reasons_from_error_bodies() {
        assert_eq!(
            error_reason(br#"{"error":"destination_addr: missing"}"#),
            "destination_addr: missing"
        );
        assert_eq!(
            error_reason(b"  Service Unavailable\r\n"),
            "Service Unavailable"
        );
        assert_eq!(error_reason(b"a\nb"), "a b");
        assert_eq!(error_reason(b""), "");
        assert_eq!(error_reason(&[b'x'; 1000]).len(), 200);
        assert_eq!(error_reason(&[0xff, b'a']), "\u{fffd}a");
    }
}
