//! Lenient field deserializers shared by the contract types.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Accepts a JSON string or an integer (some cores send numeric ids) and yields a string.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an integer")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

/// An optional error code given as a number, a decimal string ("000", "88") or a hex string
/// ("0x58"); null or absent means none.
pub(crate) fn opt_error_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("null, an integer or a numeric string")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            u32::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("error_code out of range"))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u32::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("error_code out of range"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse_error_code(v).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

fn parse_error_code(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse::<u32>(),
    };
    parsed
        .map(Some)
        .map_err(|_| format!("error_code {text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::parse_error_code;

    #[test]
    fn error_codes_in_text_forms() {
        assert_eq!(parse_error_code("000"), Ok(Some(0)));
        assert_eq!(parse_error_code("088"), Ok(Some(88)));
        assert_eq!(parse_error_code("0x58"), Ok(Some(0x58)));
        assert_eq!(parse_error_code(""), Ok(None));
        assert!(parse_error_code("abc").is_err());
        assert!(parse_error_code("0x1FFFFFFFF").is_err());
    }
}
