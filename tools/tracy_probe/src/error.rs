//! Why a capture failed, in words that say what to check.

use std::fmt;

/// A capture that could not start or could not go on.
#[derive(Debug)]
pub enum ProbeError {
    /// Nothing accepted a connection at the address before the time limit.
    NoClient {
        /// The address tried.
        address: String,
        /// The last connection error.
        reason: String,
    },
    /// The peer answered the handshake, but not as a Tracy client that can be captured.
    Handshake(String),
    /// The client speaks another protocol version.
    ProtocolMismatch,
    /// The peer sent bytes that are not a Tracy stream.
    Garbage(String),
    /// Reading or writing the socket failed.
    Io(String),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoClient { address, reason } => write!(
                f,
                "no Tracy client at {address} ({reason}); is the app running with the `tracy` feature?"
            ),
            Self::Handshake(reason) => write!(f, "handshake failed: {reason}"),
            Self::ProtocolMismatch => write!(
                f,
                "the client speaks another Tracy protocol than version {}; this probe reads Tracy 0.14 (tracy-client-sys 0.29)",
                crate::PROTOCOL_VERSION
            ),
            Self::Garbage(reason) => write!(f, "not a Tracy stream: {reason}"),
            Self::Io(reason) => write!(f, "connection error: {reason}"),
        }
    }
}

impl std::error::Error for ProbeError {}
