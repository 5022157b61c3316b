//! SMSC-side session fuzz target: byte scripts of peer input, clock steps and caller commands
//! into the oracle that lives beside the session machine.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| engine::session::check_smsc_stream(data));
