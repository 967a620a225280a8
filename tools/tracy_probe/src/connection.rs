//! The socket side of a capture: connecting, the handshake, and reading LZ4 frames
//! without ever blocking past the capture's deadline.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::error::ProbeError;
use crate::protocol::{
    FRAME_SIZE, HANDSHAKE_SHIBBOLETH, LZ4_WINDOW, MAX_COMPRESSED_FRAME, ON_DEMAND_FLAG,
    ON_DEMAND_PAYLOAD_SIZE, PROTOCOL_VERSION, WELCOME_FLAGS_AT, WELCOME_SIZE, handshake,
};

/// How long one read waits before the capture loop checks its stop conditions.
const POLL: Duration = Duration::from_millis(50);
/// The longest a write of queries may block on a client that does not read them.
const WRITE_WAIT: Duration = Duration::from_secs(1);

/// What the next read brought.
pub(crate) enum Next {
    /// A decompressed frame of this many bytes, in [`Connection::frame`].
    Frame(usize),
    /// Nothing arrived within one poll interval.
    Idle,
    /// The client closed the connection between frames.
    Closed,
    /// The deadline passed.
    Deadline,
}

/// A connected, welcomed Tracy client.
pub(crate) struct Connection {
    stream: TcpStream,
    deadline: Instant,
    /// The welcome message, as sent.
    pub(crate) welcome: Vec<u8>,
    /// The last decompressed frame.
    frame: Vec<u8>,
    /// Earlier decompressed output, the dictionary of the next LZ4 block.
    history: Vec<u8>,
    compressed: Vec<u8>,
    pub(crate) compressed_bytes: u64,
    pub(crate) decompressed_bytes: u64,
}

impl Connection {
    /// Connects (retrying until `deadline`, so the probe may start before the app) and
    /// does the handshake.
    pub(crate) fn open(address: &str, deadline: Instant) -> Result<Self, ProbeError> {
        let stream = loop {
            match connect(address, deadline) {
                Ok(stream) => break stream,
                Err(reason) if Instant::now() >= deadline => {
                    return Err(ProbeError::NoClient {
                        address: address.to_string(),
                        reason,
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        stream.set_read_timeout(Some(POLL)).map_err(io)?;
        stream.set_write_timeout(Some(WRITE_WAIT)).map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut connection = Self {
            stream,
            deadline,
            welcome: vec![0; WELCOME_SIZE],
            frame: vec![0; FRAME_SIZE],
            history: Vec::with_capacity(2 * LZ4_WINDOW),
            compressed: Vec::with_capacity(MAX_COMPRESSED_FRAME),
            compressed_bytes: 0,
            decompressed_bytes: 0,
        };
        connection.handshake()?;
        Ok(connection)
    }

    fn handshake(&mut self) -> Result<(), ProbeError> {
        let mut hello = HANDSHAKE_SHIBBOLETH.to_vec();
        hello.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
        self.stream
            .write_all(&hello)
            .map_err(|error| ProbeError::Handshake(error.to_string()))?;
        let mut status = [0u8; 1];
        self.read_full(&mut status, "the handshake reply")?;
        match status[0] {
            handshake::WELCOME => {}
            handshake::PROTOCOL_MISMATCH => return Err(ProbeError::ProtocolMismatch),
            handshake::NOT_AVAILABLE => {
                return Err(ProbeError::Handshake(
                    "the client is busy (another receiver is connected?)".to_string(),
                ));
            }
            handshake::DROPPED => {
                return Err(ProbeError::Handshake(
                    "the client has dropped its data (it started too long ago in on-demand mode)"
                        .to_string(),
                ));
            }
            other => {
                return Err(ProbeError::Garbage(format!(
                    "handshake reply {other}, expected 1 to 4"
                )));
            }
        }
        let mut welcome = std::mem::take(&mut self.welcome);
        self.read_full(&mut welcome, "the welcome message")?;
        if welcome[WELCOME_FLAGS_AT] & ON_DEMAND_FLAG != 0 {
            let mut payload = [0u8; ON_DEMAND_PAYLOAD_SIZE];
            self.read_full(&mut payload, "the on-demand payload")?;
        }
        self.welcome = welcome;
        Ok(())
    }

    /// The last decompressed frame.
    pub(crate) fn frame(&self, length: usize) -> &[u8] {
        &self.frame[..length]
    }

    /// Reads and decompresses the next frame, or says why there is none.
    pub(crate) fn next(&mut self) -> Result<Next, ProbeError> {
        let mut size = [0u8; 4];
        let first = loop {
            if Instant::now() >= self.deadline {
                return Ok(Next::Deadline);
            }
            match self.stream.read(&mut size) {
                Ok(0) => return Ok(Next::Closed),
                Ok(read) => break read,
                Err(error) if is_timeout(&error) => return Ok(Next::Idle),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if is_closed(&error) => return Ok(Next::Closed),
                Err(error) => return Err(io(error)),
            }
        };
        self.read_full(&mut size[first..], "a frame header")?;
        let size = u32::from_le_bytes(size) as usize;
        if size == 0 || size > MAX_COMPRESSED_FRAME {
            return Err(ProbeError::Garbage(format!(
                "a frame of {size} bytes (at most {MAX_COMPRESSED_FRAME})"
            )));
        }
        let mut compressed = std::mem::take(&mut self.compressed);
        compressed.resize(size, 0);
        let read = self.read_full(&mut compressed, "a frame");
        self.compressed = compressed;
        read?;
        let dictionary = &self.history[self.history.len().saturating_sub(LZ4_WINDOW)..];
        let length = lz4_flex::block::decompress_into_with_dict(
            &self.compressed,
            &mut self.frame,
            dictionary,
        )
        .map_err(|error| ProbeError::Garbage(format!("a frame does not decompress: {error}")))?;
        self.compressed_bytes += size as u64;
        self.decompressed_bytes += length as u64;
        self.history.extend_from_slice(&self.frame[..length]);
        if self.history.len() > 2 * LZ4_WINDOW {
            let drop = self.history.len() - LZ4_WINDOW;
            self.history.drain(..drop);
        }
        Ok(Next::Frame(length))
    }

    /// Sends server queries (names of plots, frame sets, source locations, strings).
    pub(crate) fn send(&mut self, queries: &[u8]) -> Result<(), ProbeError> {
        if queries.is_empty() {
            return Ok(());
        }
        self.stream.write_all(queries).map_err(io)
    }

    /// Fills `buffer`, waiting across poll timeouts until the deadline.
    fn read_full(&mut self, buffer: &mut [u8], what: &str) -> Result<(), ProbeError> {
        let mut filled = 0;
        while filled < buffer.len() {
            match self.stream.read(&mut buffer[filled..]) {
                Ok(0) => {
                    return Err(ProbeError::Io(format!(
                        "the client closed the connection in the middle of {what}"
                    )));
                }
                // A peer trickling bytes never times a read out: the deadline is checked
                // after every read, not only after timeouts.
                Ok(read) => filled += read,
                Err(error) if is_timeout(&error) || error.kind() == ErrorKind::Interrupted => {}
                Err(error) if is_closed(&error) => {
                    return Err(ProbeError::Io(format!(
                        "the client closed the connection in the middle of {what}"
                    )));
                }
                Err(error) => return Err(io(error)),
            }
            if filled < buffer.len() && Instant::now() >= self.deadline {
                return Err(ProbeError::Io(format!(
                    "the time limit passed while waiting for {what}"
                )));
            }
        }
        Ok(())
    }
}

/// One connection attempt that gives up at `deadline`, however the network behaves.
fn connect(address: &str, deadline: Instant) -> Result<TcpStream, String> {
    let target = address
        .to_socket_addrs()
        .map_err(|error| error.to_string())?
        .next()
        .ok_or_else(|| "the address names no host".to_string())?;
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    TcpStream::connect_timeout(&target, left).map_err(|error| error.to_string())
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn is_closed(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
}

fn io(error: std::io::Error) -> ProbeError {
    ProbeError::Io(error.to_string())
}
