//! What can go wrong while loading a configuration, and what is legal but risky.

use std::fmt;
use std::path::PathBuf;

/// One invalid value: the key (with its bind, or the environment variable it came from) and the
/// problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `binds[1] (vodafone_uk).tps_limit`, `listen.port`, `SMPP_POLL_INTERVAL (environment)`.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.key, self.message)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the schema's shape (unknown key, wrong type).
    /// The message names the key, the line and the column.
    #[error("{origin}: {message}")]
    Syntax {
        /// The file name, or `config` for text given directly.
        origin: String,
        /// The TOML parser's message.
        message: String,
    },
    /// One or more values are invalid; all of them are listed.
    #[error("{}", describe_problems(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The invalid values, if this is an [`ConfigError::Invalid`].
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

fn describe_problems(problems: &[Problem]) -> String {
    match problems {
        [single] => format!("invalid configuration: {single}"),
        many => {
            let mut text = format!("invalid configuration ({} problems):", many.len());
            for problem in many {
                text.push_str("\n  - ");
                text.push_str(&problem.to_string());
            }
            text
        }
    }
}

/// The kind of a [`Warning`], for callers that react to specific ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A server bind accepts binds from any IP address.
    EmptyIpWhitelist,
    /// A CIDR network has bits set below its prefix (`10.1.2.3/24` is read as `10.1.2.0/24`).
    CidrHostBitsSet,
    /// The core is reached over plain HTTP.
    PlainHttpApi,
    /// The core's TLS certificate is not verified.
    TlsVerificationDisabled,
    /// The web UI is served without TLS.
    PlainHttpWebUi,
    /// Server binds are configured but the listener is disabled.
    ListenerDisabled,
    /// The config file (which holds passwords) can be read or written by group or others.
    ConfigFilePermissions,
    /// A client bind's password is longer than SMPP 3.4's 8 characters.
    LongSmppPassword,
}

/// A legal but risky setting. Returned to the caller (which logs it), never printed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What kind of risk.
    pub kind: WarningKind,
    /// The key concerned (or the file path for [`WarningKind::ConfigFilePermissions`]).
    pub key: String,
    /// Explanation and advice.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.key, self.message)
    }
}
