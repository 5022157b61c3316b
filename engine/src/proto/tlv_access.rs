//! Typed getters and setters on [`Tlvs`] for every SMPP 3.4 standard TLV.
//!
//! Getters return `None` when the TLV is absent (or, for values built by hand through
//! [`Tlvs::push`], malformed); setters replace an existing TLV in place or append one.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::EncodeError;
use super::tlv::{Tlv, TlvTag, Tlvs};
use super::values::MessageState;

/// The value of the network_error_code TLV: network type and a network-specific code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetworkErrorCode {
    /// 1 = ANSI-136, 2 = IS-95, 3 = GSM, ...
    pub network_type: u8,
    /// The error code of that network.
    pub error_code: u16,
}

macro_rules! int_tlvs {
    ($($(#[$doc:meta])* $get:ident, $set:ident: $ty:ty = $tag:ident;)*) => {
        impl Tlvs {
            $(
                $(#[$doc])*
                pub fn $get(&self) -> Option<$ty> {
                    let value = self.get(TlvTag::$tag)?;
                    let array = <[u8; std::mem::size_of::<$ty>()]>::try_from(&value[..]).ok()?;
                    Some(<$ty>::from_be_bytes(array))
                }

                $(#[$doc])*
                pub fn $set(&mut self, value: $ty) {
                    self.set_checked(TlvTag::$tag, Bytes::copy_from_slice(&value.to_be_bytes()));
                }
            )*
        }
    };
}

int_tlvs! {
    /// dest_addr_subunit.
    dest_addr_subunit, set_dest_addr_subunit: u8 = DEST_ADDR_SUBUNIT;
    /// dest_network_type.
    dest_network_type, set_dest_network_type: u8 = DEST_NETWORK_TYPE;
    /// dest_bearer_type.
    dest_bearer_type, set_dest_bearer_type: u8 = DEST_BEARER_TYPE;
    /// dest_telematics_id.
    dest_telematics_id, set_dest_telematics_id: u16 = DEST_TELEMATICS_ID;
    /// source_addr_subunit.
    source_addr_subunit, set_source_addr_subunit: u8 = SOURCE_ADDR_SUBUNIT;
    /// source_network_type.
    source_network_type, set_source_network_type: u8 = SOURCE_NETWORK_TYPE;
    /// source_bearer_type.
    source_bearer_type, set_source_bearer_type: u8 = SOURCE_BEARER_TYPE;
    /// source_telematics_id.
    source_telematics_id, set_source_telematics_id: u8 = SOURCE_TELEMATICS_ID;
    /// qos_time_to_live (seconds).
    qos_time_to_live, set_qos_time_to_live: u32 = QOS_TIME_TO_LIVE;
    /// payload_type.
    payload_type, set_payload_type: u8 = PAYLOAD_TYPE;
    /// ms_msg_wait_facilities.
    ms_msg_wait_facilities, set_ms_msg_wait_facilities: u8 = MS_MSG_WAIT_FACILITIES;
    /// privacy_indicator.
    privacy_indicator, set_privacy_indicator: u8 = PRIVACY_INDICATOR;
    /// user_message_reference.
    user_message_reference, set_user_message_reference: u16 = USER_MESSAGE_REFERENCE;
    /// user_response_code.
    user_response_code, set_user_response_code: u8 = USER_RESPONSE_CODE;
    /// source_port.
    source_port, set_source_port: u16 = SOURCE_PORT;
    /// destination_port.
    destination_port, set_destination_port: u16 = DESTINATION_PORT;
    /// sar_msg_ref_num: reference shared by the parts of a concatenated message.
    sar_msg_ref_num, set_sar_msg_ref_num: u16 = SAR_MSG_REF_NUM;
    /// language_indicator.
    language_indicator, set_language_indicator: u8 = LANGUAGE_INDICATOR;
    /// sar_total_segments: number of parts.
    sar_total_segments, set_sar_total_segments: u8 = SAR_TOTAL_SEGMENTS;
    /// sar_segment_seqnum: this part's number, from 1.
    sar_segment_seqnum, set_sar_segment_seqnum: u8 = SAR_SEGMENT_SEQNUM;
    /// sc_interface_version.
    sc_interface_version, set_sc_interface_version: u8 = SC_INTERFACE_VERSION;
    /// callback_num_pres_ind.
    callback_num_pres_ind, set_callback_num_pres_ind: u8 = CALLBACK_NUM_PRES_IND;
    /// number_of_messages.
    number_of_messages, set_number_of_messages: u8 = NUMBER_OF_MESSAGES;
    /// dpf_result.
    dpf_result, set_dpf_result: u8 = DPF_RESULT;
    /// set_dpf.
    set_dpf, set_set_dpf: u8 = SET_DPF;
    /// ms_availability_status.
    ms_availability_status, set_ms_availability_status: u8 = MS_AVAILABILITY_STATUS;
    /// delivery_failure_reason.
    delivery_failure_reason, set_delivery_failure_reason: u8 = DELIVERY_FAILURE_REASON;
    /// more_messages_to_send.
    more_messages_to_send, set_more_messages_to_send: u8 = MORE_MESSAGES_TO_SEND;
    /// ussd_service_op.
    ussd_service_op, set_ussd_service_op: u8 = USSD_SERVICE_OP;
    /// display_time.
    display_time, set_display_time: u8 = DISPLAY_TIME;
    /// sms_signal.
    sms_signal, set_sms_signal: u16 = SMS_SIGNAL;
    /// ms_validity.
    ms_validity, set_ms_validity: u8 = MS_VALIDITY;
    /// its_reply_type.
    its_reply_type, set_its_reply_type: u8 = ITS_REPLY_TYPE;
    /// its_session_info.
    its_session_info, set_its_session_info: u16 = ITS_SESSION_INFO;
}

macro_rules! octet_tlvs {
    ($($(#[$doc:meta])* $get:ident, $set:ident = $tag:ident;)*) => {
        impl Tlvs {
            $(
                $(#[$doc])*
                pub fn $get(&self) -> Option<&Bytes> {
                    self.get(TlvTag::$tag)
                }

                $(#[$doc])* /// The error names the allowed length.
                pub fn $set(&mut self, value: Bytes) -> Result<(), EncodeError> {
                    self.set(Tlv::new(TlvTag::$tag, value)?);
                    Ok(())
                }
            )*
        }
    };
}

octet_tlvs! {
    /// message_payload: the message when it is longer than short_message allows.
    message_payload, set_message_payload = MESSAGE_PAYLOAD;
    /// source_subaddress.
    source_subaddress, set_source_subaddress = SOURCE_SUBADDRESS;
    /// dest_subaddress.
    dest_subaddress, set_dest_subaddress = DEST_SUBADDRESS;
    /// callback_num.
    callback_num, set_callback_num = CALLBACK_NUM;
    /// callback_num_atag.
    callback_num_atag, set_callback_num_atag = CALLBACK_NUM_ATAG;
}

macro_rules! c_string_tlvs {
    ($($(#[$doc:meta])* $get:ident, $set:ident = $tag:ident;)*) => {
        impl Tlvs {
            $(
                $(#[$doc])* /// Without its NUL (tolerates a peer that omits it).
                pub fn $get(&self) -> Option<&[u8]> {
                    let value = self.get(TlvTag::$tag)?;
                    Some(value.strip_suffix(&[0]).unwrap_or(value))
                }

                $(#[$doc])* /// Written with its NUL; the error names the limit.
                pub fn $set(&mut self, value: &str) -> Result<(), EncodeError> {
                    if value.as_bytes().contains(&0) {
                        return Err(EncodeError::InteriorNul { field: stringify!($get) });
                    }
                    let mut octets = BytesMut::with_capacity(value.len() + 1);
                    octets.put_slice(value.as_bytes());
                    octets.put_u8(0);
                    self.set(Tlv::new(TlvTag::$tag, octets.freeze())?);
                    Ok(())
                }
            )*
        }
    };
}

c_string_tlvs! {
    /// receipted_message_id: the SMSC id of the message a receipt is about.
    receipted_message_id, set_receipted_message_id = RECEIPTED_MESSAGE_ID;
    /// additional_status_info_text.
    additional_status_info_text, set_additional_status_info_text = ADDITIONAL_STATUS_INFO_TEXT;
}

impl Tlvs {
    /// message_state (in a delivery receipt).
    pub fn message_state(&self) -> Option<MessageState> {
        match self.get(TlvTag::MESSAGE_STATE)?[..] {
            [state] => Some(MessageState(state)),
            _ => None,
        }
    }

    /// message_state (in a delivery receipt).
    pub fn set_message_state(&mut self, state: MessageState) {
        self.set_checked(TlvTag::MESSAGE_STATE, Bytes::copy_from_slice(&[state.0]));
    }

    /// network_error_code.
    pub fn network_error_code(&self) -> Option<NetworkErrorCode> {
        match self.get(TlvTag::NETWORK_ERROR_CODE)?[..] {
            [network_type, high, low] => Some(NetworkErrorCode {
                network_type,
                error_code: u16::from_be_bytes([high, low]),
            }),
            _ => None,
        }
    }

    /// network_error_code.
    pub fn set_network_error_code(&mut self, code: NetworkErrorCode) {
        let [high, low] = code.error_code.to_be_bytes();
        self.set_checked(
            TlvTag::NETWORK_ERROR_CODE,
            Bytes::copy_from_slice(&[code.network_type, high, low]),
        );
    }

    /// alert_on_message_delivery (a flag: present or not).
    pub fn alert_on_message_delivery(&self) -> bool {
        self.contains(TlvTag::ALERT_ON_MESSAGE_DELIVERY)
    }

    /// alert_on_message_delivery: adds or removes the flag.
    pub fn set_alert_on_message_delivery(&mut self, on: bool) {
        if on {
            self.set_checked(TlvTag::ALERT_ON_MESSAGE_DELIVERY, Bytes::new());
        } else {
            self.remove(TlvTag::ALERT_ON_MESSAGE_DELIVERY);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn typed_setters_round_trip_and_keep_order() {
        let mut tlvs = Tlvs::new();
        tlvs.set_sar_msg_ref_num(0x1234);
        tlvs.set_sar_total_segments(3);
        tlvs.set_sar_segment_seqnum(1);
        tlvs.set_sar_msg_ref_num(0x4321);
        assert_eq!(tlvs.len(), 3);
        assert_eq!(tlvs.sar_msg_ref_num(), Some(0x4321));
        assert_eq!(tlvs.iter().next().unwrap().tag(), TlvTag::SAR_MSG_REF_NUM);
        tlvs.set_receipted_message_id("abc").unwrap();
        assert_eq!(tlvs.receipted_message_id(), Some(&b"abc"[..]));
        assert_eq!(
            tlvs.get(TlvTag::RECEIPTED_MESSAGE_ID).unwrap(),
            &Bytes::from_static(b"abc\0")
        );
        tlvs.set_network_error_code(NetworkErrorCode {
            network_type: 3,
            error_code: 0x0102,
        });
        assert_eq!(
            tlvs.get(TlvTag::NETWORK_ERROR_CODE).unwrap(),
            &Bytes::from_static(&[3, 1, 2])
        );
        tlvs.set_alert_on_message_delivery(true);
        assert!(tlvs.alert_on_message_delivery());
    }

    #[test]
    fn setters_check_lengths() {
        let mut tlvs = Tlvs::new();
        let long = "x".repeat(65);
        assert!(tlvs.set_receipted_message_id(&long).is_err());
        assert!(tlvs.set_callback_num(Bytes::from_static(b"123")).is_err());
        assert!(tlvs
            .set_message_payload(Bytes::from(vec![0u8; 65_536]))
            .is_err());
        assert!(tlvs.is_empty());
    }
}
