//! Helpers shared by the codec integration tests.
#![allow(dead_code)]

pub(crate) mod golden;
