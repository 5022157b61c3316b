//! Configuration of omnimessage-smpp: schema, loading, environment overrides and validation.
#![warn(missing_docs)]
