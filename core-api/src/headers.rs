//! Headers every call to the core carries.

/// Value of the `User-Agent` header: `omnimessage-smpp/<version>`.
pub const USER_AGENT: &str = concat!("omnimessage-smpp/", env!("CARGO_PKG_VERSION"));

/// Name of the header that names the calling frontend (its `smsc_name`).
pub const X_FRONTEND: &str = "X-Frontend";

/// Content type of every JSON body of the contract.
pub const CONTENT_TYPE_JSON: &str = "application/json";
