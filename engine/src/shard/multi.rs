//! submit_multi from a partner: one core message per SME destination.
//!
//! - The source address whitelist applies once (0x0A for the whole PDU); every SME
//!   destination takes one token of the bind's TPS budget, all or none (0x58 for the whole PDU
//!   when the budget cannot carry them all).
//! - Distribution lists are held by an SMSC, and the core has none: each one goes to the
//!   unsuccess_sme list with ESME_RINVDLNAME (0x34), its dl_name as the address.
//! - Each SME destination is inserted as its own core message (concurrently). The response's
//!   message_id is the core id of the first destination the core took (in PDU order); each
//!   destination's receipt carries its own core id. Destinations the core refused are listed
//!   with the status a submit_sm would have got (0x14 temporary, 0x45 permanent).
//! - When no destination was taken the response carries no body, only a status: 0x14 when
//!   every failure was a temporary one of the core (the partner retries, as for submit_sm);
//!   otherwise the one status they share, or ESME_RSUBMITFAIL (0x45) when they differ.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::context::Command;
use super::partner::insert_failure_status;
use super::server::ServerConnection;
use super::shared::ServerBindRuntime;
use crate::proto::{
    Body, CommandId, CommandStatus, DestAddress, MessageId, Npi, SubmitMulti, SubmitMultiResp,
    SubmitSm, Tlvs, Ton, UnsuccessSme,
};
use crate::session::SequenceNumber;
use crate::translate::{self, BindContext};

/// One SME destination of a submit_multi, as the submit_sm the core insert is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Destination {
    pub(crate) submit: SubmitSm,
}

impl Destination {
    /// The unsuccess_sme entry naming this destination with `status`.
    pub(crate) fn refused(&self, status: CommandStatus) -> UnsuccessSme {
        UnsuccessSme {
            dest_addr_ton: self.submit.dest_addr_ton,
            dest_addr_npi: self.submit.dest_addr_npi,
            destination_addr: self.submit.destination_addr.clone(),
            error_status_code: status,
        }
    }
}

/// A submit_multi split into its SME destinations and the destinations refused up front.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FanOut {
    pub(crate) destinations: Vec<Destination>,
    /// Distribution lists (ESME_RINVDLNAME).
    pub(crate) refused: Vec<UnsuccessSme>,
}

/// Splits `multi` into one submit_sm per SME destination (every other field copied).
pub(crate) fn fan_out(multi: &SubmitMulti) -> FanOut {
    let mut out = FanOut::default();
    for dest in multi.dest_addresses.iter() {
        match dest {
            DestAddress::Sme {
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            } => out.destinations.push(Destination {
                submit: SubmitSm {
                    service_type: multi.service_type.clone(),
                    source_addr_ton: multi.source_addr_ton,
                    source_addr_npi: multi.source_addr_npi,
                    source_addr: multi.source_addr.clone(),
                    dest_addr_ton: *dest_addr_ton,
                    dest_addr_npi: *dest_addr_npi,
                    destination_addr: destination_addr.clone(),
                    esm_class: multi.esm_class,
                    protocol_id: multi.protocol_id,
                    priority_flag: multi.priority_flag,
                    schedule_delivery_time: multi.schedule_delivery_time.clone(),
                    validity_period: multi.validity_period.clone(),
                    registered_delivery: multi.registered_delivery,
                    replace_if_present_flag: multi.replace_if_present_flag,
                    data_coding: multi.data_coding,
                    sm_default_msg_id: multi.sm_default_msg_id,
                    short_message: multi.short_message.clone(),
                    tlvs: multi.tlvs.clone(),
                },
            }),
            DestAddress::DistributionList { dl_name } => out.refused.push(UnsuccessSme {
                dest_addr_ton: Ton(0),
                dest_addr_npi: Npi(0),
                destination_addr: dl_name.clone(),
                error_status_code: CommandStatus::ESME_RINVDLNAME,
            }),
        }
    }
    out
}

/// What the core said about one destination: its core id, or the status to report it with
/// and whether the failure was temporary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DestinationResult {
    Taken(String),
    Refused {
        status: CommandStatus,
        temporary: bool,
    },
}

/// The submit_multi_resp for the destinations' results (in `fan_out` order): the body, or
/// only a status when no destination was taken (see the module doc).
pub(crate) fn multi_response(
    fan: &FanOut,
    results: &[DestinationResult],
) -> Result<Body, CommandStatus> {
    let mut message_id = None;
    let mut unsuccess = fan.refused.clone();
    let mut all_temporary = fan.refused.is_empty();
    for (dest, result) in fan.destinations.iter().zip(results) {
        match result {
            DestinationResult::Taken(id) => {
                if message_id.is_none() {
                    message_id = Some(id.as_str());
                }
            }
            DestinationResult::Refused { status, temporary } => {
                all_temporary &= *temporary;
                unsuccess.push(dest.refused(*status));
            }
        }
    }
    let Some(id) = message_id else {
        if all_temporary {
            return Err(CommandStatus::ESME_RMSGQFUL);
        }
        let first = unsuccess.first().map(|u| u.error_status_code);
        let shared = first.filter(|s| unsuccess.iter().all(|u| u.error_status_code == *s));
        return Err(shared.unwrap_or(CommandStatus::ESME_RSUBMITFAIL));
    };
    let message_id = MessageId::new(id).map_err(|_| CommandStatus::ESME_RSYSERR)?;
    let unsuccess_smes = unsuccess
        .try_into()
        .map_err(|_| CommandStatus::ESME_RSYSERR)?;
    Ok(Body::SubmitMultiResp(SubmitMultiResp {
        message_id,
        unsuccess_smes,
        tlvs: Tlvs::new(),
    }))
}

impl ServerConnection {
    /// A partner's submit_multi (see the module doc).
    pub(super) fn on_submit_multi(
        &mut self,
        seq: SequenceNumber,
        multi: &SubmitMulti,
        bind: Arc<ServerBindRuntime>,
    ) {
        let command = CommandId::SUBMIT_MULTI;
        let source_addr = multi.source_addr.to_string_lossy();
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
        let fan = fan_out(multi);
        let tokens = u32::try_from(fan.destinations.len()).unwrap_or(u32::MAX);
        if tokens > 0 && bind.limiter.try_acquire(tokens, Instant::now()).is_err() {
            bind.stats.add_throttled(1);
            let _ = self
                .session
                .respond_status(seq, command, CommandStatus::ESME_RTHROTTLED);
            return;
        }
        let ctx = BindContext {
            bind_name: &bind.config.name,
            smsc_name: &self.ctx.shared.config.smsc_name,
            now: SystemTime::now(),
        };
        let mut messages = Vec::with_capacity(fan.destinations.len());
        for dest in &fan.destinations {
            match translate::partner_submit(&dest.submit, &ctx) {
                Ok(message) => messages.push(message),
                Err(error) => {
                    log::info!("Refused {command} from {}: {error}", bind.config.name);
                    bind.stats.add_rejected(1);
                    let _ = self
                        .session
                        .respond_status(seq, command, error.command_status());
                    return;
                }
            }
        }
        self.pending_inserts += 1;
        let shard = Rc::clone(&self.ctx);
        let mailbox = self.mailbox.sender();
        self.ctx.spawn_core_call(async move {
            let calls: Vec<_> = messages
                .into_iter()
                .map(|message| {
                    let core = shard.core.clone();
                    glommio::spawn_local(async move { core.insert_message(message).await })
                })
                .collect();
            let mut results = Vec::with_capacity(calls.len());
            for call in calls {
                results.push(match call.await {
                    Ok(inserted) => {
                        bind.stats.add_received(1);
                        DestinationResult::Taken(inserted.id)
                    }
                    Err(error) => {
                        log::warn!(
                            "{command} destination from {} not accepted by the core: {error}",
                            bind.config.name
                        );
                        bind.stats.add_rejected(1);
                        DestinationResult::Refused {
                            status: insert_failure_status(&error),
                            temporary: error.is_temporary(),
                        }
                    }
                });
            }
            let answer = multi_response(&fan, &results);
            // A closed connection drops the answer: the partner never got an ack, so it retries.
            let _ = mailbox.send(Command::Answer {
                seq,
                request: command,
                answer,
            });
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{Address, ShortMessage};
    use bytes::Bytes;

    fn sme(number: &str) -> DestAddress {
        DestAddress::Sme {
            dest_addr_ton: Ton(1),
            dest_addr_npi: Npi(1),
            destination_addr: Address::new(number).unwrap(),
        }
    }

    fn multi(dests: Vec<DestAddress>) -> SubmitMulti {
        SubmitMulti {
            source_addr: Address::new("MyBrand").unwrap(),
            dest_addresses: dests.try_into().unwrap(),
            registered_delivery: 1,
            data_coding: 8,
            short_message: ShortMessage::new(Bytes::from_static(b"\x00h\x00i")).unwrap(),
            ..SubmitMulti::default()
        }
    }

    fn taken(id: &str) -> DestinationResult {
        DestinationResult::Taken(id.to_owned())
    }

    fn refused(status: CommandStatus, temporary: bool) -> DestinationResult {
        DestinationResult::Refused { status, temporary }
    }

    #[test]
    fn each_sme_destination_becomes_a_submit_sm_and_lists_are_refused() {
        let dl = DestAddress::DistributionList {
            dl_name: Address::new("friends").unwrap(),
        };
        let fan = fan_out(&multi(vec![sme("6141"), dl, sme("6142")]));
        assert_eq!(fan.destinations.len(), 2);
        let first = &fan.destinations[0].submit;
        assert_eq!(first.destination_addr.to_string_lossy(), "6141");
        assert_eq!(first.dest_addr_ton, Ton(1));
        assert_eq!(first.source_addr.to_string_lossy(), "MyBrand");
        assert_eq!(first.data_coding, 8);
        assert_eq!(first.registered_delivery, 1);
        assert_eq!(first.short_message.as_bytes(), b"\x00h\x00i");
        assert_eq!(
            fan.destinations[1]
                .submit
                .destination_addr
                .to_string_lossy(),
            "6142"
        );
        assert_eq!(fan.refused.len(), 1);
        assert_eq!(fan.refused[0].destination_addr.to_string_lossy(), "friends");
        assert_eq!(
            fan.refused[0].error_status_code,
            CommandStatus::ESME_RINVDLNAME
        );
    }

    #[test]
    fn the_response_names_the_first_taken_id_and_every_refusal() {
        let dl = DestAddress::DistributionList {
            dl_name: Address::new("friends").unwrap(),
        };
        let fan = fan_out(&multi(vec![sme("6141"), sme("6142"), dl, sme("6143")]));
        let results = [
            refused(CommandStatus::ESME_RMSGQFUL, true),
            taken("core-2"),
            taken("core-3"),
        ];
        let Ok(Body::SubmitMultiResp(resp)) = multi_response(&fan, &results) else {
            panic!("expected a submit_multi_resp body");
        };
        assert_eq!(resp.message_id.to_string_lossy(), "core-2");
        let failed: Vec<(String, CommandStatus)> = resp
            .unsuccess_smes
            .iter()
            .map(|u| {
                (
                    u.destination_addr.to_string_lossy().into_owned(),
                    u.error_status_code,
                )
            })
            .collect();
        assert_eq!(
            failed,
            vec![
                ("friends".to_owned(), CommandStatus::ESME_RINVDLNAME),
                ("6141".to_owned(), CommandStatus::ESME_RMSGQFUL),
            ]
        );
    }

    #[test]
    fn nothing_taken_answers_with_a_status_only() {
        let fan = fan_out(&multi(vec![sme("6141"), sme("6142")]));
        let down = [
            refused(CommandStatus::ESME_RMSGQFUL, true),
            refused(CommandStatus::ESME_RMSGQFUL, true),
        ];
        assert_eq!(
            multi_response(&fan, &down),
            Err(CommandStatus::ESME_RMSGQFUL),
            "the core down for all: temporary, as for submit_sm"
        );
        let mixed = [
            refused(CommandStatus::ESME_RMSGQFUL, true),
            refused(CommandStatus::ESME_RSUBMITFAIL, false),
        ];
        assert_eq!(
            multi_response(&fan, &mixed),
            Err(CommandStatus::ESME_RSUBMITFAIL)
        );
        let only_lists = fan_out(&multi(vec![DestAddress::DistributionList {
            dl_name: Address::new("friends").unwrap(),
        }]));
        assert_eq!(
            multi_response(&only_lists, &[]),
            Err(CommandStatus::ESME_RINVDLNAME)
        );
    }
}
