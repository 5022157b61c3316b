//! Runs one codec measurement in a plain loop, for instruction-level profiling where perf is not
//! available:
//!
//! ```text
//! cargo build --release -p bench --example profile_codec
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/examples/profile_codec submit_sm decode ours 10000
//! callgrind_annotate cg.out | head -60
//! ```
//!
//! Arguments: case name (see `bench::cases`), operation (`decode`, `encode`, `decode_encode`),
//! codec (`ours`, `rusmpp`, `smpp34`), iterations (default 10000).

use std::hint::black_box;
use std::process::ExitCode;

use bench::{cases, ours, Case};
use bytes::BytesMut;
use engine::proto::Decoder;
use rusmpp::tokio_codec::CommandCodec;

#[path = "../benches/peers/mod.rs"]
mod peers;

use peers::rusmpp_codec;
use peers::smpp34_codec::{self, Smpp34Pdu};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [case, operation, codec, rest @ ..] = &args[..] else {
        eprintln!("usage: profile_codec <case> <decode|encode|decode_encode> <ours|rusmpp|smpp34> [iterations]");
        return ExitCode::FAILURE;
    };
    let iterations = match rest.first().map(|n| n.parse::<u64>()) {
        None => 10_000,
        Some(Ok(n)) => n,
        Some(Err(err)) => {
            eprintln!("iterations: {err}");
            return ExitCode::FAILURE;
        }
    };
    let all = match cases::all() {
        Ok(all) => all,
        Err(err) => {
            eprintln!("building the cases failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    let Some(case) = all.iter().find(|c| c.name == case) else {
        let names: Vec<_> = all.iter().map(|c| c.name).collect();
        eprintln!("unknown case {case:?}; cases: {names:?}");
        return ExitCode::FAILURE;
    };
    match run(case, operation, codec, iterations) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

fn run(case: &Case, operation: &str, codec: &str, iterations: u64) -> Result<(), String> {
    let wire = case.wire();
    let mut rx = BytesMut::with_capacity(4096);
    let mut tx = BytesMut::with_capacity(4096);
    let decoder = Decoder::default();
    let mut rusmpp = CommandCodec::new();
    let rusmpp_commands: Vec<rusmpp::Command> = case
        .pdus
        .iter()
        .map(rusmpp_codec::from_ours)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let smpp34_pdus: Vec<Smpp34Pdu> = case
        .pdus
        .iter()
        .map(smpp34_codec::from_ours)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for _ in 0..iterations {
        match (operation, codec) {
            ("decode", "ours") => {
                rx.extend_from_slice(&wire);
                black_box(ours::decode_burst(&decoder, &mut rx).map_err(|e| e.to_string())?);
            }
            ("decode", "rusmpp") => {
                rx.extend_from_slice(&wire);
                black_box(
                    rusmpp_codec::decode_burst(&mut rusmpp, &mut rx).map_err(|e| e.to_string())?,
                );
            }
            ("decode", "smpp34") => {
                rx.extend_from_slice(&wire);
                black_box(smpp34_codec::decode_burst(&mut rx).map_err(|e| format!("{e:?}"))?);
            }
            ("encode", "ours") => ours::encode_all(&case.pdus, &mut tx),
            ("encode", "rusmpp") => {
                rusmpp_codec::encode_all(&mut rusmpp, &rusmpp_commands, &mut tx)
                    .map_err(|e| e.to_string())?;
            }
            ("encode", "smpp34") => {
                smpp34_codec::encode_each(&mut smpp34_pdus.clone(), |v| drop(black_box(v)));
            }
            ("decode_encode", "ours") => {
                rx.extend_from_slice(&wire);
                black_box(
                    ours::relay_burst(&decoder, &mut rx, &mut tx).map_err(|e| e.to_string())?,
                );
            }
            ("decode_encode", "rusmpp") => {
                rx.extend_from_slice(&wire);
                black_box(
                    rusmpp_codec::relay_burst(&mut rusmpp, &mut rx, &mut tx)
                        .map_err(|e| e.to_string())?,
                );
            }
            ("decode_encode", "smpp34") => {
                rx.extend_from_slice(&wire);
                black_box(
                    smpp34_codec::relay_burst(&mut rx, |v| drop(black_box(v)))
                        .map_err(|e| format!("{e:?}"))?,
                );
            }
            _ => return Err(format!("unknown operation/codec {operation}/{codec}")),
        }
        black_box(&tx);
    }
    Ok(())
}
