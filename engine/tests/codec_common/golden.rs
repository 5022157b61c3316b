//! Golden PDUs hand-built from the SMPP 3.4 field tables (sections 4.1-4.12, 5.3.2), one field
//! per line. Shared by the golden tests and the corpus export.

/// Concatenates the field octets of a hand-written PDU.
pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// (name, octets) of every golden PDU.
pub(crate) fn all() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("bind_transmitter", bind_transmitter()),
        ("bind_receiver", bind_receiver()),
        ("bind_transceiver", bind_transceiver()),
        ("bind_transmitter_resp", bind_transmitter_resp()),
        ("bind_receiver_resp_error", bind_receiver_resp_error()),
        ("bind_transceiver_resp", bind_transceiver_resp()),
        ("outbind", outbind()),
        ("unbind", header_only(0x0000_0006, 0, 2)),
        ("unbind_resp", header_only(0x8000_0006, 0, 2)),
        ("generic_nack", header_only(0x8000_0000, 0x03, 77)),
        ("enquire_link", header_only(0x0000_0015, 0, 3)),
        ("enquire_link_resp", header_only(0x8000_0015, 0, 3)),
        ("cancel_sm_resp", header_only(0x8000_0008, 0, 10)),
        ("replace_sm_resp", header_only(0x8000_0007, 0x13, 11)),
        ("submit_sm", submit_sm()),
        ("submit_sm_tlvs", submit_sm_tlvs()),
        ("submit_sm_resp", submit_sm_resp()),
        ("submit_sm_resp_error", submit_sm_resp_error()),
        ("deliver_sm_receipt", deliver_sm_receipt()),
        ("deliver_sm_resp", deliver_sm_resp()),
        ("data_sm", data_sm()),
        ("data_sm_resp", data_sm_resp()),
        ("query_sm", query_sm()),
        ("query_sm_resp", query_sm_resp()),
        ("cancel_sm", cancel_sm()),
        ("replace_sm", replace_sm()),
        ("submit_multi", submit_multi()),
        ("submit_multi_resp", submit_multi_resp()),
        ("alert_notification", alert_notification()),
    ]
}

/// A PDU of header only (command_length 16).
pub(crate) fn header_only(command_id: u32, status: u32, seq: u32) -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x10], // command_length 16
        &command_id.to_be_bytes(), // command_id
        &status.to_be_bytes(),     // command_status
        &seq.to_be_bytes(),        // sequence_number
    ])
}

pub(crate) fn bind_transmitter() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x2A], // command_length 42
        &[0x00, 0x00, 0x00, 0x02], // command_id bind_transmitter
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x01], // sequence_number 1
        b"smppclient\0",           // system_id
        b"secret\0",               // password
        b"VMS\0",                  // system_type
        &[0x34],                   // interface_version 3.4
        &[0x01],                   // addr_ton international
        &[0x01],                   // addr_npi ISDN
        b"\0",                     // address_range empty
    ])
}

pub(crate) fn bind_receiver() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x20], // command_length 32
        &[0x00, 0x00, 0x00, 0x01], // command_id bind_receiver
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x02], // sequence_number 2
        b"rx\0",                   // system_id
        b"pw\0",                   // password
        b"\0",                     // system_type empty
        &[0x34],                   // interface_version
        &[0x00],                   // addr_ton unknown
        &[0x00],                   // addr_npi unknown
        b"^4477\0",                // address_range
    ])
}

pub(crate) fn bind_transceiver() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x22], // command_length 34
        &[0x00, 0x00, 0x00, 0x09], // command_id bind_transceiver
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x03], // sequence_number 3
        b"trx\0",                  // system_id
        b"12345678\0",             // password: 8 characters, the maximum
        b"\0",                     // system_type
        &[0x34],                   // interface_version
        &[0x02],                   // addr_ton national
        &[0x08],                   // addr_npi national
        b"\0",                     // address_range
    ])
}

pub(crate) fn bind_transmitter_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x1A], // command_length 26
        &[0x80, 0x00, 0x00, 0x02], // command_id bind_transmitter_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status ESME_ROK
        &[0x00, 0x00, 0x00, 0x01], // sequence_number 1
        b"SMSC\0",                 // system_id
        &[0x02, 0x10],             // TLV tag sc_interface_version
        &[0x00, 0x01],             // TLV length 1
        &[0x34],                   // TLV value 3.4
    ])
}

pub(crate) fn bind_receiver_resp_error() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x10], // command_length 16: no body on error
        &[0x80, 0x00, 0x00, 0x01], // command_id bind_receiver_resp
        &[0x00, 0x00, 0x00, 0x0E], // command_status ESME_RINVPASWD
        &[0x00, 0x00, 0x00, 0x02], // sequence_number 2
    ])
}

pub(crate) fn bind_transceiver_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x15], // command_length 21
        &[0x80, 0x00, 0x00, 0x09], // command_id bind_transceiver_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x03], // sequence_number 3
        b"SMSC\0",                 // system_id, no TLVs
    ])
}

pub(crate) fn outbind() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x18], // command_length 24
        &[0x00, 0x00, 0x00, 0x0B], // command_id outbind
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x01], // sequence_number 1
        b"smsc\0",                 // system_id
        b"pw\0",                   // password
    ])
}

pub(crate) fn submit_sm() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x46], // command_length 70
        &[0x00, 0x00, 0x00, 0x04], // command_id submit_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x05], // sequence_number 5
        b"\0",                     // service_type default
        &[0x05],                   // source_addr_ton alphanumeric
        &[0x00],                   // source_addr_npi unknown
        b"ACME\0",                 // source_addr
        &[0x01],                   // dest_addr_ton international
        &[0x01],                   // dest_addr_npi ISDN
        b"447700900123\0",         // destination_addr
        &[0x00],                   // esm_class
        &[0x00],                   // protocol_id
        &[0x00],                   // priority_flag
        b"\0",                     // schedule_delivery_time immediate
        b"000001000000000R\0",     // validity_period: relative, one day
        &[0x01],                   // registered_delivery: receipt
        &[0x00],                   // replace_if_present_flag
        &[0x00],                   // data_coding default alphabet
        &[0x00],                   // sm_default_msg_id
        &[0x05],                   // sm_length 5
        b"Hello",                  // short_message
    ])
}

pub(crate) fn submit_sm_tlvs() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x57], // command_length 87
        &[0x00, 0x00, 0x00, 0x04], // command_id submit_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x06], // sequence_number 6
        b"CMT\0",                  // service_type
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"4477\0",                 // source_addr
        &[0x01],                   // dest_addr_ton
        &[0x01],                   // dest_addr_npi
        b"4478\0",                 // destination_addr
        &[0x00],                   // esm_class
        &[0x00],                   // protocol_id
        &[0x01],                   // priority_flag
        b"250102030405000+\0",     // schedule_delivery_time absolute
        b"\0",                     // validity_period default
        &[0x00],                   // registered_delivery
        &[0x00],                   // replace_if_present_flag
        &[0x08],                   // data_coding UCS-2
        &[0x00],                   // sm_default_msg_id
        &[0x04],                   // sm_length 4
        &[0x00, 0x48, 0x00, 0x69], // short_message "Hi" in UCS-2
        &[0x02, 0x0C, 0x00, 0x02], // TLV sar_msg_ref_num, length 2
        &[0x00, 0x2A],             // value 42
        &[0x02, 0x0E, 0x00, 0x01], // TLV sar_total_segments, length 1
        &[0x02],                   // value 2
        &[0x02, 0x0F, 0x00, 0x01], // TLV sar_segment_seqnum, length 1
        &[0x01],                   // value 1
        &[0x14, 0x00, 0x00, 0x03], // vendor TLV 0x1400, length 3
        b"abc",                    // value
    ])
}

pub(crate) fn submit_sm_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x17], // command_length 23
        &[0x80, 0x00, 0x00, 0x04], // command_id submit_sm_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x05], // sequence_number 5
        b"abc123\0",               // message_id
    ])
}

pub(crate) fn submit_sm_resp_error() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x10], // command_length 16: body omitted on error
        &[0x80, 0x00, 0x00, 0x04], // command_id submit_sm_resp
        &[0x00, 0x00, 0x00, 0x45], // command_status ESME_RSUBMITFAIL
        &[0x00, 0x00, 0x00, 0x06], // sequence_number 6
    ])
}

pub(crate) fn deliver_sm_receipt() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x5E], // command_length 94
        &[0x00, 0x00, 0x00, 0x05], // command_id deliver_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x07], // sequence_number 7
        b"\0",                     // service_type
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"447700900123\0",         // source_addr: the handset
        &[0x05],                   // dest_addr_ton
        &[0x00],                   // dest_addr_npi
        b"ACME\0",                 // destination_addr
        &[0x04],                   // esm_class: SMSC delivery receipt
        &[0x00],                   // protocol_id
        &[0x00],                   // priority_flag
        b"\0",                     // schedule_delivery_time (unused)
        b"\0",                     // validity_period (unused)
        &[0x00],                   // registered_delivery
        &[0x00],                   // replace_if_present_flag (unused)
        &[0x00],                   // data_coding
        &[0x00],                   // sm_default_msg_id
        &[0x16],                   // sm_length 22
        b"id:abc123 stat:DELIVRD", // short_message
        &[0x00, 0x1E, 0x00, 0x07], // TLV receipted_message_id, length 7
        b"abc123\0",               // value (C-Octet String)
        &[0x04, 0x27, 0x00, 0x01], // TLV message_state, length 1
        &[0x02],                   // DELIVERED
        &[0x04, 0x23, 0x00, 0x03], // TLV network_error_code, length 3
        &[0x03, 0x00, 0x00],       // GSM, error 0
    ])
}

pub(crate) fn deliver_sm_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x11], // command_length 17
        &[0x80, 0x00, 0x00, 0x05], // command_id deliver_sm_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x07], // sequence_number 7
        b"\0",                     // message_id (unused, empty)
    ])
}

pub(crate) fn data_sm() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x33], // command_length 51
        &[0x00, 0x00, 0x01, 0x03], // command_id data_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x08], // sequence_number 8
        b"\0",                     // service_type
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"12345\0",                // source_addr
        &[0x01],                   // dest_addr_ton
        &[0x01],                   // dest_addr_npi
        b"67890\0",                // destination_addr
        &[0x00],                   // esm_class
        &[0x01],                   // registered_delivery
        &[0x00],                   // data_coding
        &[0x04, 0x24, 0x00, 0x05], // TLV message_payload, length 5
        b"Hello",                  // value
        &[0x02, 0x0A, 0x00, 0x02], // TLV source_port, length 2
        &[0x0B, 0x84],             // 2948 (WAP push)
    ])
}

pub(crate) fn data_sm_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x1D], // command_length 29
        &[0x80, 0x00, 0x01, 0x03], // command_id data_sm_resp
        &[0x00, 0x00, 0x00, 0xFE], // command_status ESME_RDELIVERYFAILURE
        &[0x00, 0x00, 0x00, 0x08], // sequence_number 8
        b"\0",                     // message_id empty
        &[0x04, 0x25, 0x00, 0x01], // TLV delivery_failure_reason, length 1
        &[0x01],                   // destination unavailable
        &[0x00, 0x1D, 0x00, 0x03], // TLV additional_status_info_text, length 3
        b"no\0",                   // value (C-Octet String)
    ])
}

pub(crate) fn query_sm() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x1E], // command_length 30
        &[0x00, 0x00, 0x00, 0x03], // command_id query_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x09], // sequence_number 9
        b"abc123\0",               // message_id
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"4477\0",                 // source_addr
    ])
}

pub(crate) fn query_sm_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x2A], // command_length 42
        &[0x80, 0x00, 0x00, 0x03], // command_id query_sm_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x09], // sequence_number 9
        b"abc123\0",               // message_id
        b"250102030405000+\0",     // final_date
        &[0x02],                   // message_state DELIVERED
        &[0x00],                   // error_code
    ])
}

pub(crate) fn cancel_sm() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x26], // command_length 38
        &[0x00, 0x00, 0x00, 0x08], // command_id cancel_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x0A], // sequence_number 10
        b"\0",                     // service_type
        b"abc123\0",               // message_id
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"4477\0",                 // source_addr
        &[0x01],                   // dest_addr_ton
        &[0x01],                   // dest_addr_npi
        b"4478\0",                 // destination_addr
    ])
}

pub(crate) fn replace_sm() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x26], // command_length 38
        &[0x00, 0x00, 0x00, 0x07], // command_id replace_sm
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x0B], // sequence_number 11
        b"abc123\0",               // message_id
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"4477\0",                 // source_addr
        b"\0",                     // schedule_delivery_time
        b"\0",                     // validity_period
        &[0x01],                   // registered_delivery
        &[0x00],                   // sm_default_msg_id
        &[0x03],                   // sm_length 3
        b"new",                    // short_message
    ])
}

pub(crate) fn submit_multi() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x34], // command_length 52
        &[0x00, 0x00, 0x00, 0x21], // command_id submit_multi
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x0C], // sequence_number 12
        b"\0",                     // service_type
        &[0x05],                   // source_addr_ton
        &[0x00],                   // source_addr_npi
        b"ACME\0",                 // source_addr
        &[0x02],                   // number_of_dests 2
        &[0x01],                   // dest_flag: SME address
        &[0x01],                   //   dest_addr_ton
        &[0x01],                   //   dest_addr_npi
        b"4477\0",                 //   destination_addr
        &[0x02],                   // dest_flag: distribution list
        b"staff\0",                //   dl_name
        &[0x00],                   // esm_class
        &[0x00],                   // protocol_id
        &[0x00],                   // priority_flag
        b"\0",                     // schedule_delivery_time
        b"\0",                     // validity_period
        &[0x00],                   // registered_delivery
        &[0x00],                   // replace_if_present_flag
        &[0x00],                   // data_coding
        &[0x00],                   // sm_default_msg_id
        &[0x02],                   // sm_length 2
        b"Hi",                     // short_message
    ])
}

pub(crate) fn submit_multi_resp() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x20], // command_length 32
        &[0x80, 0x00, 0x00, 0x21], // command_id submit_multi_resp
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x0C], // sequence_number 12
        b"m42\0",                  // message_id
        &[0x01],                   // no_unsuccess 1
        &[0x01],                   //   dest_addr_ton
        &[0x01],                   //   dest_addr_npi
        b"4479\0",                 //   destination_addr
        &[0x00, 0x00, 0x00, 0x0B], //   error_status_code ESME_RINVDSTADR
    ])
}

pub(crate) fn alert_notification() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x23], // command_length 35
        &[0x00, 0x00, 0x01, 0x02], // command_id alert_notification
        &[0x00, 0x00, 0x00, 0x00], // command_status
        &[0x00, 0x00, 0x00, 0x0D], // sequence_number 13
        &[0x01],                   // source_addr_ton
        &[0x01],                   // source_addr_npi
        b"4477\0",                 // source_addr
        &[0x01],                   // esme_addr_ton
        &[0x01],                   // esme_addr_npi
        b"9999\0",                 // esme_addr
        &[0x04, 0x22, 0x00, 0x01], // TLV ms_availability_status, length 1
        &[0x00],                   // available
    ])
}

/// enquire_link followed by its response, as one stream.
pub(crate) fn enquire_link_pair() -> Vec<u8> {
    cat(&[
        &header_only(0x0000_0015, 0, 4),
        &header_only(0x8000_0015, 0, 4),
    ])
}
