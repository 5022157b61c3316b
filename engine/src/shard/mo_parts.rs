//! Durable MO reassembly on the shard (client binds with `mo_reassembly = true`).
//!
//! The shard's [`crate::store::MoPartStore`] runs on a thread of its own (every fjall call
//! blocks); parts go to it through a bounded queue and are put in batches (one fsync per batch:
//! group commit). The carrier's deliver_sm is answered ESME_ROK once its part is on disk; the
//! last part of a message makes the group complete and it is inserted as ONE message (no
//! `concat`, no `udh`). Groups whose TTL passed (`mo_reassembly_timeout`), that memory bounds
//! evicted, or that a restart found on disk, are inserted from the flusher task: complete ones
//! whole, incomplete ones part by part (each with its `concat` and `udh`, as without
//! reassembly). A group leaves the disk only once the core took all of it; a failed insert is
//! retried every [`FLUSH_EVERY`]. Each insert carries a `frontend_message_id` made from the
//! group (and part), so a retry after an insert whose answer was lost does not duplicate it.
//!
//! The parts live in `<cache_dir>/mo_parts/shard-<n>`, a database of their own (the receipt
//! map's thread owns the other one).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use core_api::InsertMessage;
use crossbeam_channel::{Receiver, Sender};
use futures_channel::oneshot;

use super::client::{ClientConnection, ClientMsg};
use super::shared::Shared;
use crate::coreclient::CoreClient;
use crate::proto::reassembly::ReassemblyLimits;
use crate::proto::{Body, CommandId, CommandStatus};
use crate::store::{self, MoGroup, MoGroupKey, MoPart, MoPartStore, PutOutcome};
use crate::translate::{self, BindContext, Inbound};

/// How often due groups (expired, evicted, recovered, failed inserts) are inserted.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Jobs queued to the store thread; a full queue answers the carrier 0x08 (it retries).
const QUEUE: usize = 4096;
/// Parts put in one batch at most.
const BATCH: usize = 256;

enum Job {
    Put(MoPart, oneshot::Sender<Result<Stored, String>>),
    /// Groups due for insertion now (expired, evicted, recovered).
    Due(oneshot::Sender<Vec<MoGroup>>),
    Remove(Vec<MoGroupKey>),
}

/// What became of one put part.
#[derive(Debug)]
struct Stored {
    outcome: PutOutcome,
    evicted: Vec<MoGroup>,
}

/// The shard's handle on its MO part store and the groups waiting to be inserted.
pub(crate) struct MoParts {
    jobs: Sender<Job>,
    /// Groups whose insert failed, retried by the flusher.
    retry: RefCell<Vec<MoGroup>>,
}

impl std::fmt::Debug for MoParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoParts").finish_non_exhaustive()
    }
}

impl MoParts {
    /// Starts the store thread and the flusher when this shard runs a client bind with
    /// `mo_reassembly = true`.
    pub(crate) fn start(index: usize, shared: &Arc<Shared>) -> Option<Rc<Self>> {
        let binds: Vec<(String, Duration)> = shared
            .peers()
            .client_binds
            .iter()
            .filter(|b| b.home_shard == index && b.config.enabled && b.config.mo_reassembly)
            .map(|b| (b.config.name.clone(), b.config.mo_reassembly_timeout))
            .collect();
        if binds.is_empty() {
            return None;
        }
        let dir = shared
            .config
            .cache_dir
            .join("mo_parts")
            .join(format!("shard-{index}"));
        let (jobs, queue) = crossbeam_channel::bounded(QUEUE);
        std::thread::Builder::new()
            .name(format!("omsmpp-mo-{index}"))
            .spawn(move || serve(dir, &binds, &queue))
            .map_err(|error| log::error!("shard {index}: cannot start the MO part store: {error}"))
            .ok()?;
        let parts = Rc::new(Self {
            jobs,
            retry: RefCell::new(Vec::new()),
        });
        let flusher = Rc::clone(&parts);
        let core = shared.core.clone();
        let shared = Arc::clone(shared);
        glommio::spawn_local(async move {
            while !shared.stopping() {
                glommio::timer::sleep(FLUSH_EVERY).await;
                flusher.flush(&core, &shared.config.smsc_name).await;
            }
        })
        .detach();
        Some(parts)
    }

    async fn put(&self, part: MoPart) -> Result<Stored, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job::Put(part, reply))
            .map_err(|_| "MO part store queue full or stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "MO part store stopped".to_owned())?
    }

    /// Inserts every due group; the ones the core did not take wait for the next flush.
    async fn flush(&self, core: &CoreClient, smsc_name: &str) {
        let (reply, answer) = oneshot::channel();
        let mut due = if self.jobs.try_send(Job::Due(reply)).is_ok() {
            answer.await.unwrap_or_default()
        } else {
            Vec::new()
        };
        due.append(&mut self.retry.borrow_mut());
        for group in due {
            self.insert_group(core, smsc_name, group).await;
        }
    }

    /// Inserts one group (whole when complete, else part by part) and removes it from disk, or
    /// keeps it for the next flush.
    async fn insert_group(&self, core: &CoreClient, smsc_name: &str, group: MoGroup) {
        let ctx = BindContext {
            bind_name: &group.key.bind,
            smsc_name,
            now: SystemTime::now(),
        };
        let messages = match group_inserts(&group, &ctx) {
            Ok(messages) => messages,
            Err(error) => {
                log::warn!(
                    "{}: held MO parts from {} dropped, they cannot be translated: {error}",
                    group.key.bind,
                    group.key.origin
                );
                let _ = self.jobs.try_send(Job::Remove(vec![group.key]));
                return;
            }
        };
        for message in messages {
            if let Err(error) = core.insert_message(message).await {
                log::warn!(
                    "{}: reassembled MO from {} not taken by the core ({error}); retrying",
                    group.key.bind,
                    group.key.origin
                );
                self.retry.borrow_mut().push(group);
                return;
            }
        }
        let _ = self.jobs.try_send(Job::Remove(vec![group.key]));
    }
}

/// The core inserts of a group: one assembled message when complete, else one per part (with
/// its concat and udh). Each gets a `frontend_message_id` naming the group (and part), so a
/// retried insert is recognised by the core.
pub(crate) fn group_inserts(
    group: &MoGroup,
    ctx: &BindContext<'_>,
) -> Result<Vec<InsertMessage>, translate::TranslateError> {
    let key = &group.key;
    let first_ms = group
        .parts
        .iter()
        .map(|p| crate::translate::time::unix_ms(p.received))
        .min()
        .unwrap_or(0);
    let id = format!(
        "mo:{}:{}:{}:{}:{first_ms}",
        key.bind, key.origin, key.reference, key.total
    );
    if group.is_complete() {
        let mut message = translate::assemble_mo(&group.pdus(), ctx)?;
        message.frontend_message_id = Some(id);
        return Ok(vec![message]);
    }
    let mut out = Vec::with_capacity(group.parts.len());
    for part in &group.parts {
        if let Inbound::Mo(mut message) = translate::carrier_deliver(&part.pdu, ctx)? {
            message.frontend_message_id = Some(format!("{id}:{}", part.seq));
            out.push(message);
        }
    }
    Ok(out)
}

fn serve(dir: PathBuf, binds: &[(String, Duration)], queue: &Receiver<Job>) {
    let opened = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| store::open_database(&dir).map_err(|e| e.to_string()))
        .and_then(|db| {
            MoPartStore::open(&db, ReassemblyLimits::default()).map_err(|e| e.to_string())
        });
    let mut parts = match opened {
        Ok(parts) => parts,
        Err(error) => {
            log::error!(
                "MO part store in {} unavailable ({error}); MO parts are inserted one by one",
                dir.display()
            );
            // Dropping the queue makes every put fail: parts then go to the core on their own.
            return;
        }
    };
    for (bind, ttl) in binds {
        let limits = ReassemblyLimits {
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            ..ReassemblyLimits::default()
        };
        parts.configure_bind(bind, limits);
    }
    let mut due = Vec::new();
    match parts.recover() {
        Ok(recovery) => {
            if !recovery.complete.is_empty() || !recovery.pending.is_empty() {
                log::info!(
                    "MO part store: {} complete and {} pending message(s) recovered",
                    recovery.complete.len(),
                    recovery.pending.len()
                );
            }
            due.extend(recovery.complete);
            due.extend(recovery.evicted);
        }
        Err(error) => log::error!("MO part store: recovery failed: {error}"),
    }
    let mut puts = Vec::with_capacity(BATCH);
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Put(part, reply) => puts.push((part, reply)),
                Job::Due(reply) => {
                    due.extend(parts.expired(SystemTime::now()));
                    let _ = reply.send(std::mem::take(&mut due));
                }
                Job::Remove(keys) => {
                    if let Err(error) = parts.remove_groups(&keys) {
                        log::warn!("MO part store: removal failed: {error}");
                    }
                }
            }
            if puts.len() < BATCH {
                next = queue.try_recv().ok();
            }
        }
        if puts.is_empty() {
            continue;
        }
        let batch: Vec<MoPart> = puts.iter().map(|(part, _)| part.clone()).collect();
        match parts.put_batch(&batch, SystemTime::now()) {
            Ok(result) => {
                let mut evicted = Some(result.evicted);
                for ((_, reply), outcome) in puts.drain(..).zip(result.outcomes) {
                    let evicted = evicted.take().unwrap_or_default();
                    let _ = reply.send(Ok(Stored { outcome, evicted }));
                }
            }
            Err(error) => {
                let error = error.to_string();
                for (_, reply) in puts.drain(..) {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}

impl ClientConnection {
    /// With `mo_reassembly`, holds an MO part in the store and answers the carrier once it is
    /// on disk; returns `message` when it is to be inserted as it is (not a part, reassembly
    /// off, or the store unavailable).
    pub(super) fn hold_mo_part(
        &mut self,
        seq: u32,
        body: &Body,
        message: InsertMessage,
    ) -> Option<InsertMessage> {
        if !self.bind.config.mo_reassembly {
            return Some(message);
        }
        let (Some(store), Body::DeliverSm(sm)) = (self.ctx.mo_parts.clone(), body) else {
            return Some(message);
        };
        let Some(part) = MoPart::from_deliver_sm(&self.bind.config.name, sm.clone()) else {
            return Some(message);
        };
        self.pending_inbound += 1;
        let ctx = Rc::clone(&self.ctx);
        let mailbox = self.mailbox.sender();
        let name = self.bind.config.name.clone();
        self.ctx.spawn_core_call(async move {
            let status = match store.put(part).await {
                Ok(stored) => {
                    store.retry.borrow_mut().extend(stored.evicted);
                    match stored.outcome {
                        PutOutcome::Held | PutOutcome::Duplicate => CommandStatus::ESME_ROK,
                        PutOutcome::Complete(group) => {
                            // On disk already: the carrier need not wait for the core.
                            let core = ctx.core.clone();
                            let store = Rc::clone(&store);
                            let smsc_name = ctx.shared.config.smsc_name.clone();
                            ctx.spawn_core_call(async move {
                                store.insert_group(&core, &smsc_name, group).await;
                            });
                            CommandStatus::ESME_ROK
                        }
                        PutOutcome::Rejected(reason) => {
                            log::info!("{name}: MO part not held ({reason:?}); inserted alone");
                            insert_alone(&ctx.core, &name, message).await
                        }
                    }
                }
                Err(error) => {
                    log::warn!("{name}: MO part not stored ({error}); inserted alone");
                    insert_alone(&ctx.core, &name, message).await
                }
            };
            let _ = mailbox.send(ClientMsg::InboundDone {
                seq,
                request: CommandId::DELIVER_SM,
                status,
            });
        });
        None
    }
}

async fn insert_alone(core: &CoreClient, name: &str, message: InsertMessage) -> CommandStatus {
    match core.insert_message(message).await {
        Ok(_) => CommandStatus::ESME_ROK,
        Err(error) => {
            log::warn!("{name}: MO not taken by the core: {error}");
            CommandStatus::ESME_RSYSERR
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::DeliverSm;
    use crate::proto::{Address, ShortMessage};
    use crate::store::StoredPart;
    use bytes::Bytes;

    /// The parts of a long UCS-2 MO as a carrier sends them (8-bit reference UDH).
    fn ucs2_parts(text: &str, reference: u8, per_part: usize) -> Vec<DeliverSm> {
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let chunks: Vec<&[u8]> = units.chunks(per_part * 2).collect();
        let total = u8::try_from(chunks.len()).unwrap_or(u8::MAX);
        chunks
            .iter()
            .zip(1u8..)
            .map(|(chunk, seq)| {
                let mut body = vec![0x05, 0x00, 0x03, reference, total, seq];
                body.extend_from_slice(chunk);
                DeliverSm {
                    source_addr: Address::new("61400000001").unwrap(),
                    destination_addr: Address::new("1234").unwrap(),
                    esm_class: 0x40,
                    data_coding: 8,
                    short_message: ShortMessage::new(Bytes::from(body)).unwrap(),
                    ..DeliverSm::default()
                }
            })
            .collect()
    }

    fn group(pdus: Vec<DeliverSm>, total: u8) -> MoGroup {
        let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        MoGroup {
            key: MoGroupKey {
                bind: "carrier_a".into(),
                origin: "61400000001>1234".into(),
                reference: 7,
                total,
            },
            parts: pdus
                .into_iter()
                .zip(1u8..)
                .map(|(pdu, seq)| StoredPart { seq, received, pdu })
                .collect(),
        }
    }

    fn ctx() -> BindContext<'static> {
        BindContext {
            bind_name: "carrier_a",
            smsc_name: "gw",
            now: SystemTime::now(),
        }
    }

    #[test]
    fn a_complete_group_is_one_insert_without_concat() {
        let text = "Привет, это длинное сообщение из трёх частей для проверки сборки текста";
        let parts = ucs2_parts(text, 7, 30);
        let total = u8::try_from(parts.len()).unwrap();
        assert_eq!(total, 3);
        let inserts = group_inserts(&group(parts, total), &ctx()).unwrap();
        assert_eq!(inserts.len(), 1);
        let message = &inserts[0];
        assert_eq!(message.message_body, text);
        assert!(message.concat.is_none() && message.udh.is_none());
        assert_eq!(message.source_mode, core_api::BindMode::Client);
        assert_eq!(
            message.frontend_message_id.as_deref(),
            Some("mo:carrier_a:61400000001>1234:7:3:1700000000000")
        );
    }

    #[test]
    fn an_expired_group_is_inserted_part_by_part_with_concat_and_udh() {
        let text = "Привет, это длинное сообщение из трёх частей для проверки сборки текста";
        let mut parts = ucs2_parts(text, 7, 30);
        parts.remove(1);
        let held = group(parts, 3);
        assert!(!held.is_complete());
        let inserts = group_inserts(&held, &ctx()).unwrap();
        assert_eq!(inserts.len(), 2);
        for message in &inserts {
            let concat = message.concat.as_ref().unwrap();
            assert_eq!((concat.reference, concat.total), (7, 3));
            assert!(message.udh.as_deref().unwrap().starts_with("050003"));
        }
        let ids: Vec<_> = inserts
            .iter()
            .map(|m| m.frontend_message_id.clone().unwrap())
            .collect();
        assert_ne!(ids[0], ids[1], "each part its own idempotency key");
    }
}
