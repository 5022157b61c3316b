//! HTTPS for the web UI: a small TLS terminator (rustls with the ring provider, the crypto the
//! engine already uses) in front of the tiny_http server, which then listens on a loopback port
//! only. tiny_http's own TLS feature would pull an older rustls; a terminator keeps one TLS
//! stack in the binary and leaves the request handling unchanged.
//!
//! Each accepted connection gets a thread that shuttles bytes between the TLS session and a
//! plain connection to the inner server, polling both sides with short read time-outs (the UI
//! has a handful of users; simplicity beats an event loop here). Their number is capped.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

/// Most TLS connections served at once; more are closed at accept.
const MAX_CONNECTIONS: usize = 64;
/// How long one side is waited for before the other is looked at.
const SLICE: Duration = Duration::from_millis(10);
/// A connection with no byte either way for this long is closed (log streams send a comment
/// every 15 s, so they stay).
const IDLE: Duration = Duration::from_secs(120);
/// The TLS handshake must be over by then.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// A loaded certificate and key, ready to accept connections.
pub(crate) struct Terminator {
    config: Arc<ServerConfig>,
}

fn invalid(path: &std::path::Path, what: &str, detail: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        ErrorKind::InvalidData,
        format!("{what} {}: {detail}", path.display()),
    )
}

impl Terminator {
    /// Reads the PEM certificate chain and private key of `web.tls_cert`/`web.tls_key`.
    pub(crate) fn load(files: &smpp_config::TlsFiles) -> std::io::Result<Terminator> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
            .map_err(|e| invalid(&files.cert, "web.tls_cert: cannot read", e))?
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(&files.cert, "web.tls_cert: bad PEM in", e))?;
        if certs.is_empty() {
            return Err(invalid(&files.cert, "web.tls_cert:", "no certificate in"));
        }
        let key = PrivateKeyDer::from_pem_file(&files.key)
            .map_err(|e| invalid(&files.key, "web.tls_key: no usable private key in", e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(&files.cert, "web.tls_cert/web.tls_key: rejected", e))?;
        Ok(Terminator {
            config: Arc::new(config),
        })
    }

    /// Listens on `public` and forwards each decrypted connection to `inner` until `stop`.
    pub(crate) fn spawn(
        self,
        public: SocketAddr,
        inner: SocketAddr,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
        let listener = TcpListener::bind(public)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = std::thread::Builder::new()
            .name("omsmpp-web-tls".to_owned())
            .spawn(move || accept_loop(&listener, &self.config, inner, &stop))?;
        Ok((addr, handle))
    }
}

fn accept_loop(
    listener: &TcpListener,
    config: &Arc<ServerConfig>,
    inner: SocketAddr,
    stop: &Arc<AtomicBool>,
) {
    let open = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((socket, peer)) => {
                if open.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                    log::warn!("web UI: {MAX_CONNECTIONS} TLS connections open; closing {peer}");
                    continue;
                }
                open.fetch_add(1, Ordering::AcqRel);
                let (config, stop, slot) =
                    (Arc::clone(config), Arc::clone(stop), Arc::clone(&open));
                let spawned = std::thread::Builder::new()
                    .name("omsmpp-web-tls-conn".to_owned())
                    .spawn(move || {
                        if let Err(error) = relay(socket, &config, inner, &stop) {
                            log::debug!("web UI: TLS connection from {peer}: {error}");
                        }
                        slot.fetch_sub(1, Ordering::AcqRel);
                    });
                if let Err(error) = spawned {
                    log::error!("web UI: cannot start a TLS connection thread: {error}");
                    open.fetch_sub(1, Ordering::AcqRel);
                }
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => {
                log::debug!("web UI: TLS accept: {error}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn waiting(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Moves bytes both ways until either side closes, the connection idles out or `stop`.
fn relay(
    mut client: TcpStream,
    config: &Arc<ServerConfig>,
    inner: SocketAddr,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_nodelay(true)?;
    client.set_read_timeout(Some(SLICE))?;
    client.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = ServerConnection::new(Arc::clone(config)).map_err(std::io::Error::other)?;
    let mut backend: Option<TcpStream> = None;
    let mut buffer = vec![0u8; 16 * 1024];
    let started = Instant::now();
    let mut last_traffic = Instant::now();
    while !stop.load(Ordering::Relaxed) && last_traffic.elapsed() < IDLE {
        if tls.is_handshaking() && started.elapsed() > HANDSHAKE {
            return Err(std::io::Error::new(ErrorKind::TimedOut, "TLS handshake"));
        }
        if tls.wants_read() {
            match tls.read_tls(&mut client) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    last_traffic = Instant::now();
                    if let Err(error) = tls.process_new_packets() {
                        // Tell the client why (a TLS alert) before closing.
                        let _ = tls.write_tls(&mut client);
                        return Err(std::io::Error::other(error));
                    }
                }
                Err(error) if waiting(&error) => {}
                Err(error) => return Err(error),
            }
        }
        if !tls.is_handshaking() && backend.is_none() {
            let stream = TcpStream::connect(inner)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(SLICE))?;
            backend = Some(stream);
        }
        if let Some(stream) = backend.as_mut() {
            loop {
                match tls.reader().read(&mut buffer) {
                    Ok(0) => return Ok(()),
                    Ok(read) => stream.write_all(buffer.get(..read).unwrap_or_default())?,
                    Err(error) if waiting(&error) => break,
                    Err(error) => return Err(error),
                }
            }
            match stream.read(&mut buffer) {
                Ok(0) => {
                    tls.send_close_notify();
                    while tls.wants_write() {
                        tls.write_tls(&mut client)?;
                    }
                    return Ok(());
                }
                Ok(read) => {
                    last_traffic = Instant::now();
                    tls.writer()
                        .write_all(buffer.get(..read).unwrap_or_default())?;
                }
                Err(error) if waiting(&error) => {}
                Err(error) => return Err(error),
            }
        }
        while tls.wants_write() {
            tls.write_tls(&mut client)?;
        }
    }
    Ok(())
}
