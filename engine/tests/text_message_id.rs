//! Message-id normalisation: submit_sm_resp ids and receipt ids match across hex/decimal, case
//! and leading zeros, through the two-index store the module documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use engine::proto::message_id::{self, Index, MessageIdKey};
use proptest::prelude::*;

/// The store the module doc describes: primary and alternate indexes, key -> core id.
#[derive(Default)]
struct Store {
    primary: HashMap<MessageIdKey, &'static str>,
    alternate: HashMap<MessageIdKey, &'static str>,
}

impl Store {
    fn record(&mut self, submit_id: &str, core_id: &'static str) {
        let keys = message_id::keys(submit_id).unwrap();
        self.primary.insert(keys.primary, core_id);
        if let Some(alternate) = keys.alternate {
            self.alternate.insert(alternate, core_id);
        }
    }

    fn find(&self, receipt_id: &str) -> Option<&'static str> {
        message_id::find(receipt_id, |index, key| match index {
            Index::Primary => self.primary.get(key).copied(),
            Index::Alternate => self.alternate.get(key).copied(),
        })
    }
}

fn matches(submit_id: &str, receipt_id: &str) -> bool {
    let mut store = Store::default();
    store.record(submit_id, "core");
    store.find(receipt_id) == Some("core")
}

#[test]
fn same_number_in_other_base_case_or_padding_matches() {
    // 0x7F3A21 = 8 337 953.
    assert!(matches("7F3A21", "8337953"));
    assert!(matches("8337953", "7f3a21"));
    assert!(matches("0000ABC", "abc"));
    assert!(matches("abc", "0x0ABC"));
    assert!(matches("00042", "42"));
    // All-digit hex on one side: 0x123456 = 1 193 046.
    assert!(matches("123456", "1193046"));
    assert!(matches("1193046", "123456"));
    // Text ids compare case-insensitively.
    assert!(matches("Msg-ABC-1", "msg-abc-1"));
    assert!(matches(
        "550E8400-E29B-41D4-A716-446655440000",
        "550e8400-e29b-41d4-a716-446655440000"
    ));
}

#[test]
fn different_ids_do_not_match() {
    assert!(!matches("7F3A21", "7F3A22"));
    assert!(!matches("123", "124"));
    assert!(!matches("msg-1", "msg-2"));
    assert!(!matches("abc", "abcd"));
    assert!(!matches("12345", ""));
}

#[test]
fn a_match_as_written_beats_a_base_conversion() {
    // "16" read as hex is 22; "22" read as decimal is 22 too. A receipt "22" must go to the
    // submit that was literally "22", not to "16" through its hex reading.
    let mut store = Store::default();
    store.record("16", "sixteen");
    store.record("22", "twenty-two");
    assert_eq!(store.find("22"), Some("twenty-two"));
    assert_eq!(store.find("16"), Some("sixteen"));
    // And with only "16" recorded, "22" finds it through the alternate reading.
    let mut store = Store::default();
    store.record("16", "sixteen");
    assert_eq!(store.find("22"), Some("sixteen"));
}

#[test]
fn keys_have_a_stable_byte_form() {
    let n = message_id::normalize("0x10").unwrap();
    let mut expected = vec![b'#'];
    expected.extend_from_slice(&16u128.to_be_bytes());
    assert_eq!(n.to_bytes(), expected);
    assert_eq!(
        message_id::normalize("AbC-1").unwrap().to_bytes(),
        b"$abc-1"
    );
}

proptest! {
    #[test]
    fn hex_and_decimal_renderings_of_a_number_match(n in any::<u64>(), zeros in 0usize..4, upper in any::<bool>()) {
        let hex = if upper { format!("{n:X}") } else { format!("{n:x}") };
        let padded = format!("{}{hex}", "0".repeat(zeros));
        let decimal = n.to_string();
        prop_assert!(matches(&padded, &decimal));
        prop_assert!(matches(&decimal, &padded));
        prop_assert!(matches(&padded, &hex.to_lowercase()));
    }

    #[test]
    fn distinct_text_ids_never_match(a in "[g-z][a-z0-9-]{0,20}", b in "[g-z][a-z0-9-]{0,20}") {
        prop_assume!(!a.eq_ignore_ascii_case(&b));
        prop_assert!(!matches(&a, &b));
        prop_assert!(matches(&a, &a.to_uppercase()));
    }
}
