//! Decoder fuzz target: a shim into the round-trip oracle that lives beside the codec.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| engine::proto::check_round_trip(data));
