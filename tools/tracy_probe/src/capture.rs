//! One capture: connect, read until a stop condition, summarise.

use std::time::{Duration, Instant};

use crate::connection::{Connection, Next};
use crate::decode::Decoder;
use crate::error::ProbeError;
use crate::protocol::{PROGRAM_NAME_AT, PROGRAM_NAME_SIZE, query};
use crate::summary::{Ended, Summary};

/// Where to capture from and when to stop.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureOptions {
    /// The client's address; Tracy listens on port 8086.
    pub address: String,
    /// The longest the whole capture may take, connecting included. Never exceeded.
    pub time_limit: Duration,
    /// Stop once this many main frame marks arrived and the stream has been quiet (no
    /// zones, marks, plots or messages) for `settle`.
    pub frame_limit: Option<u64>,
    /// How long the stream must be quiet after the frame limit.
    pub settle: Duration,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8086".to_string(),
            time_limit: Duration::from_secs(30),
            frame_limit: None,
            settle: Duration::from_millis(300),
        }
    }
}

/// Captures from a running Tracy client until the app exits (its client says so and is
/// let go), the connection closes, the time limit passes, or the frame limit is reached
/// and the stream settles.
///
/// # Errors
/// No client at the address within the time limit, a failed handshake (another protocol
/// version, a busy client), a broken connection, or bytes that are not a Tracy stream.
pub fn capture(options: &CaptureOptions) -> Result<Summary, ProbeError> {
    // A limit past `Instant`'s range means no limit worth keeping: a year.
    let now = Instant::now();
    let deadline = now
        .checked_add(options.time_limit)
        .unwrap_or(now + Duration::from_secs(365 * 24 * 60 * 60));
    let mut connection = Connection::open(&options.address, deadline)?;
    let welcome = &connection.welcome;
    let timer_ns = f64::from_le_bytes(welcome[..8].try_into().expect("8 bytes"));
    if !(timer_ns.is_finite() && timer_ns > 0.0) {
        return Err(ProbeError::Garbage(format!(
            "the welcome message's timer multiplier is {timer_ns}"
        )));
    }
    let program = c_string(&welcome[PROGRAM_NAME_AT..PROGRAM_NAME_AT + PROGRAM_NAME_SIZE]);

    let mut decoder = Decoder::default();
    let mut queries = Vec::new();
    let mut last_activity = (0, Instant::now());
    let mut last_item = (0, Instant::now());
    let ended = loop {
        match connection.next()? {
            Next::Frame(length) => {
                queries.clear();
                let frame = connection.frame(length);
                decoder.read(frame, &mut queries)?;
                connection.send(&queries)?;
            }
            Next::Idle => {}
            Next::Closed => break Ended::ConnectionClosed,
            Next::Deadline => break Ended::TimeLimit,
        }
        if decoder.activity != last_activity.0 {
            last_activity = (decoder.activity, Instant::now());
        }
        if decoder.items != last_item.0 {
            last_item = (decoder.items, Instant::now());
        }
        // An exiting client answers the last name queries, then waits to be let go.
        if decoder.terminated && last_item.1.elapsed() >= options.settle {
            queries.clear();
            decoder.query(query::TERMINATE, 0, &mut queries);
            // It may already be gone; the capture is complete either way.
            let _ = connection.send(&queries);
            break Ended::ClientExited;
        }
        let frames_done = options
            .frame_limit
            .is_some_and(|limit| decoder.frames >= limit);
        if frames_done && last_activity.1.elapsed() >= options.settle {
            break Ended::FrameLimit;
        }
    };
    Ok(Summary::new(
        &decoder,
        program,
        ended,
        timer_ns,
        (connection.compressed_bytes, connection.decompressed_bytes),
    ))
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
