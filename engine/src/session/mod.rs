//! Per-connection SMPP session state machines (ESME and SMSC roles), sans-io.
