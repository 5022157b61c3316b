//! What a shard does with the core's answer to one queued insert or status update (see
//! `core_queue`): a small value per message instead of a task and a oneshot channel.

use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use core_api::{InsertMessage, InsertResponse};

use super::context::{Command, ShardContext};
use super::mailbox::MailboxSender;
use super::shared::ServerBindRuntime;
use crate::coreclient::CoreError;
use crate::proto::CommandId;
use crate::session::SequenceNumber;

/// Who waits for an insert.
pub(crate) enum InsertWaiter {
    /// A partner's submit_sm / data_sm: the answer goes to its connection, which responds.
    Partner {
        /// The partner's bind (its name and whether it caches).
        bind: Arc<ServerBindRuntime>,
        /// The connection's mailbox.
        mailbox: MailboxSender<Command>,
        /// The request's sequence number.
        seq: SequenceNumber,
        /// The request's command.
        request: CommandId,
    },
}

impl InsertWaiter {
    /// The bind's name when it stores messages the core cannot take (`cache_enabled`).
    pub(super) fn caching_bind(&self) -> Option<&str> {
        match self {
            InsertWaiter::Partner { bind, .. } => bind
                .config
                .cache_enabled
                .then_some(bind.config.name.as_str()),
        }
    }

    /// Hands `result` to the waiter. A temporary failure on a caching bind first stores
    /// `message` in the shard's cache (as `cache_flow::insert_or_cache` does) and answers with
    /// the cache's id, or with the core's error when the cache cannot make it durable.
    pub(super) fn complete(
        self,
        ctx: &Rc<ShardContext>,
        message: Option<InsertMessage>,
        result: Result<InsertResponse, CoreError>,
    ) {
        match (result, message) {
            (Err(error), Some(message))
                if error.is_temporary() && self.caching_bind().is_some() =>
            {
                if let Some(shard) = ctx.shared.caches.shard(ctx.index) {
                    shard.mark_core_down(SystemTime::now());
                }
                self.store_then_answer(ctx, message, Some(error));
            }
            // The insert carried a reserved cache id: the partner gets that id, the one the
            // core names in its receipts for the message (`frontend_message_id`).
            (Ok(inserted), Some(message)) if self.caching_bind().is_some() => {
                let id = message.frontend_message_id.unwrap_or(inserted.id);
                self.answer(Ok(InsertResponse { id }));
            }
            (result, _) => self.answer(result),
        }
    }

    /// Stores `message` in the shard's cache (a task: the group commit's fsync is awaited),
    /// then answers.
    pub(super) fn store_then_answer(
        self,
        ctx: &Rc<ShardContext>,
        message: InsertMessage,
        core_error: Option<CoreError>,
    ) {
        let shard = Rc::clone(ctx);
        ctx.spawn_core_call(async move {
            let bind = self.caching_bind().unwrap_or_default().to_owned();
            let result = super::cache_flow::store(&shard, &bind, &message, core_error).await;
            self.answer(result);
        });
    }

    fn answer(self, result: Result<InsertResponse, CoreError>) {
        match self {
            InsertWaiter::Partner {
                mailbox,
                seq,
                request,
                ..
            } => {
                // A closed connection drops the answer: the partner never got an ack, so it
                // retries.
                let _ = mailbox.send(Command::Inserted {
                    seq,
                    request,
                    result,
                });
            }
        }
    }
}

/// Who waits for a delivery status update.
pub(crate) enum StatusWaiter {
    /// Nobody: a failure is logged under the bind's name (the lease lapses and the core offers
    /// the message again).
    Report {
        /// The bind that reports (shared per shard, see `core_queue::bind_name`).
        bind_name: Rc<str>,
    },
    /// Run this with the message id and the result.
    Call(Box<dyn FnOnce(String, Result<(), CoreError>)>),
}

impl StatusWaiter {
    /// A waiter that runs `done` with the message id and the result.
    pub(crate) fn call(done: impl FnOnce(String, Result<(), CoreError>) + 'static) -> Self {
        StatusWaiter::Call(Box::new(done))
    }

    /// Hands the result for message `id` to the waiter.
    pub(super) fn complete(self, id: String, result: Result<(), CoreError>) {
        match self {
            StatusWaiter::Report { bind_name } => {
                if let Err(error) = result {
                    log::warn!(
                        "{bind_name}: delivery status of message {id} not reported: {error}"
                    );
                }
            }
            StatusWaiter::Call(done) => done(id, result),
        }
    }
}
