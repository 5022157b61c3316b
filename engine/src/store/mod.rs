//! Per-shard durable state in fjall.
