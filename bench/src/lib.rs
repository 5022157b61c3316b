//! Shared inputs for the codec benchmarks.
