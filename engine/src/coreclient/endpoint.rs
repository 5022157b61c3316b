//! The calls of the core contract, named once for URLs, metrics and logs.

use std::fmt;

/// One call of the core REST contract. The label is stable: metrics and log lines use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /api/system/health`.
    Health,
    /// `POST /api/frontends` (heartbeat registration).
    FrontendRegister,
    /// `GET /api/message_queue`.
    GetQueue,
    /// `PUT /api/messages/<id>/delivery_status`.
    ProcessMessage,
    /// `POST /api/messages`.
    InsertMessage,
    /// `POST /api/delivery_receipts` (a receipt that matched no message).
    DeliveryReceipt,
    /// `POST /api/messages/batch`.
    InsertBatch,
    /// `PUT /api/delivery_status/batch`.
    ProcessMessageBatch,
}

impl Endpoint {
    /// Number of endpoints (size of per-endpoint tables).
    pub const COUNT: usize = 8;

    /// Every endpoint, in [`Endpoint::index`] order.
    pub const ALL: [Endpoint; Endpoint::COUNT] = [
        Endpoint::Health,
        Endpoint::FrontendRegister,
        Endpoint::GetQueue,
        Endpoint::ProcessMessage,
        Endpoint::InsertMessage,
        Endpoint::DeliveryReceipt,
        Endpoint::InsertBatch,
        Endpoint::ProcessMessageBatch,
    ];

    /// Position in [`Endpoint::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable label for metrics and logs (the contract's names where it gives one).
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Health => "health",
            Endpoint::FrontendRegister => "frontend_register",
            Endpoint::GetQueue => "get_queue",
            Endpoint::ProcessMessage => "process_message",
            Endpoint::InsertMessage => "insert_message",
            Endpoint::DeliveryReceipt => "delivery_receipt",
            Endpoint::InsertBatch => "insert_batch",
            Endpoint::ProcessMessageBatch => "process_message_batch",
        }
    }

    /// The HTTP method of the call.
    pub fn method(self) -> &'static str {
        match self {
            Endpoint::Health | Endpoint::GetQueue => "GET",
            Endpoint::ProcessMessage | Endpoint::ProcessMessageBatch => "PUT",
            Endpoint::FrontendRegister
            | Endpoint::InsertMessage
            | Endpoint::DeliveryReceipt
            | Endpoint::InsertBatch => "POST",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    #[test]
    fn index_matches_position_and_labels_are_unique() {
        for (i, endpoint) in Endpoint::ALL.iter().enumerate() {
            assert_eq!(endpoint.index(), i);
        }
        let mut labels: Vec<_> = Endpoint::ALL.iter().map(|e| e.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Endpoint::COUNT);
    }
}
