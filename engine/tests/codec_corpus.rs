//! Replays the committed fuzz corpus (fuzz/corpus/decode) through the fuzz target's oracle, so
//! CI exercises it without cargo-fuzz.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod codec_common;

use std::path::PathBuf;

use codec_common::golden;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/decode")
}

#[test]
fn replays_every_corpus_file() {
    let mut replayed = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| engine::proto::check_round_trip(&data));
        assert!(outcome.is_ok(), "corpus file {} fails", path.display());
        replayed += 1;
    }
    assert!(replayed >= 29, "only {replayed} corpus files found");
}

/// Writes the golden PDUs (and a few streams built from them) as fuzz seeds:
/// `cargo test -p engine --test codec_corpus -- --ignored`.
#[test]
#[ignore = "regenerates the committed seed corpus"]
fn export_golden_seeds() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let all = golden::all();
    for (name, octets) in &all {
        std::fs::write(dir.join(format!("golden-{name}")), octets).unwrap();
    }
    let stream: Vec<u8> = all.iter().flat_map(|(_, octets)| octets.clone()).collect();
    std::fs::write(dir.join("stream-all-golden"), stream).unwrap();
    let mut bad_then_good = golden::header_only(0x0000_0099, 0, 1);
    bad_then_good.extend(golden::enquire_link_pair());
    std::fs::write(dir.join("stream-unknown-id-then-good"), bad_then_good).unwrap();
}
