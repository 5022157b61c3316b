//! Runs the codec measurements of `benches/codec.rs` outside criterion, for instruction-level
//! profiling (perf has no hardware counters on the development machine) and for cross-checks
//! that are robust to a busy machine.
//!
//! ```text
//! cargo build --release -p bench --example profile_codec
//! P=target/release/examples/profile_codec
//!
//! # one measurement in a loop, under callgrind
//! valgrind --tool=callgrind --callgrind-out-file=cg.out $P submit_sm decode ours 10000
//! callgrind_annotate cg.out | head -60
//!
//! # every case and operation, codecs interleaved round by round (thread CPU time, median)
//! $P --interleaved [rounds] [iterations]
//!
//! # what the Bytes reference counts cost: our Pdu::decode of the same frame held in a
//! # shared buffer (atomic increment/decrement per field slice) or in a static one (none)
//! $P --refcounts [rounds] [iterations]
//! ```
//!
//! Cases: see `bench::cases`; operations: `decode`, `encode`, `decode_encode`; codecs: `ours`,
//! `rusmpp`, `smpp34`.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Duration;

use bench::{cases, ours, Case};
use bytes::{Bytes, BytesMut};
use cpu_time::ThreadTime;
use engine::proto::{Decoder, Pdu};
use rusmpp::tokio_codec::CommandCodec;

#[path = "../benches/peers/mod.rs"]
mod peers;

use peers::rusmpp_codec;
use peers::smpp34_codec::{self, Smpp34Pdu};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Decode,
    Encode,
    DecodeEncode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Ours,
    Rusmpp,
    Smpp34,
}

const OPS: [(Op, &str); 3] = [
    (Op::Decode, "decode"),
    (Op::Encode, "encode"),
    (Op::DecodeEncode, "decode_encode"),
];
const CODECS: [(Codec, &str); 3] = [
    (Codec::Ours, "ours"),
    (Codec::Rusmpp, "rusmpp"),
    (Codec::Smpp34, "smpp34"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let all = cases::all().map_err(|e| format!("building the cases failed: {e}"))?;
    let number = |at: usize, default: u64| -> Result<u64, String> {
        args.get(at).map_or(Ok(default), |n| {
            n.parse().map_err(|e| format!("{n:?}: {e}"))
        })
    };
    match args.first().map(String::as_str) {
        Some("--interleaved") => interleaved(&all, number(1, 15)?, number(2, 20_000)?),
        Some("--refcounts") => refcounts(&all, number(1, 15)?, number(2, 20_000)?),
        Some(case) => {
            let case = all
                .iter()
                .find(|c| c.name == case)
                .ok_or_else(|| format!("unknown case {case:?}"))?;
            let op = lookup(&OPS, args.get(1))?;
            let codec = lookup(&CODECS, args.get(2))?;
            let mut state = State::new(case)?;
            for _ in 0..number(3, 10_000)? {
                state.step(op, codec)?;
            }
            Ok(())
        }
        None => Err(
            "usage: profile_codec <case> <decode|encode|decode_encode> <ours|rusmpp|smpp34> \
             [iterations] | --interleaved [rounds] [iterations] | --refcounts [rounds] [iterations]"
                .into(),
        ),
    }
}

fn lookup<T: Copy>(table: &[(T, &str)], name: Option<&String>) -> Result<T, String> {
    let names: Vec<_> = table.iter().map(|(_, n)| *n).collect();
    table
        .iter()
        .find(|(_, n)| Some(*n) == name.map(String::as_str))
        .map(|(v, _)| *v)
        .ok_or_else(|| format!("expected one of {names:?}, got {name:?}"))
}

/// Everything one measurement step needs, built once per case (as the bench does).
struct State<'a> {
    case: &'a Case,
    wire: Vec<u8>,
    rx: BytesMut,
    tx: BytesMut,
    decoder: Decoder,
    rusmpp: CommandCodec,
    rusmpp_commands: Vec<rusmpp::Command>,
    smpp34_pdus: Vec<Smpp34Pdu>,
    smpp34_copy: Vec<Smpp34Pdu>,
}

impl<'a> State<'a> {
    fn new(case: &'a Case) -> Result<Self, String> {
        Ok(Self {
            case,
            wire: case.wire(),
            rx: BytesMut::with_capacity(4096),
            tx: BytesMut::with_capacity(4096),
            decoder: Decoder::default(),
            rusmpp: CommandCodec::new(),
            rusmpp_commands: case
                .pdus
                .iter()
                .map(rusmpp_codec::from_ours)
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            smpp34_pdus: case
                .pdus
                .iter()
                .map(smpp34_codec::from_ours)
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            smpp34_copy: Vec::new(),
        })
    }

    /// One iteration of a measurement, exactly as the bench times it (smpp34's encode also
    /// clones its input here, as it must; `--interleaved` leaves that copy out of the timing).
    fn step(&mut self, op: Op, codec: Codec) -> Result<(), String> {
        let Self { rx, tx, wire, .. } = self;
        match (op, codec) {
            (Op::Decode | Op::DecodeEncode, _) => rx.extend_from_slice(wire),
            (Op::Encode, Codec::Smpp34) => self.smpp34_copy.clone_from(&self.smpp34_pdus),
            (Op::Encode, _) => {}
        }
        match (op, codec) {
            (Op::Decode, Codec::Ours) => {
                black_box(ours::decode_burst(&self.decoder, rx).map_err(|e| e.to_string())?);
            }
            (Op::Decode, Codec::Rusmpp) => {
                let n = rusmpp_codec::decode_burst(&mut self.rusmpp, rx);
                black_box(n.map_err(|e| e.to_string())?);
            }
            (Op::Decode, Codec::Smpp34) => {
                black_box(smpp34_codec::decode_burst(rx).map_err(|e| format!("{e:?}"))?);
            }
            (Op::Encode, Codec::Ours) => ours::encode_all(&self.case.pdus, tx),
            (Op::Encode, Codec::Rusmpp) => {
                rusmpp_codec::encode_all(&mut self.rusmpp, &self.rusmpp_commands, tx)
                    .map_err(|e| e.to_string())?;
            }
            (Op::Encode, Codec::Smpp34) => {
                smpp34_codec::encode_each(&mut self.smpp34_copy, |v| drop(black_box(v)));
            }
            (Op::DecodeEncode, Codec::Ours) => {
                let n = ours::relay_burst(&self.decoder, rx, tx);
                black_box(n.map_err(|e| e.to_string())?);
            }
            (Op::DecodeEncode, Codec::Rusmpp) => {
                let n = rusmpp_codec::relay_burst(&mut self.rusmpp, rx, tx);
                black_box(n.map_err(|e| e.to_string())?);
            }
            (Op::DecodeEncode, Codec::Smpp34) => {
                let n = smpp34_codec::relay_burst(rx, |v| drop(black_box(v)));
                black_box(n.map_err(|e| format!("{e:?}"))?);
            }
        }
        black_box(&self.tx);
        Ok(())
    }

    /// Thread CPU time of `iterations` steps, ns per step; smpp34's encode input copies are
    /// made before each step's timing and not counted.
    fn time(&mut self, op: Op, codec: Codec, iterations: u64) -> Result<f64, String> {
        let mut total = Duration::ZERO;
        if (op, codec) == (Op::Encode, Codec::Smpp34) {
            for _ in 0..iterations {
                let mut copy = self.smpp34_pdus.clone();
                let start = ThreadTime::now();
                smpp34_codec::encode_each(&mut copy, |v| drop(black_box(v)));
                total += start.elapsed();
            }
            // Each step above also timed one clock read; take that out.
            let clock = clock_read_ns();
            return Ok(total.as_nanos() as f64 / iterations as f64 - clock);
        }
        let start = ThreadTime::now();
        for _ in 0..iterations {
            self.step(op, codec)?;
        }
        total += start.elapsed();
        Ok(total.as_nanos() as f64 / iterations as f64)
    }
}

/// The CPU time one `ThreadTime::now()` read costs, ns.
fn clock_read_ns() -> f64 {
    let reads = 10_000u32;
    let start = ThreadTime::now();
    for _ in 0..reads {
        black_box(ThreadTime::now());
    }
    start.elapsed().as_nanos() as f64 / f64::from(reads)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Each round times every codec once, in a rotating order, so a busy minute hits all of them;
/// prints the median over rounds.
fn interleaved(all: &[Case], rounds: u64, iterations: u64) -> Result<(), String> {
    println!("thread CPU ns per message, median of {rounds} interleaved rounds of {iterations}");
    println!("| case | operation | ours | rusmpp | smpp34 | rusmpp / ours | smpp34 / ours |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for case in all {
        let mut state = State::new(case)?;
        for (op, op_name) in OPS {
            let mut samples = vec![Vec::new(); CODECS.len()];
            for round in 0..rounds {
                for k in 0..CODECS.len() {
                    let at = (k + round as usize) % CODECS.len();
                    samples[at].push(state.time(op, CODECS[at].0, iterations)?);
                }
            }
            let [ours, rusmpp, smpp34] = [0, 1, 2].map(|i| median(samples[i].clone()));
            println!(
                "| {} | {op_name} | {ours:.1} | {rusmpp:.1} | {smpp34:.1} | {:.2} | {:.2} |",
                case.name,
                rusmpp / ours,
                smpp34 / ours
            );
        }
    }
    Ok(())
}

/// Our `Pdu::decode` of each case's frames from a shared buffer (each field slice and its drop
/// is an atomic read-modify-write on the buffer's reference count) and from a static one (a
/// slice of static memory is counted by nobody), interleaved; the difference is what the
/// reference counting costs on this machine.
fn refcounts(all: &[Case], rounds: u64, iterations: u64) -> Result<(), String> {
    println!("thread CPU ns per message, median of {rounds} interleaved rounds of {iterations}");
    println!("| case | shared frame | static frame | difference |");
    println!("|---|---:|---:|---:|");
    for case in all {
        let shared: Vec<Bytes> = case
            .frames
            .iter()
            .map(|f| BytesMut::from(&f[..]).freeze())
            .collect();
        let statics: Vec<Bytes> = case
            .frames
            .iter()
            .map(|f| Bytes::from_static(f.to_vec().leak()))
            .collect();
        let decode_all = |frames: &[Bytes]| -> Result<f64, String> {
            let start = ThreadTime::now();
            for _ in 0..iterations {
                for frame in frames {
                    let pdu = Pdu::decode(frame.clone()).map_err(|e| e.to_string())?;
                    black_box(&pdu);
                }
            }
            Ok(start.elapsed().as_nanos() as f64 / iterations as f64)
        };
        let (mut with_counts, mut without) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            with_counts.push(decode_all(&shared)?);
            without.push(decode_all(&statics)?);
        }
        let (a, b) = (median(with_counts), median(without));
        println!("| {} | {a:.1} | {b:.1} | {:.1} |", case.name, a - b);
    }
    Ok(())
}
