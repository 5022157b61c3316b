//! Text codecs: GSM 03.38 vectors (unpacked and packed, with UDH fill bits), Latin-1, UCS-2,
//! `auto` selection, replacement policy, and round-trip properties.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use engine::proto::text::{self, gsm7, Charset, Encoding};
use proptest::prelude::*;

fn unpacked(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    assert_eq!(
        gsm7::encode_unpacked(s, &mut out),
        0,
        "{s:?} must fit GSM-7"
    );
    out
}

fn packed(septets: &[u8], fill: u8) -> Vec<u8> {
    let mut out = Vec::new();
    gsm7::pack(septets, fill, &mut out);
    out
}

#[test]
fn gsm7_unpacked_table_entries() {
    // Septet values from the TS 23.038 default alphabet and extension table.
    assert_eq!(unpacked("@£$¥"), [0x00, 0x01, 0x02, 0x03]);
    assert_eq!(
        unpacked("ΔΦΓΛΩΠΨΣΘΞ"),
        (0x10..=0x1A).filter(|&s| s != 0x11).collect::<Vec<u8>>()
    );
    assert_eq!(unpacked("_"), [0x11]);
    assert_eq!(unpacked("ÆæßÉ"), [0x1C, 0x1D, 0x1E, 0x1F]);
    assert_eq!(
        unpacked("¡ÄÖÑÜ§¿äöñüà"),
        [0x40, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F]
    );
    assert_eq!(unpacked("Hi!"), [0x48, 0x69, 0x21]);
    assert_eq!(
        unpacked("\u{0C}^{}\\[~]|€"),
        [
            0x1B, 0x0A, 0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D,
            0x1B, 0x3E, 0x1B, 0x40, 0x1B, 0x65
        ]
    );
    let decoded = text::decode(
        &[0x1B, 0x65, 0x31, 0x30, 0x00, 0x1B, 0x3C, 0x1B, 0x3E],
        Charset::Gsm7,
    );
    assert_eq!(decoded.text, "€10@[]");
    assert_eq!(decoded.replaced, 0);
}

#[test]
fn septet_counts_treat_extension_chars_as_two() {
    assert_eq!(gsm7::septet_count("abc"), Some(3));
    assert_eq!(gsm7::septet_count("a€{"), Some(5));
    assert_eq!(gsm7::septet_count("aж"), None);
}

#[test]
fn gsm7_packed_known_vectors() {
    // The classic example: "hellohello" packs to E8 32 9B FD 46 97 D9 EC 37.
    let septets = unpacked("hellohello");
    let bytes = packed(&septets, 0);
    assert_eq!(
        bytes,
        [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
    );
    let mut back = Vec::new();
    gsm7::unpack(&bytes, 0, None, &mut back);
    assert_eq!(back, septets);

    // "hello": h=68 e=65 l=6C l=6C o=6F, 35 bits -> E8 32 9B FD 06 (5 spare bits, zero).
    assert_eq!(
        packed(&unpacked("hello"), 0),
        [0xE8, 0x32, 0x9B, 0xFD, 0x06]
    );
}

#[test]
fn gsm7_packed_after_udh_uses_fill_bits() {
    // After the 6-octet UDH 05 00 03 CC 02 01 the text starts 1 bit later (48 bits + 1 = 7*7).
    // Bit stream of "hello" shifted left by one fill bit, worked out by hand:
    //   octet 0: fill 0, h bits 0-6      -> 1101 0000 = D0
    //   octet 1: e bits 0-6, l bit 0     -> 0110 0101 = 65
    //   octet 2: l bits 1-6, l bits 0-1  -> 0011 0110 = 36
    //   octet 3: l bits 2-6, o bits 0-2  -> 1111 1011 = FB
    //   octet 4: o bits 3-6              -> 0000 1101 = 0D
    assert_eq!(gsm7::fill_bits(6), 1);
    let septets = unpacked("hello");
    assert_eq!(packed(&septets, 1), [0xD0, 0x65, 0x36, 0xFB, 0x0D]);

    let mut message = vec![0x05, 0x00, 0x03, 0xCC, 0x02, 0x01];
    message.extend(packed(&septets, gsm7::fill_bits(6)));
    let (udh, body) = engine::proto::udh::Udh::split(&message).unwrap();
    let mut back = Vec::new();
    gsm7::unpack(body, gsm7::fill_bits(udh.len()), None, &mut back);
    assert_eq!(text::decode(&back, Charset::Gsm7).text, "hello");
}

#[test]
fn gsm7_packed_padding_with_seven_spare_bits() {
    // 7 septets = 49 bits -> 7 octets with 7 spare bits, which hold CR (TS 23.038 §6.1.2.3.1).
    let septets = unpacked("1234567");
    let bytes = packed(&septets, 0);
    assert_eq!(bytes.len(), 7);
    assert_eq!(bytes[6] >> 1, 0x0D);
    let mut back = Vec::new();
    gsm7::unpack(&bytes, 0, None, &mut back);
    assert_eq!(back, septets, "the padding CR is not read as text");
    back.clear();
    gsm7::unpack(&bytes, 0, Some(7), &mut back);
    assert_eq!(back, septets);
    // Empty text packs to nothing, even with fill bits.
    assert!(packed(&[], 1).is_empty());
}

#[test]
fn latin1_and_ucs2_vectors() {
    let e = text::encode("Café ß", Encoding::Latin1).unwrap();
    assert_eq!(&e.bytes[..], [0x43, 0x61, 0x66, 0xE9, 0x20, 0xDF]);
    assert_eq!(e.data_coding(), 3);
    assert_eq!(text::decode(&e.bytes, Charset::Latin1).text, "Café ß");

    let e = text::encode("Ж😀", Encoding::Ucs2).unwrap();
    assert_eq!(&e.bytes[..], [0x04, 0x16, 0xD8, 0x3D, 0xDE, 0x00]);
    assert_eq!(e.data_coding(), 8);
    let odd = text::decode(&[0x04, 0x16, 0x00], Charset::Ucs2);
    assert_eq!(odd.text, "Ж\u{FFFD}");
    assert_eq!(odd.replaced, 1);
}

#[test]
fn auto_picks_gsm7_only_when_everything_fits() {
    let e = text::encode("Price: 10€ {ok}", Encoding::Auto).unwrap();
    assert_eq!(e.charset, Charset::Gsm7);
    assert_eq!(e.data_coding(), 0);
    assert_eq!(
        e.bytes.len(),
        15 + 3,
        "15 characters, three of them extension (2 septets)"
    );
    let e = text::encode("Привет", Encoding::Auto).unwrap();
    assert_eq!(e.charset, Charset::Ucs2);
    assert_eq!(e.bytes.len(), 12);
    // A backtick is ASCII but not GSM-7.
    assert_eq!(
        text::encode("a`b", Encoding::Auto).unwrap().charset,
        Charset::Ucs2
    );
}

#[test]
fn explicit_charsets_replace_and_count() {
    let e = text::encode("a`bЖ€", Encoding::Gsm7).unwrap();
    assert_eq!(e.replaced, 2);
    assert_eq!(&e.bytes[..], [0x61, 0x3F, 0x62, 0x3F, 0x1B, 0x65]);
    let e = text::encode("a€Ж", Encoding::Latin1).unwrap();
    assert_eq!(e.replaced, 2);
    assert_eq!(&e.bytes[..], b"a??");
    assert_eq!(text::encode("Ж😀", Encoding::Ucs2).unwrap().replaced, 0);
}

#[test]
fn binary_bodies_are_hex() {
    let e = text::encode("0102fF", Encoding::Binary).unwrap();
    assert_eq!(&e.bytes[..], [0x01, 0x02, 0xFF]);
    assert_eq!(e.data_coding(), 4);
    assert_eq!(text::decode(&e.bytes, Charset::Binary).text, "0102ff");
    assert!(text::encode("01 02", Encoding::Binary).is_err());
    assert!(text::encode("012", Encoding::Binary).is_err());
}

#[test]
fn inbound_data_coding_decodes() {
    let decode = |bytes: &[u8], dc: u8| text::decode(bytes, Charset::from_data_coding(dc)).text;
    assert_eq!(decode(&[0x48, 0x00], 0x00), "H@");
    assert_eq!(decode(b"Hi", 0x01), "Hi");
    assert_eq!(decode(&[0xE9], 0x03), "é");
    assert_eq!(decode(&[0x04, 0x16], 0x08), "Ж");
    assert_eq!(decode(&[0x04, 0x16], 0x18), "Ж", "UCS-2 flash (class 0)");
    assert_eq!(decode(&[0x48, 0x00], 0xF0), "H@", "GSM-7 class 0");
    assert_eq!(
        decode(&[0x04, 0x16], 0xF4),
        "0416",
        "8-bit class 0 is binary"
    );
}

fn gsm_chars() -> Vec<char> {
    (0u32..0x2200)
        .filter_map(char::from_u32)
        .filter(|&c| gsm7::classify(c) != gsm7::Gsm7Char::Unmappable)
        .collect()
}

fn mixed_text() -> impl Strategy<Value = String> {
    let gsm = proptest::sample::select(gsm_chars());
    prop::collection::vec(
        prop_oneof![4 => gsm, 1 => any::<char>(), 1 => Just('€'), 1 => Just('😀')],
        0..400,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn gsm_text() -> impl Strategy<Value = String> {
    prop::collection::vec(proptest::sample::select(gsm_chars()), 0..400)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn auto_round_trips_any_text(s in mixed_text()) {
        let e = text::encode(&s, Encoding::Auto).unwrap();
        prop_assert_eq!(e.replaced, 0);
        let fits = gsm7::septet_count(&s);
        prop_assert_eq!(e.charset == Charset::Gsm7, fits.is_some());
        if let Some(septets) = fits {
            prop_assert_eq!(e.bytes.len(), septets);
        }
        let d = text::decode(&e.bytes, e.charset);
        prop_assert_eq!(d.replaced, 0);
        prop_assert_eq!(d.text, s);
    }

    #[test]
    fn ucs2_round_trips_any_text(s in any::<String>()) {
        let e = text::encode(&s, Encoding::Ucs2).unwrap();
        prop_assert_eq!(text::decode(&e.bytes, Charset::Ucs2).text, s);
    }

    #[test]
    fn latin1_round_trips_latin1_text(s in "[\\x00-\\xff]{0,200}") {
        let e = text::encode(&s, Encoding::Latin1).unwrap();
        prop_assert_eq!(e.replaced, 0);
        prop_assert_eq!(e.bytes.len(), s.chars().count());
        prop_assert_eq!(text::decode(&e.bytes, Charset::Latin1).text, s);
    }

    #[test]
    fn packing_round_trips_with_any_fill(s in gsm_text(), fill in 0u8..7) {
        let septets = unpacked(&s);
        let bytes = packed(&septets, fill);
        prop_assert_eq!(bytes.len(), gsm7::packed_len(septets.len(), fill));
        let mut exact = Vec::new();
        gsm7::unpack(&bytes, fill, Some(septets.len()), &mut exact);
        prop_assert_eq!(&exact, &septets);
        if !s.ends_with('\r') {
            let mut counted = Vec::new();
            gsm7::unpack(&bytes, fill, None, &mut counted);
            prop_assert_eq!(&counted, &septets);
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), dc in any::<u8>(), fill in 0u8..8) {
        let d = text::decode(&bytes, Charset::from_data_coding(dc));
        if Charset::from_data_coding(dc) == Charset::Ucs2 {
            prop_assert!(d.text.encode_utf16().count() <= bytes.len() / 2 + 1);
        }
        let mut septets = Vec::new();
        gsm7::unpack(&bytes, fill, None, &mut septets);
        prop_assert!(septets.len() <= bytes.len() * 8 / 7);
        let _ = text::decode(&septets, Charset::Gsm7);
    }
}
