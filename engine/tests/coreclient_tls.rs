//! HTTPS to the core: `verify_ssl_peer = false` accepts a self-signed certificate, `true`
//! refuses it with a TLS error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod coreclient_support;

use coreclient_support::{config, start_pool, SMSC_NAME};
use engine::coreclient::{CoreError, ErrorKind};
use futures_lite::future::block_on;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Self-signed P-256 certificate for localhost / 127.0.0.1, valid until 2126 (made with
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 36500`).
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUdJYr7Qwk6OKl6FwA2ydb6QHtIMowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAwMjIwMVoYDzIxMjYxMDI5
MDAyMjAxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASwAOgaPrD180D60hp8+sC4HFxpwRW7EZThl/rG++6dc2VJUXzfFhzS
Sq2ulnJFzbItI1+g8B0tTxI56++V+Qdpo28wbTAdBgNVHQ4EFgQU0dRVR2Rr1buF
ROIB/43XkcjwrcwwHwYDVR0jBBgwFoAU0dRVR2Rr1buFROIB/43XkcjwrcwwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhALr9tMwJIIa7LpI3zvWWdRlVjPkhx9oUZcBoPk9otwRJAiEA
kNsNAp+0oo4lsmOGuq7rrFZcQZW3gy7E9Il25YLKu/g=
-----END CERTIFICATE-----
";

const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBx/1+CY0NOvKKup+
FmnvHf9kNhu2Vix7gscV4pQrbo6hRANCAASwAOgaPrD180D60hp8+sC4HFxpwRW7
EZThl/rG++6dc2VJUXzfFhzSSq2ulnJFzbItI1+g8B0tTxI56++V+Qdp
-----END PRIVATE KEY-----
";

const HEALTH_BODY: &str = r#"{"status":"ok","features":["batch"]}"#;

/// An HTTPS health endpoint: answers each request on a connection (keep-alive) after checking
/// that it is `GET /api/system/health` with our `X-Frontend`; anything else gets a 400.
fn start_tls_core(connections: usize) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = vec![CertificateDer::from_pem_slice(CERT_PEM.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM.as_bytes()).unwrap();
    let tls = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(tcp) = stream else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
            let conn = rustls::ServerConnection::new(Arc::clone(&tls)).unwrap();
            let mut tls_stream = rustls::StreamOwned::new(conn, tcp);
            serve_connection(&mut tls_stream);
        }
    });
    addr
}

fn serve_connection(stream: &mut (impl Read + Write)) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let end = buffer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        buffer.drain(..end);
        let expected_frontend = format!("\r\nx-frontend: {}\r\n", SMSC_NAME.to_ascii_lowercase());
        let (status, body) = if head.starts_with("get /api/system/health http/1.1\r\n")
            && head.contains(&expected_frontend)
        {
            ("200 OK", HEALTH_BODY)
        } else {
            ("400 Bad Request", r#"{"error":"unexpected request"}"#)
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).is_err() || stream.flush().is_err() {
            return;
        }
    }
}

#[test]
fn self_signed_core_is_accepted_without_verification() {
    let addr = start_tls_core(4);
    let mut config = config(&format!("https://{addr}"));
    config.verify_ssl_peer = false;
    let pool = start_pool(&config);
    let client = pool.client();
    for _ in 0..3 {
        let health = block_on(client.health()).expect("health over TLS");
        assert!(health.is_ok() && health.supports_batch());
    }
}

#[test]
fn self_signed_core_is_refused_with_verification() {
    let addr = start_tls_core(4);
    let mut config = config(&format!("https://{addr}"));
    config.verify_ssl_peer = true;
    let pool = start_pool(&config);
    let err = block_on(pool.client().health()).expect_err("unknown issuer");
    assert_eq!(err.error_kind(), ErrorKind::Tls, "{err:?}");
    assert!(err.is_temporary());
    match err {
        CoreError::Tls { detail } => assert!(detail.contains("certificate"), "{detail}"),
        other => panic!("{other:?}"),
    }
}
