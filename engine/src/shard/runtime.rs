//! Starting and stopping the shards: locked-memory limit, pinned glommio executors, the check
//! that every shard came up, and the per-shard main task.

use std::rc::Rc;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use glommio::{LocalExecutorPoolBuilder, PoolPlacement, PoolThreadHandles};
use thiserror::Error;

use super::context::ShardContext;
use super::control::ShardBinds;
use super::shared::Shared;
use super::{heartbeat, server};

/// Locked memory each executor is given for io_uring buffers. glommio charges about three times
/// this per executor against RLIMIT_MEMLOCK.
pub const IO_MEMORY_PER_SHARD: usize = 512 * 1024;
/// Submission entries of each io_uring of a shard (glommio's default is 128). Every idle
/// connection keeps a poll request in its shard's ring, and the kernel walks them on each
/// cancel the reactor submits (its sleep timeout, once per wake-up) in a hash table sized from
/// the ring: 8 buckets at 128 entries, 256 from 4096. With 10,000 idle sessions that walk was
/// 44% of the gateway's CPU.
pub(crate) const RING_DEPTH: usize = 4096;
/// How long a stopping shard waits for its sessions to unbind.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How often a shard looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);
/// How long start-up may take before it counts as failed.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the gateway could not start or stopped badly.
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// Not enough lockable memory for the executors.
    #[error(
        "locked memory limit too small: {available} bytes, {needed} needed for {shards} shard(s); \
         raise it (systemd: LimitMEMLOCK=infinity; shell: ulimit -l unlimited) or lower `shards`"
    )]
    MemLock {
        /// The limit in force.
        available: u64,
        /// What the shards need.
        needed: u64,
        /// Shards requested.
        shards: usize,
    },
    /// The executors could not be created.
    #[error("cannot start the shard executors: {0}")]
    Executors(String),
    /// A shard failed while setting up (listener bind, ...).
    #[error("shard {shard} failed to start: {reason}")]
    ShardStart {
        /// The shard.
        shard: usize,
        /// What went wrong.
        reason: String,
    },
    /// The message cache could not be opened (the text names `cache_dir`).
    #[error("{0}")]
    Cache(String),
    /// A shard thread ended abnormally.
    #[error("shard thread failed: {0}")]
    ShardFailed(String),
}

/// How the executors are placed and how often the heartbeat runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeOptions {
    /// Number of shards.
    pub shards: usize,
    /// Pin each shard to its own CPU (production); tests may leave them unpinned.
    pub pin: bool,
    /// Interval of the health probe and frontend registration.
    pub heartbeat: Duration,
}

impl RuntimeOptions {
    /// `shards` pinned shards, heartbeat every 60 s.
    pub fn new(shards: usize) -> Self {
        Self {
            shards,
            pin: true,
            heartbeat: crate::coreclient::HEARTBEAT_INTERVAL,
        }
    }
}

/// Raises the soft RLIMIT_MEMLOCK to the hard limit and checks `shards` executors fit.
pub fn prepare_memlock(shards: usize) -> Result<(), RuntimeError> {
    use rlimit::Resource;
    let needed = u64::try_from(3 * IO_MEMORY_PER_SHARD * shards.max(1)).unwrap_or(u64::MAX);
    let (soft, hard) = Resource::MEMLOCK.get().unwrap_or((0, 0));
    if soft < hard {
        if let Err(error) = Resource::MEMLOCK.set(hard, hard) {
            log::warn!("cannot raise RLIMIT_MEMLOCK from {soft} to {hard}: {error}");
        }
    }
    let (available, _) = Resource::MEMLOCK.get().unwrap_or((soft, hard));
    // glommio refuses below 512 KiB; above that a short allowance only costs registered buffers.
    if available < needed && available < rlimit::INFINITY {
        if available < IO_MEMORY_PER_SHARD as u64 {
            return Err(RuntimeError::MemLock {
                available,
                needed,
                shards,
            });
        }
        log::warn!(
            "RLIMIT_MEMLOCK is {available} bytes, {needed} wanted for {shards} shard(s): io_uring \
             runs without registered buffers (set LimitMEMLOCK=infinity)"
        );
    }
    Ok(())
}

/// A running gateway: its shards' threads and the shared state.
pub struct Running {
    shared: Arc<Shared>,
    handles: Option<PoolThreadHandles<Result<(), String>>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("shards", &self.shared.shards)
            .finish()
    }
}

impl Running {
    /// The shared state (counters, configuration).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Asks every shard to stop (unbind, drain, exit); returns at once.
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// Waits for every shard to finish.
    pub fn wait(mut self) -> Result<(), RuntimeError> {
        let Some(handles) = self.handles.take() else {
            return Ok(());
        };
        let joined = join(handles);
        self.shared.caches.close();
        joined
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(handles) = self.handles.take() {
            self.shared.request_stop();
            let _ = join(handles);
            self.shared.caches.close();
        }
    }
}

fn join(handles: PoolThreadHandles<Result<(), String>>) -> Result<(), RuntimeError> {
    let mut first_error = None;
    for result in handles.join_all() {
        let failure = match result {
            Ok(Ok(())) => continue,
            Ok(Err(reason)) => reason,
            Err(error) => error.to_string(),
        };
        log::error!("shard ended with an error: {failure}");
        first_error.get_or_insert(RuntimeError::ShardFailed(failure));
    }
    first_error.map_or(Ok(()), Err)
}

/// Starts the shards and returns once every one of them is serving (listener bound, binds
/// started), or the first failure. The logger must be installed before this is called.
pub fn start(shared: Arc<Shared>, options: RuntimeOptions) -> Result<Running, RuntimeError> {
    let shards = options.shards.max(1);
    prepare_memlock(shards)?;
    shared
        .caches
        .open(&shared.config, shards, &shared.core)
        .map_err(|error| RuntimeError::Cache(error.to_string()))?;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let placement = if options.pin && shards <= cpus {
        PoolPlacement::MaxSpread(shards, None)
    } else {
        PoolPlacement::Unbound(shards)
    };
    let (ready_tx, ready_rx) = mpsc::channel::<Result<usize, (usize, String)>>();
    let next_index = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let shard_shared = Arc::clone(&shared);
    let heartbeat = options.heartbeat;
    let handles = LocalExecutorPoolBuilder::new(placement)
        .name("omsmpp-shard")
        .io_memory(IO_MEMORY_PER_SHARD)
        .ring_depth(RING_DEPTH)
        .on_all_shards(move || {
            let shared = Arc::clone(&shard_shared);
            let ready = ready_tx.clone();
            let index = next_index.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { shard_main(index, shared, ready, heartbeat).await }
        })
        .map_err(|error| RuntimeError::Executors(error.to_string()))?;
    let running = Running {
        shared,
        handles: Some(handles),
    };
    for _ in 0..shards {
        match ready_rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(_)) => {}
            Ok(Err((shard, reason))) => {
                running.stop();
                return Err(RuntimeError::ShardStart { shard, reason });
            }
            Err(_) => {
                running.stop();
                return Err(RuntimeError::ShardStart {
                    shard: usize::MAX,
                    reason: "a shard did not report within the start timeout or its thread died"
                        .to_owned(),
                });
            }
        }
    }
    log::info!("{shards} shard(s) started");
    Ok(running)
}

type Ready = mpsc::Sender<Result<usize, (usize, String)>>;

async fn shard_main(
    index: usize,
    shared: Arc<Shared>,
    ready: Ready,
    heartbeat: Duration,
) -> Result<(), String> {
    let ctx = Rc::new(ShardContext::new(index, shared));
    let listener = if ctx.shared.config.listen.enabled {
        match server::bind_listener(&ctx) {
            Ok(listener) => Some(listener),
            Err(error) => {
                let reason = format!(
                    "cannot listen on {}: {error}",
                    ctx.shared.config.listen.socket_addr()
                );
                let _ = ready.send(Err((index, reason.clone())));
                return Err(reason);
            }
        }
    } else {
        None
    };
    let accept = listener
        .map(|listener| glommio::spawn_local(server::accept_loop(Rc::clone(&ctx), listener)));
    let mut binds = ShardBinds::start(&ctx);
    let beats =
        (index == 0).then(|| glommio::spawn_local(heartbeat::run(Rc::clone(&ctx), heartbeat)));
    let _ = ready.send(Ok(index));
    drop(ready);

    while !ctx.shared.stopping() {
        glommio::timer::sleep(STOP_POLL).await;
        binds.reconcile(&ctx);
    }
    if let Some(accept) = accept {
        let _ = accept.cancel().await;
    }
    if let Some(beats) = beats {
        let _ = beats.cancel().await;
    }
    ctx.unbind_all();
    let deadline = std::time::Instant::now() + SHUTDOWN_GRACE;
    while ctx.connection_count() > 0 && std::time::Instant::now() < deadline {
        glommio::timer::sleep(Duration::from_millis(20)).await;
    }
    // Each connector sees the stop flag, unbinds and returns within the grace period.
    binds.shutdown().await;
    // Statuses and inserts already sent to the core: wait for their answers.
    while ctx.core_calls() > 0 && std::time::Instant::now() < deadline + SHUTDOWN_GRACE {
        glommio::timer::sleep(Duration::from_millis(10)).await;
    }
    // Receipt mappings still held in memory go to disk, so that a restart matches their
    // receipts.
    if let Some(store) = ctx.receipts.clone() {
        let flushed = glommio::timer::timeout(SHUTDOWN_GRACE, async move {
            store.flush().await;
            Ok(())
        })
        .await;
        if flushed.is_err() {
            log::warn!("shard {index}: receipt mappings not written within the shutdown grace");
        }
    }
    if ctx.connection_count() > 0 {
        log::warn!(
            "shard {index}: {} connection(s) still open after the shutdown grace period",
            ctx.connection_count()
        );
    }
    Ok(())
}
