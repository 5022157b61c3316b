//! Replays the committed session fuzz corpus (fuzz/corpus/smsc_session) through the fuzz
//! target's oracle, so CI exercises it without cargo-fuzz.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/smsc_session")
}

#[test]
fn replays_every_session_corpus_file() {
    let mut replayed = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| engine::session::check_smsc_stream(&data));
        assert!(outcome.is_ok(), "corpus file {} fails", path.display());
        replayed += 1;
    }
    assert!(replayed >= 20, "only {replayed} corpus files found");
}
