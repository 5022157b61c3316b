//! What a caller asks of the core ([`Job`]) and what comes back ([`Reply`]).

use super::endpoint::Endpoint;
use super::error::CoreError;
use core_api::{
    BatchInsertResult, BatchStatusResult, BatchStatusUpdate, DeliveryReceiptPost,
    DeliveryStatusUpdate, FrontendRegistration, Health, InsertMessage, InsertResponse, QueueItem,
};

/// One call to the core, with everything it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// `GET /api/system/health`.
    Health,
    /// `POST /api/frontends`.
    RegisterFrontend(FrontendRegistration),
    /// `GET /api/message_queue?destination_smsc=..&limit=..`.
    GetQueue {
        /// The bind whose queue is polled.
        dest_smsc: String,
        /// At most this many items.
        limit: u32,
    },
    /// `PUT /api/messages/<id>/delivery_status`.
    PutDeliveryStatus {
        /// Core message id.
        id: String,
        /// The outcome to report.
        update: DeliveryStatusUpdate,
    },
    /// `POST /api/messages`.
    InsertMessage(InsertMessage),
    /// `POST /api/delivery_receipts`.
    PostDeliveryReceipt(DeliveryReceiptPost),
    /// `POST /api/messages/batch`.
    InsertBatch(Vec<InsertMessage>),
    /// `PUT /api/delivery_status/batch`.
    DeliveryStatusBatch(Vec<BatchStatusUpdate>),
    /// Insert every message: one `POST /api/messages/batch` when the core advertises it,
    /// else one `POST /api/messages` each. Answered with [`Reply::InsertEach`], one result per
    /// message (see `each`).
    InsertEach(Vec<InsertMessage>),
    /// Report every update: one `PUT /api/delivery_status/batch` when the core advertises it,
    /// else one `PUT /api/messages/<id>/delivery_status` each. Answered with
    /// [`Reply::StatusEach`].
    StatusEach(Vec<BatchStatusUpdate>),
}

impl Job {
    /// The endpoint this job calls.
    pub fn endpoint(&self) -> Endpoint {
        match self {
            Job::Health => Endpoint::Health,
            Job::RegisterFrontend(_) => Endpoint::FrontendRegister,
            Job::GetQueue { .. } => Endpoint::GetQueue,
            Job::PutDeliveryStatus { .. } => Endpoint::ProcessMessage,
            Job::InsertMessage(_) => Endpoint::InsertMessage,
            Job::PostDeliveryReceipt(_) => Endpoint::DeliveryReceipt,
            Job::InsertBatch(_) => Endpoint::InsertBatch,
            Job::DeliveryStatusBatch(_) => Endpoint::ProcessMessageBatch,
            Job::InsertEach(_) => Endpoint::InsertBatch,
            Job::StatusEach(_) => Endpoint::ProcessMessageBatch,
        }
    }
}

/// The successful answer to a [`Job`], one variant per job kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Answer to [`Job::Health`] (a 200; its `status` may still say unhealthy).
    Health(Health),
    /// [`Job::RegisterFrontend`] was accepted (2xx).
    Registered,
    /// Answer to [`Job::GetQueue`]: the leased items (possibly none).
    Queue(Vec<QueueItem>),
    /// [`Job::PutDeliveryStatus`] was accepted (2xx).
    StatusAccepted,
    /// Answer to [`Job::InsertMessage`]: the core id.
    Inserted(InsertResponse),
    /// Answer to [`Job::PostDeliveryReceipt`]: the id the core gave the receipt.
    ReceiptAccepted(InsertResponse),
    /// Answer to [`Job::InsertBatch`], one result per message in request order.
    InsertBatch(Vec<BatchInsertResult>),
    /// Answer to [`Job::DeliveryStatusBatch`], one result per update in request order.
    StatusBatch(Vec<BatchStatusResult>),
    /// Answer to [`Job::InsertEach`]: the messages handed back (for a cache or a retry) and
    /// one result per message, in the same order.
    InsertEach {
        /// The job's messages, unchanged.
        messages: Vec<InsertMessage>,
        /// What the core said about each.
        results: Vec<Result<InsertResponse, CoreError>>,
    },
    /// Answer to [`Job::StatusEach`]: the updates handed back (their ids name the messages in
    /// logs) and one result per update, in the same order.
    StatusEach {
        /// The job's updates, unchanged.
        updates: Vec<BatchStatusUpdate>,
        /// What the core said about each.
        results: Vec<Result<(), CoreError>>,
    },
}

impl Reply {
    /// The variant's name, for diagnostics.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Reply::Health(_) => "health",
            Reply::Registered => "registered",
            Reply::Queue(_) => "queue",
            Reply::StatusAccepted => "status accepted",
            Reply::Inserted(_) => "inserted",
            Reply::ReceiptAccepted(_) => "receipt accepted",
            Reply::InsertBatch(_) => "insert batch",
            Reply::StatusBatch(_) => "status batch",
            Reply::InsertEach { .. } => "insert each",
            Reply::StatusEach { .. } => "status each",
        }
    }
}
