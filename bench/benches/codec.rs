//! Codec micro-benchmarks: our engine::proto against rusmpp 0.4 and smpp34 1.5 on the same
//! bytes (see bench/README.md for what each measurement covers).
//!
//! `cargo bench -p bench --bench codec -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use bench::{cases, ours, Case};
use bytes::BytesMut;
use criterion::measurement::Measurement;
use criterion::{BatchSize, BenchmarkId, Criterion};
use engine::proto::Decoder;
use rusmpp::tokio_codec::CommandCodec;

mod clock;
mod peers;

use peers::rusmpp_codec;
use peers::smpp34_codec::{self, Smpp34Pdu};

/// Receive and send buffers start this large, as a session's would, so growth is not timed.
const BUFFER_CAPACITY: usize = 4096;

/// PDU copies prepared per batch for smpp34's consuming encoder (a few hundred KiB at most).
const SMPP34_ENCODE_BATCH: u64 = 256;

fn buffer() -> BytesMut {
    BytesMut::with_capacity(BUFFER_CAPACITY)
}

fn main() {
    if std::env::var_os("CODEC_BENCH_WALL_CLOCK").is_some() {
        run(Criterion::default());
    } else {
        run(Criterion::default().with_measurement(clock::ThreadCpuTime));
    }
}

fn run<M: Measurement + 'static>(criterion: Criterion<M>) {
    let mut criterion = criterion.configure_from_args();
    codec_benches(&mut criterion);
    criterion.final_summary();
}

fn codec_benches<M: Measurement + 'static>(c: &mut Criterion<M>) {
    let cases = match cases::all() {
        Ok(cases) => cases,
        Err(err) => panic!("building the benchmark cases failed: {err}"),
    };
    for case in &cases {
        preflight(case);
        bench_case(c, case);
    }
}

/// Each adapter must decode the whole case and relay it byte-exact before it is timed (the
/// equivalence test checks the details); timing a failure would be worse than no number.
fn preflight(case: &Case) {
    let wire = case.wire();
    let frames = case.frames.len();
    let decoder = Decoder::default();
    let (mut rx, mut tx) = (buffer(), buffer());

    rx.extend_from_slice(&wire);
    match ours::relay_burst(&decoder, &mut rx, &mut tx) {
        Ok(n) => assert_eq!((n, &tx[..]), (frames, &wire[..]), "ours on {}", case.name),
        Err(err) => panic!("ours fails on {}: {err}", case.name),
    }

    let mut codec = CommandCodec::new();
    rx.extend_from_slice(&wire);
    match rusmpp_codec::relay_burst(&mut codec, &mut rx, &mut tx) {
        Ok(n) => assert_eq!((n, &tx[..]), (frames, &wire[..]), "rusmpp on {}", case.name),
        Err(err) => panic!("rusmpp fails on {}: {err}", case.name),
    }

    let mut out = Vec::new();
    rx.extend_from_slice(&wire);
    match smpp34_codec::relay_burst(&mut rx, |v| out.extend(v)) {
        Ok(n) => assert_eq!(
            (n, &out[..]),
            (frames, &wire[..]),
            "smpp34 on {}",
            case.name
        ),
        Err(err) => panic!("smpp34 fails on {}: {err:?}", case.name),
    }
}

fn bench_case<M: Measurement + 'static>(c: &mut Criterion<M>, case: &Case) {
    let wire = case.wire();
    let rusmpp_commands: Vec<rusmpp::Command> =
        match case.pdus.iter().map(rusmpp_codec::from_ours).collect() {
            Ok(commands) => commands,
            Err(err) => panic!("rusmpp cannot express {}: {err}", case.name),
        };
    let smpp34_pdus: Vec<Smpp34Pdu> = match case.pdus.iter().map(smpp34_codec::from_ours).collect()
    {
        Ok(pdus) => pdus,
        Err(err) => panic!("smpp34 cannot express {}: {err}", case.name),
    };
    let mut group = c.benchmark_group(case.name);

    // Decode: one read's bytes land in the receive buffer, the codec takes every PDU out.
    group.bench_function(BenchmarkId::new("decode", "ours"), |b| {
        let decoder = Decoder::default();
        let mut rx = buffer();
        b.iter(|| {
            rx.extend_from_slice(&wire);
            ours::decode_burst(&decoder, &mut rx)
        })
    });
    group.bench_function(BenchmarkId::new("decode", "rusmpp"), |b| {
        let mut codec = CommandCodec::new();
        let mut rx = buffer();
        b.iter(|| {
            rx.extend_from_slice(&wire);
            rusmpp_codec::decode_burst(&mut codec, &mut rx)
        })
    });
    group.bench_function(BenchmarkId::new("decode", "smpp34"), |b| {
        let mut rx = buffer();
        b.iter(|| {
            rx.extend_from_slice(&wire);
            smpp34_codec::decode_burst(&mut rx)
        })
    });

    // Encode: already-built PDUs into a reused send buffer (smpp34: its Vec per PDU).
    group.bench_function(BenchmarkId::new("encode", "ours"), |b| {
        let mut tx = buffer();
        b.iter(|| {
            ours::encode_all(&case.pdus, &mut tx);
            tx.len()
        })
    });
    group.bench_function(BenchmarkId::new("encode", "rusmpp"), |b| {
        let mut codec = CommandCodec::new();
        let mut tx = buffer();
        b.iter(|| {
            rusmpp_codec::encode_all(&mut codec, &rusmpp_commands, &mut tx).map(|()| tx.len())
        })
    });
    group.bench_function(BenchmarkId::new("encode", "smpp34"), |b| {
        // smpp34's encoder consumes the PDU, so each iteration needs its own copy: the copies
        // are made outside the timing, in batches small enough to stay in cache, and their
        // containers are dropped outside it too.
        b.iter_batched_ref(
            || smpp34_pdus.clone(),
            |pdus| smpp34_codec::encode_each(pdus, |v| drop(black_box(v))),
            BatchSize::NumIterations(SMPP34_ENCODE_BATCH),
        )
    });

    // Decode + encode: what a relay does with each PDU it receives.
    group.bench_function(BenchmarkId::new("decode_encode", "ours"), |b| {
        let decoder = Decoder::default();
        let (mut rx, mut tx) = (buffer(), buffer());
        b.iter(|| {
            rx.extend_from_slice(&wire);
            ours::relay_burst(&decoder, &mut rx, &mut tx)
        })
    });
    group.bench_function(BenchmarkId::new("decode_encode", "rusmpp"), |b| {
        let mut codec = CommandCodec::new();
        let (mut rx, mut tx) = (buffer(), buffer());
        b.iter(|| {
            rx.extend_from_slice(&wire);
            rusmpp_codec::relay_burst(&mut codec, &mut rx, &mut tx)
        })
    });
    group.bench_function(BenchmarkId::new("decode_encode", "smpp34"), |b| {
        let mut rx = buffer();
        b.iter(|| {
            rx.extend_from_slice(&wire);
            smpp34_codec::relay_burst(&mut rx, |v| drop(black_box(v)))
        })
    });

    group.finish();
}
