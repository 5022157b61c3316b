//! What a bound partner asks of us: submit_sm and data_sm go to the core, the operations a
//! stateless frontend cannot carry out get their SMPP failure status.

use std::time::{Instant, SystemTime};

use core_api::InsertResponse;

use super::core_waiters::InsertWaiter;
use super::server::ServerConnection;
use crate::coreclient::CoreError;
use crate::proto::{
    Body, CommandId, CommandStatus, DataSmResp, MessageId, Pdu, SubmitSmResp, Tlvs,
};
use crate::session::SequenceNumber;
use crate::translate::{self, BindContext};

impl ServerConnection {
    /// A request of the bound partner (the session has checked the bind type allows it).
    pub(super) fn on_request(&mut self, pdu: Pdu) {
        let seq = pdu.sequence_number;
        let command = pdu.command_id();
        let Some(bind) = self.bind.clone() else {
            let _ = self
                .session
                .respond_status(seq, command, CommandStatus::ESME_RINVBNDSTS);
            return;
        };
        let now = Instant::now();
        let ctx = BindContext {
            bind_name: &bind.config.name,
            smsc_name: &self.ctx.shared.config.smsc_name,
            now: SystemTime::now(),
        };
        let (source_addr, insert) = match &pdu.body {
            Body::SubmitSm(sm) => (
                sm.source_addr.to_string_lossy(),
                translate::partner_submit(sm, &ctx),
            ),
            Body::DataSm(sm) => (
                sm.source_addr.to_string_lossy(),
                translate::partner_data_sm(sm, &ctx),
            ),
            Body::SubmitMulti(multi) => {
                self.on_submit_multi(seq, multi, bind);
                return;
            }
            body => {
                let _ = self
                    .session
                    .respond_status(seq, command, unsupported_status(body));
                return;
            }
        };
        if !bind.config.source_address_whitelist.allows(&source_addr) {
            log::warn!(
                "Rejected {command} from {} - source_addr '{source_addr}' not in whitelist",
                bind.config.name
            );
            bind.stats.add_rejected(1);
            let _ = self
                .session
                .respond_status(seq, command, CommandStatus::ESME_RINVSRCADR);
            return;
        }
        if bind.limiter.try_acquire(1, now).is_err() {
            bind.stats.add_throttled(1);
            let _ = self
                .session
                .respond_status(seq, command, CommandStatus::ESME_RTHROTTLED);
            return;
        }
        let mut message = match insert {
            Ok(message) => message,
            Err(error) => {
                log::info!("Refused {command} from {}: {error}", bind.config.name);
                bind.stats.add_rejected(1);
                let _ = self
                    .session
                    .respond_status(seq, command, error.command_status());
                return;
            }
        };
        super::cache_flow::reserve_frontend_id(&self.ctx, bind.config.cache_enabled, &mut message);
        self.pending_inserts += 1;
        let waiter = InsertWaiter::Partner {
            bind,
            mailbox: self.mailbox.sender(),
            seq,
            request: command,
        };
        super::core_queue::insert(&self.ctx, message, waiter);
    }

    /// The core's answer to an insert: the response with the core's id, or a status that
    /// tells the partner whether to retry.
    pub(super) fn on_inserted(
        &mut self,
        seq: SequenceNumber,
        request: CommandId,
        result: Result<InsertResponse, CoreError>,
    ) {
        let Some(bind) = self.bind.clone() else {
            return;
        };
        match result {
            Ok(inserted) => match MessageId::new(&inserted.id) {
                Ok(message_id) => {
                    bind.stats.add_received(1);
                    let body = if request == CommandId::DATA_SM {
                        Body::DataSmResp(DataSmResp {
                            message_id,
                            tlvs: Tlvs::new(),
                        })
                    } else {
                        Body::SubmitSmResp(SubmitSmResp {
                            message_id,
                            tlvs: Tlvs::new(),
                        })
                    };
                    let _ = self.session.respond(seq, CommandStatus::ESME_ROK, body);
                }
                Err(error) => {
                    // The core holds the message but its id cannot travel in SMPP: a system
                    // error, logged so the operator sees the core misbehave.
                    log::error!(
                        "core id {:?} for {request} from {} is not a valid message_id: {error}",
                        inserted.id,
                        bind.config.name
                    );
                    let _ = self
                        .session
                        .respond_status(seq, request, CommandStatus::ESME_RSYSERR);
                }
            },
            Err(error) => {
                let status = insert_failure_status(&error);
                log::warn!(
                    "{request} from {} not accepted by the core: {error}; answered {status}",
                    bind.config.name
                );
                bind.stats.add_rejected(1);
                let _ = self.session.respond_status(seq, request, status);
            }
        }
    }
}

/// The status for a partner request the core did not take: unreachable, timing out or
/// failing (5xx) -> ESME_RMSGQFUL (0x14), a temporary error the partner retries; a request the
/// core refused (4xx) -> ESME_RSUBMITFAIL (0x45), permanent.
pub(crate) fn insert_failure_status(error: &CoreError) -> CommandStatus {
    if error.is_temporary() {
        CommandStatus::ESME_RMSGQFUL
    } else {
        CommandStatus::ESME_RSUBMITFAIL
    }
}

/// The answer to a valid request the gateway does not carry out. The gateway is a stateless
/// frontend: it cannot look up, cancel or replace a message the core holds, so it answers
/// with the failure status SMPP 3.4 defines for that very operation (never "invalid command",
/// which would tell the partner its PDU was malformed): query_sm -> ESME_RQUERYFAIL (0x67),
/// cancel_sm -> ESME_RCANCELFAIL (0x11), replace_sm -> ESME_RREPLACEFAIL (0x13), and
/// submit_multi -> ESME_RSUBMITFAIL (0x45), a permanent failure so it is not retried as is.
pub(crate) fn unsupported_status(body: &Body) -> CommandStatus {
    match body.command_id() {
        CommandId::QUERY_SM => CommandStatus::ESME_RQUERYFAIL,
        CommandId::CANCEL_SM => CommandStatus::ESME_RCANCELFAIL,
        CommandId::REPLACE_SM => CommandStatus::ESME_RREPLACEFAIL,
        CommandId::SUBMIT_MULTI => CommandStatus::ESME_RSUBMITFAIL,
        _ => CommandStatus::ESME_RSYSERR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{CancelSm, QuerySm, ReplaceSm, SubmitMulti};

    #[test]
    fn unsupported_operations_get_their_own_failure_status() {
        assert_eq!(
            unsupported_status(&Body::QuerySm(QuerySm::default())),
            CommandStatus::ESME_RQUERYFAIL
        );
        assert_eq!(
            unsupported_status(&Body::CancelSm(CancelSm::default())),
            CommandStatus::ESME_RCANCELFAIL
        );
        assert_eq!(
            unsupported_status(&Body::ReplaceSm(ReplaceSm::default())),
            CommandStatus::ESME_RREPLACEFAIL
        );
        assert_eq!(
            unsupported_status(&Body::SubmitMulti(SubmitMulti::default())),
            CommandStatus::ESME_RSUBMITFAIL
        );
    }

    #[test]
    fn core_failures_map_to_retry_or_not() {
        let down = CoreError::ConnectionRefused { detail: "x".into() };
        assert_eq!(insert_failure_status(&down), CommandStatus::ESME_RMSGQFUL);
        let bad = CoreError::Http {
            status: 422,
            body_reason: String::new(),
        };
        assert_eq!(insert_failure_status(&bad), CommandStatus::ESME_RSUBMITFAIL);
    }
}
