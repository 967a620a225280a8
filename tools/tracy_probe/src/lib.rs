//! A small receiver for Tracy's client protocol: it connects to an app that runs a Tracy
//! client (Tracy 0.14, protocol 82, as in tracy-client-sys 0.29), reads its stream and
//! summarises what arrived: zones with counts and times, frame marks per frame set, plots
//! with their range, and messages.
//!
//! It stands in for Tracy's `tracy-capture` where that cannot be installed, and lets tests
//! check that a capture really carries the zones, marks and plots an app sends. It writes
//! no `.tracy` file.
//!
//! ```no_run
//! use std::time::Duration;
//! use tracy_probe::{CaptureOptions, capture};
//!
//! let summary = capture(&CaptureOptions {
//!     time_limit: Duration::from_secs(20),
//!     frame_limit: Some(300),
//!     ..CaptureOptions::default()
//! })?;
//! println!("{summary}");
//! # Ok::<(), tracy_probe::ProbeError>(())
//! ```
//!
//! What it does not summarise: GPU zones (read only to keep the thread's clock right),
//! locks, memory events, callstacks and samples, which are skipped by size.

mod capture;
mod connection;
mod decode;
mod error;
mod protocol;
mod summary;

pub use crate::capture::{CaptureOptions, capture};
pub use crate::error::ProbeError;
pub use crate::protocol::PROTOCOL_VERSION;
pub use crate::summary::{Ended, PlotSummary, Summary, ZoneSummary};
