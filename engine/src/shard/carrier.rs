//! What a carrier sends us on a client bind: receipts (matched to the core's ids) and MO
//! messages (inserted into the core). The carrier gets deliver_sm_resp ESME_ROK only after the
//! core took the message or status; otherwise ESME_RSYSERR (0x08), which carriers retry.

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::client::{ClientConnection, ClientMsg};
use super::core_waiters::StatusWaiter;
use crate::proto::receipt::ReceiptState;
use crate::proto::{Body, CommandId, CommandStatus, Pdu};
use crate::translate::status::receipt_update;
use crate::translate::{self, CarrierReceipt, Inbound};

/// A receipt that matches nothing while submits are in flight is looked up again this often
/// (it may have overtaken its submit_sm_resp) ...
const RECEIPT_RETRY: Duration = Duration::from_millis(100);
/// ... up to this many times, then posted unmatched.
const RECEIPT_ATTEMPTS: u8 = 20;

impl ClientConnection {
    /// A request from the carrier (deliver_sm, data_sm).
    pub(super) fn on_carrier_request(&mut self, pdu: Pdu) {
        let seq = pdu.sequence_number;
        let command = pdu.command_id();
        self.bind.stats.add_received(1);
        let inbound = match &pdu.body {
            Body::DeliverSm(sm) => translate::carrier_deliver(sm, &self.bind_context()),
            Body::DataSm(sm) => {
                translate::partner_data_sm(sm, &self.bind_context()).map(|mut message| {
                    message.source_mode = core_api::BindMode::Client;
                    Inbound::Mo(message)
                })
            }
            _ => {
                let _ = self
                    .session
                    .respond_status(seq, command, CommandStatus::ESME_RSYSERR);
                return;
            }
        };
        match inbound {
            Err(error) => {
                log::warn!(
                    "{}: {command} from the carrier refused: {error}",
                    self.bind.config.name
                );
                let _ = self
                    .session
                    .respond_status(seq, command, error.command_status());
            }
            Ok(Inbound::Mo(message)) => {
                let Some(message) = self.hold_mo_part(seq, &pdu.body, message) else {
                    return;
                };
                self.pending_inbound += 1;
                let ctx = Rc::clone(&self.ctx);
                let mailbox = self.mailbox.sender();
                let name = self.bind.config.name.clone();
                let cache_enabled = self.bind.config.cache_enabled;
                self.ctx.spawn_core_call(async move {
                    let inserted =
                        super::cache_flow::insert_or_cache(&ctx, &name, cache_enabled, message);
                    let status = match inserted.await {
                        Ok(_) => CommandStatus::ESME_ROK,
                        Err(error) => {
                            log::warn!("{name}: MO not taken by the core: {error}");
                            CommandStatus::ESME_RSYSERR
                        }
                    };
                    let _ = mailbox.send(ClientMsg::InboundDone {
                        seq,
                        request: command,
                        status,
                    });
                });
            }
            Ok(Inbound::Receipt(receipt)) => {
                self.pending_inbound += 1;
                self.on_receipt(seq, receipt, 0);
            }
        }
    }

    /// Matches a receipt to its message and reports it (counted in `pending_inbound`).
    pub(super) fn on_receipt(&mut self, seq: u32, receipt: CarrierReceipt, attempt: u8) {
        let found = self
            .idmap
            .borrow_mut()
            .get(&receipt.carrier_message_id, Instant::now());
        let ctx = Rc::clone(&self.ctx);
        let mailbox = self.mailbox.sender();
        let name = self.bind.config.name.clone();
        // A final receipt ends the message: its carrier id is forgotten once the core took it.
        let is_final = receipt
            .state
            .is_some_and(|state| !matches!(state, ReceiptState::Enroute | ReceiptState::Accepted));
        match found {
            Some(mapped) => {
                let update =
                    receipt_update(&receipt, mapped.part, mapped.parts, &self.bind_context());
                let idmap = Rc::clone(&self.idmap);
                let carrier_id = receipt.carrier_message_id.clone();
                let durable = self.ctx.receipts.clone();
                let done = StatusWaiter::call(move |core_id, result| {
                    let status = match result {
                        Ok(()) => {
                            if is_final {
                                idmap.borrow_mut().remove(&carrier_id);
                                if let Some(store) = &durable {
                                    store.forget(&carrier_id);
                                }
                            }
                            CommandStatus::ESME_ROK
                        }
                        Err(error) => {
                            log::warn!(
                                "{name}: receipt for message {core_id} not taken by the core: {error}"
                            );
                            CommandStatus::ESME_RSYSERR
                        }
                    };
                    let _ = mailbox.send(ClientMsg::InboundDone {
                        seq,
                        request: CommandId::DELIVER_SM,
                        status,
                    });
                });
                super::core_queue::status(&self.ctx, mapped.core_id.to_string(), update, done);
            }
            None if attempt < RECEIPT_ATTEMPTS
                && self.session.in_flight() > 0
                && !receipt.carrier_message_id.is_empty() =>
            {
                glommio::spawn_local(async move {
                    glommio::timer::sleep(RECEIPT_RETRY).await;
                    let _ = mailbox.send(ClientMsg::ReceiptRetry {
                        seq,
                        receipt: Box::new(receipt),
                        attempt: attempt + 1,
                    });
                })
                .detach();
            }
            None => {
                let post = receipt.unmatched(&self.bind_context());
                let smsc_name = self.ctx.shared.config.smsc_name.clone();
                let cache_enabled = self.bind.config.cache_enabled;
                self.ctx.spawn_core_call(async move {
                    // After a restart or reconnect only the durable map knows the id.
                    let durable = match &ctx.receipts {
                        Some(store) => store.lookup(&receipt.carrier_message_id).await,
                        None => None,
                    };
                    let outcome = match durable {
                        Some(core) => {
                            let context = crate::translate::BindContext {
                                bind_name: &name,
                                smsc_name: &smsc_name,
                                now: std::time::SystemTime::now(),
                            };
                            let update = receipt_update(&receipt, core.part, core.parts, &context);
                            let taken = ctx.core.put_delivery_status(&core.core_id, update).await;
                            if let (Ok(()), true, Some(store)) = (&taken, is_final, &ctx.receipts) {
                                store.forget(&receipt.carrier_message_id);
                            }
                            taken
                        }
                        None => super::cache_flow::post_receipt_or_cache(
                            &ctx,
                            &name,
                            cache_enabled,
                            post,
                        )
                        .await
                        .map(|_| ()),
                    };
                    let status = match outcome {
                        Ok(()) => CommandStatus::ESME_ROK,
                        Err(error) => {
                            log::warn!("{name}: receipt not taken by the core: {error}");
                            CommandStatus::ESME_RSYSERR
                        }
                    };
                    let _ = mailbox.send(ClientMsg::InboundDone {
                        seq,
                        request: CommandId::DELIVER_SM,
                        status,
                    });
                });
            }
        }
    }
}
