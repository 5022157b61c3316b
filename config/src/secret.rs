//! Credentials that never show up in logs or debug output.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A password or other credential: `Debug` and `Display` print `***`.
///
/// Read it with [`Secret::expose`] where it must be sent (a client bind), and compare an incoming
/// one with [`Secret::matches`], which takes the same time whatever the inputs' contents.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself; only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length of the credential in characters.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// Compares `candidate` with the credential in time that depends only on the lengths, so a
    /// peer cannot find the password byte by byte by timing bind responses.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), candidate)
    }
}

/// Byte-slice equality whose running time does not depend on where the slices differ.
pub fn constant_time_eq(expected: &[u8], candidate: &[u8]) -> bool {
    let length_differs = u8::from(expected.len() != candidate.len());
    let longest = expected.len().max(candidate.len());
    let mut difference = length_differs;
    for index in 0..longest {
        let left = expected.get(index).copied().unwrap_or(0);
        let right = candidate.get(index).copied().unwrap_or(0);
        difference |= std::hint::black_box(left ^ right);
    }
    std::hint::black_box(difference) == 0
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
    }

    #[test]
    fn matches_only_the_exact_value() {
        let secret = Secret::new("acme_secret");
        assert!(secret.matches(b"acme_secret"));
        assert!(!secret.matches(b"acme_secreT"));
        assert!(!secret.matches(b"acme_secre"));
        assert!(!secret.matches(b"acme_secret\0"));
        assert!(!secret.matches(b""));
        assert!(Secret::new("").matches(b""));
    }

    #[test]
    fn constant_time_eq_handles_prefixes_and_zero_padding() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abc\0"));
        assert!(!constant_time_eq(b"abc\0", b"abc"));
        assert!(!constant_time_eq(b"", b"\0"));
        assert!(!constant_time_eq(b"xbc", b"abc"));
    }
}
