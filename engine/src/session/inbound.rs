//! Requests from the peer: answered here (enquire_link, unbind, refusals) or passed up.

use crate::proto::{Body, CommandId, CommandStatus, Pdu};

use super::connection::{peer_may_send, Connection, PendingBind, Role};
use super::event::{CloseReason, Event};
use super::types::{BindType, SessionState};

impl Connection {
    pub(crate) fn on_request(&mut self, pdu: Pdu) {
        let command = pdu.command_id();
        let seq = pdu.sequence_number;
        match command {
            // Answered in every state: it costs nothing, and some peers probe before binding.
            CommandId::ENQUIRE_LINK => self.write(&Pdu::ok(seq, Body::EnquireLinkResp)),
            CommandId::UNBIND => match self.state {
                SessionState::Bound(_) | SessionState::Unbinding => {
                    self.write(&Pdu::ok(seq, Body::UnbindResp));
                    self.close(CloseReason::PeerUnbound);
                }
                _ => self.reject(&pdu, CommandStatus::ESME_RINVBNDSTS),
            },
            CommandId::BIND_TRANSMITTER
            | CommandId::BIND_RECEIVER
            | CommandId::BIND_TRANSCEIVER => self.on_bind_request(pdu),
            CommandId::OUTBIND => self.on_outbind(pdu),
            _ => {
                let allowed = match self.state {
                    SessionState::Bound(bind_type) => peer_may_send(self.role, bind_type, command),
                    _ => false,
                };
                if !allowed {
                    self.reject(&pdu, CommandStatus::ESME_RINVBNDSTS);
                    return;
                }
                match pdu.body {
                    Body::AlertNotification(alert) => {
                        self.events.push_back(Event::AlertReceived(alert))
                    }
                    _ => self.events.push_back(Event::RequestReceived(pdu)),
                }
            }
        }
    }

    fn on_bind_request(&mut self, pdu: Pdu) {
        if self.role == Role::Esme {
            self.reject(&pdu, CommandStatus::ESME_RINVBNDSTS);
            return;
        }
        match self.state {
            SessionState::Open => {}
            SessionState::Binding(_) | SessionState::Bound(_) => {
                self.reject(&pdu, CommandStatus::ESME_RALYBND);
                return;
            }
            SessionState::Unbinding | SessionState::Closed => {
                self.reject(&pdu, CommandStatus::ESME_RINVBNDSTS);
                return;
            }
        }
        let seq = pdu.sequence_number;
        let (bind_type, bind) = match pdu.body {
            Body::BindTransmitter(bind) => (BindType::Transmitter, bind),
            Body::BindReceiver(bind) => (BindType::Receiver, bind),
            Body::BindTransceiver(bind) => (BindType::Transceiver, bind),
            _ => return,
        };
        self.pending_bind = Some(PendingBind {
            seq,
            bind_type,
            peer_system_id: bind.system_id.clone(),
        });
        self.state = SessionState::Binding(bind_type);
        self.events.push_back(Event::BindRequested {
            seq,
            bind_type,
            bind,
        });
    }

    fn on_outbind(&mut self, pdu: Pdu) {
        if self.role == Role::Esme && self.state == SessionState::Open {
            if let Body::Outbind(outbind) = pdu.body {
                self.events.push_back(Event::OutbindReceived(outbind));
            }
        } else {
            self.reject(&pdu, CommandStatus::ESME_RINVBNDSTS);
        }
    }
}
