//! SMPP 3.4 wire protocol: PDUs and TLVs, framing, text encodings, concatenation, receipts.
//!
//! Everything here is a pure function of its inputs.

pub mod command;
pub mod concat;
pub mod cstring;
pub mod decoder;
pub mod error;
pub mod message_id;
pub mod pdu;
pub mod reader;
pub mod reassembly;
pub mod receipt;
pub mod status;
pub mod text;
pub mod tlv;
mod tlv_access;
pub mod udh;
pub mod values;
mod writer;

pub use command::CommandId;
pub use cstring::{
    Address, AddressRange, COctetString, LongAddress, MessageId, Password, ServiceType,
    ShortMessage, SmppTime, SystemId, SystemType,
};
pub use decoder::{check_round_trip, Decoder, DEFAULT_MAX_COMMAND_LENGTH};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use pdu::{
    AlertNotification, Bind, BindResp, Body, CancelSm, CountedList, DataSm, DataSmResp, DeliverSm,
    DeliverSmResp, DestAddress, DestAddresses, Outbind, Pdu, QuerySm, QuerySmResp, ReplaceSm,
    SubmitMulti, SubmitMultiResp, SubmitSm, SubmitSmResp, UnsuccessSme, UnsuccessSmes,
};
pub use reader::Reader;
pub use status::CommandStatus;
pub use tlv::{Tlv, TlvTag, Tlvs};
pub use tlv_access::NetworkErrorCode;
pub use values::{esm_class, registered_delivery, MessageState, Npi, Ton, SMPP_VERSION_3_4};
