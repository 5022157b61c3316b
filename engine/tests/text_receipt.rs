//! Delivery receipts: parsing real-world variants, TLV preference, state mappings, formatting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use engine::proto::receipt::{Receipt, ReceiptDate, ReceiptFormat, ReceiptState, ReceiptText};
use proptest::prelude::*;

fn date(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: Option<u8>) -> ReceiptDate {
    ReceiptDate {
        year,
        month,
        day,
        hour,
        minute,
        second,
    }
}

#[test]
fn parses_the_standard_text() {
    let r = ReceiptText::parse(
        "id:0123456789 sub:001 dlvrd:001 submit date:2311211000 done date:2311211001 stat:DELIVRD err:000 text:Hello world",
    );
    assert_eq!(r.id, Some("0123456789"));
    assert_eq!(r.sub, Some("001"));
    assert_eq!(r.dlvrd, Some("001"));
    assert_eq!(r.submit_date, Some("2311211000"));
    assert_eq!(r.done_date, Some("2311211001"));
    assert_eq!(r.stat, Some("DELIVRD"));
    assert_eq!(r.err, Some("000"));
    assert_eq!(r.text, Some("Hello world"));
    assert_eq!(r.state(), Some(ReceiptState::Delivered));
    assert_eq!(r.submit_date(), Some(date(2023, 11, 21, 10, 0, None)));
    assert_eq!(r.done_date(), Some(date(2023, 11, 21, 10, 1, None)));
    assert!(r.looks_like_receipt());
}

#[test]
fn parses_upper_case_12_and_14_digit_dates_and_4_digit_err() {
    let r = ReceiptText::parse(
        "ID:7F3A21 SUB:001 DLVRD:000 SUBMIT DATE:231121100005 DONE DATE:20231121100107 STAT:undeliv ERR:0012 TEXT:",
    );
    assert_eq!(r.id, Some("7F3A21"));
    assert_eq!(r.state(), Some(ReceiptState::Undeliverable));
    assert_eq!(r.submit_date(), Some(date(2023, 11, 21, 10, 0, Some(5))));
    assert_eq!(r.done_date(), Some(date(2023, 11, 21, 10, 1, Some(7))));
    assert_eq!(r.err, Some("0012"));
    assert_eq!(r.text, Some(""));
}

#[test]
fn tolerates_missing_fields_spaces_and_variants() {
    let r = ReceiptText::parse(
        "  id: 12345   submit_date:2311211000 Done  Date : 2311211001  stat : EXPIRED   err:1",
    );
    assert_eq!(r.id, Some("12345"));
    assert_eq!(r.sub, None);
    assert_eq!(r.dlvrd, None);
    assert_eq!(r.submit_date, Some("2311211000"));
    assert_eq!(r.done_date, Some("2311211001"));
    assert_eq!(r.state(), Some(ReceiptState::Expired));
    assert_eq!(r.err, Some("1"));
    assert_eq!(r.text, None);

    // A key with no value leaves the field empty instead of swallowing the next key.
    let r = ReceiptText::parse("id: sub:001 stat:ACCEPTD");
    assert_eq!(r.id, None);
    assert_eq!(r.sub, Some("001"));
    assert_eq!(r.state(), Some(ReceiptState::Accepted));

    let r = ReceiptText::parse("id:abc stat:REJECTED");
    assert_eq!(r.state(), Some(ReceiptState::Rejected));
    let r = ReceiptText::parse("id:abc stat:WHATEVER");
    assert_eq!(r.stat, Some("WHATEVER"));
    assert_eq!(r.state(), None);
}

#[test]
fn text_runs_to_the_end_and_is_not_parsed() {
    let r = ReceiptText::parse("id:1 stat:DELIVRD text:stat:EXPIRED id:2 ünïcødé");
    assert_eq!(r.id, Some("1"));
    assert_eq!(r.state(), Some(ReceiptState::Delivered));
    assert_eq!(r.text, Some("stat:EXPIRED id:2 ünïcødé"));
}

#[test]
fn first_occurrence_wins_and_lookalike_keys_are_ignored() {
    let r = ReceiptText::parse("status:FOO idx:9 id:1 id:2 stat:DELIVRD");
    assert_eq!(r.id, Some("1"));
    assert_eq!(r.stat, Some("DELIVRD"));
    assert!(!ReceiptText::parse("Hello, how are you?").looks_like_receipt());
}

#[test]
fn bad_dates_do_not_parse() {
    for bad in [
        "2313211000",
        "2311321000",
        "2311212400",
        "2311211060",
        "231121100",
        "23112110000",
        "2311211000xx",
        "",
    ] {
        assert_eq!(ReceiptDate::parse(bad), None, "{bad}");
    }
    assert_eq!(ReceiptDate::parse("231121100060"), None);
    assert_eq!(
        ReceiptDate::parse_any("2026-11-21T10:00:01Z"),
        Some(date(2026, 11, 21, 10, 0, Some(1)))
    );
    assert_eq!(
        ReceiptDate::parse_rfc3339("2026-11-21T10:00+02:00"),
        Some(date(2026, 11, 21, 10, 0, None))
    );
    assert_eq!(ReceiptDate::parse_rfc3339("2026/11/21T10:00:01Z"), None);
}

#[test]
fn tlvs_are_preferred_over_the_text() {
    let text = ReceiptText::parse("id:111 stat:UNDELIV err:001");
    let r = Receipt::new(text, Some("abc"), Some(2));
    assert_eq!(r.message_id, Some("abc"));
    assert_eq!(r.state, Some(ReceiptState::Delivered));
    assert_eq!(r.fields.err, Some("001"));

    let r = Receipt::new(text, None, None);
    assert_eq!(r.message_id, Some("111"));
    assert_eq!(r.state, Some(ReceiptState::Undeliverable));

    // An empty id TLV and an out-of-range state fall back to the text.
    let r = Receipt::new(text, Some("\0"), Some(9));
    assert_eq!(r.message_id, Some("111"));
    assert_eq!(r.state, Some(ReceiptState::Undeliverable));

    // TLVs alone, no text at all.
    let r = Receipt::new(ReceiptText::parse(""), Some("9"), Some(5));
    assert_eq!(r.message_id, Some("9"));
    assert_eq!(r.state, Some(ReceiptState::Undeliverable));
}

#[test]
fn state_mappings() {
    let table = [
        (ReceiptState::Enroute, "ENROUTE", 1, "enroute"),
        (ReceiptState::Delivered, "DELIVRD", 2, "delivered"),
        (ReceiptState::Expired, "EXPIRED", 3, "expired"),
        (ReceiptState::Deleted, "DELETED", 4, "deleted"),
        (ReceiptState::Undeliverable, "UNDELIV", 5, "undeliverable"),
        (ReceiptState::Accepted, "ACCEPTD", 6, "accepted"),
        (ReceiptState::Unknown, "UNKNOWN", 7, "unknown"),
        (ReceiptState::Rejected, "REJECTD", 8, "rejected"),
    ];
    for (state, stat, value, status) in table {
        assert_eq!(state.stat(), stat);
        assert_eq!(ReceiptState::from_stat(stat), Some(state));
        assert_eq!(ReceiptState::from_stat(&stat.to_lowercase()), Some(state));
        assert_eq!(state.message_state(), value);
        assert_eq!(ReceiptState::from_message_state(value), Some(state));
        assert_eq!(state.status(), status);
        assert_eq!(ReceiptState::from_status(status), Some(state));
    }
    assert_eq!(ReceiptState::from_message_state(0), None);
    assert_eq!(ReceiptState::from_message_state(9), None);
}

#[test]
fn formats_the_standard_text() {
    let f = ReceiptFormat {
        id: "184467",
        submitted: 1,
        delivered: 1,
        submit_date: date(2026, 11, 21, 10, 0, Some(59)),
        done_date: date(2026, 11, 21, 10, 5, None),
        state: ReceiptState::Delivered,
        err: "0",
        text: "Hello world, this is longer than twenty characters",
    };
    assert_eq!(
        f.to_string(),
        "id:184467 sub:001 dlvrd:001 submit date:2611211000 done date:2611211005 stat:DELIVRD err:000 text:Hello world, this is"
    );
    let f = ReceiptFormat {
        err: "0012",
        text: "",
        ..f
    };
    assert!(f.to_string().ends_with("err:0012 text:"));
    let f = ReceiptFormat { err: "", ..f };
    assert!(f.to_string().ends_with("err:000 text:"));
}

proptest! {
    #[test]
    fn formatted_receipts_parse_back(
        id in "[0-9A-Za-z-]{1,40}",
        submitted in 0u16..1000,
        delivered in 0u16..1000,
        state_index in 0usize..8,
        minute in 0u8..60,
        err in "[0-9]{3,4}",
        text in ".{0,30}",
    ) {
        let d = date(2024, 2, 29, 23, minute, None);
        let state = ReceiptState::ALL[state_index];
        let formatted = ReceiptFormat { id: &id, submitted, delivered, submit_date: d, done_date: d, state, err: &err, text: &text }.to_string();
        let parsed = ReceiptText::parse(&formatted);
        prop_assert_eq!(parsed.id, Some(id.as_str()));
        let sub = format!("{submitted:03}");
        prop_assert_eq!(parsed.sub, Some(sub.as_str()));
        prop_assert_eq!(parsed.state(), Some(state));
        prop_assert_eq!(parsed.submit_date(), Some(d));
        prop_assert_eq!(parsed.err, Some(err.as_str()));
        let head: String = text.chars().take(20).collect();
        prop_assert_eq!(parsed.text, Some(head.as_str()));
    }

    #[test]
    fn parsing_anything_never_panics(s in any::<String>()) {
        let r = ReceiptText::parse(&s);
        let _ = (r.state(), r.submit_date(), r.done_date());
    }
}
