//! A minimal Tracy receiver: connects to a running Tracy client (an app built with the
//! `tracy` feature), speaks Tracy 0.14's protocol (version 82) far enough to decode the
//! stream, and prints what arrived: frame marks, secondary frame sets, plots, zones and
//! threads. It stands in for `tracy-capture`, which cannot be installed on this project's
//! machine; it writes no `.tracy` file.
//!
//! ```text
//! TRACY_NO_EXIT=1 cargo run --release --features tracy --example headless -- --units 2000 --ticks 300 &
//! cargo run --release --example tracy_receive -- --seconds 20
//! ```
//!
//! `TRACY_NO_EXIT=1` keeps the app alive at exit until a receiver has read everything.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The protocol this receiver speaks: Tracy 0.14's, as sent by tracy-client-sys 0.29.
const PROTOCOL_VERSION: u32 = 82;
/// `sizeof(WelcomeMessage)` in Tracy's `TracyProtocol.hpp`, packed.
const WELCOME_SIZE: usize = 1170;
/// Where the program name starts in the welcome message.
const PROGRAM_NAME_AT: usize = 82;
/// The largest decompressed frame a client sends (`TargetFrameSize`).
const FRAME_SIZE: usize = 256 * 1024;
/// How much earlier output an LZ4 block may refer to.
const LZ4_WINDOW: usize = 64 * 1024;

/// Bytes of each queue item by its type byte: the header and the fixed part. These are
/// the values of `QueueDataSize` in `TracyQueue.hpp` for protocol 82.
const ITEM_SIZE: [usize; 132] = [
    1, 1, 10, 13, 10, 13, 9, 9, 9, 1, 1, 1, 13, 9, 7, 13, 9, 7, 10, 17, 13, 11, 17, 13, 11, 9, 5,
    3, 17, 17, 13, 17, 17, 17, 5, 27, 27, 21, 21, 27, 27, 21, 21, 21, 21, 24, 24, 16, 16, 16, 24,
    24, 16, 16, 16, 25, 21, 25, 23, 16, 12, 2, 10, 10, 13, 1, 1, 1, 25, 13, 15, 13, 3, 1, 1, 5, 26,
    18, 1, 17, 5, 4, 9, 17, 17, 17, 13, 32, 22, 13, 17, 17, 20, 17, 20, 28, 17, 13, 25, 17, 17, 17,
    17, 17, 17, 17, 16, 18, 1, 5, 1, 17, 1, 1, 1, 1, 9, 9, 24, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
    9,
];

/// Queue item types this receiver reads (`QueueType` in `TracyQueue.hpp`).
mod item {
    pub const ZONE_BEGIN_ALLOC_SRCLOC: u8 = 7;
    pub const ZONE_BEGIN_ALLOC_SRCLOC_CALLSTACK: u8 = 8;
    pub const ZONE_BEGIN_FIRST: u8 = 19;
    pub const ZONE_BEGIN_LAST: u8 = 24;
    pub const ZONE_END: u8 = 25;
    pub const ZONE_END_16: u8 = 27;
    pub const PLOT_INT: u8 = 55;
    pub const PLOT_FLOAT: u8 = 56;
    pub const PLOT_DOUBLE: u8 = 57;
    pub const TERMINATE: u8 = 73;
    pub const THREAD_CONTEXT: u8 = 75;
    pub const FRAME_MARK: u8 = 83;
    pub const SINGLE_STRING: u8 = 112;
    pub const SECOND_STRING: u8 = 113;
    pub const SINGLE_STRING_8: u8 = 114;
    pub const SECOND_STRING_8: u8 = 115;
    pub const STRING_TRANSFER_FIRST: u8 = 119;
    pub const PLOT_NAME: u8 = 121;
    pub const SOURCE_LOCATION_PAYLOAD: u8 = 122;
    pub const FRAME_NAME: u8 = 125;
    pub const FRAME_IMAGE_DATA: u8 = 126;
    pub const SYMBOL_CODE: u8 = 129;
    pub const SOURCE_CODE: u8 = 130;
}

/// Server queries (`ServerQuery` in `TracyProtocol.hpp`).
const QUERY_PLOT_NAME: u8 = 4;
const QUERY_FRAME_NAME: u8 = 5;

#[derive(Default)]
struct Capture {
    program: String,
    compressed_bytes: u64,
    decompressed_bytes: u64,
    frames: u64,
    secondary_frames: BTreeMap<u64, u64>,
    plots: BTreeMap<u64, (u64, f64)>,
    names: BTreeMap<u64, String>,
    zone_names: BTreeMap<String, u64>,
    zones_begun: u64,
    zones_ended: u64,
    threads: BTreeMap<u32, u64>,
    other_items: BTreeMap<u8, u64>,
    queried: std::collections::BTreeSet<u64>,
}

fn main() -> ExitCode {
    let mut address = "127.0.0.1:8086".to_string();
    let mut seconds = 30u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--address", Some(value)) => address = value,
            ("--seconds", Some(value)) => match value.parse() {
                Ok(value) => seconds = value,
                Err(_) => return fail(&format!("--seconds {value}: give a whole number")),
            },
            _ => return fail("usage: tracy_receive [--address HOST:PORT] [--seconds N]"),
        }
    }
    match receive(&address, Duration::from_secs(seconds)) {
        Ok(capture) => {
            capture.print();
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn receive(address: &str, limit: Duration) -> Result<Capture, String> {
    let started = Instant::now();
    let mut stream = loop {
        match TcpStream::connect(address) {
            Ok(stream) => break stream,
            Err(error) if started.elapsed() > limit => {
                return Err(format!("no Tracy client at {address}: {error}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|error| error.to_string())?;
    let mut hello = b"TracyPrf".to_vec();
    hello.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
    stream
        .write_all(&hello)
        .map_err(|error| format!("handshake: {error}"))?;
    let mut status = [0u8; 1];
    stream
        .read_exact(&mut status)
        .map_err(|error| format!("handshake: {error}"))?;
    match status[0] {
        1 => {}
        2 => return Err("the client speaks another protocol version".to_string()),
        3 => return Err("the client is not available (already connected?)".to_string()),
        4 => return Err("the client dropped the connection".to_string()),
        other => return Err(format!("unexpected handshake status {other}")),
    }
    let mut welcome = vec![0u8; WELCOME_SIZE];
    stream
        .read_exact(&mut welcome)
        .map_err(|error| format!("welcome message: {error}"))?;
    let mut capture = Capture {
        program: c_string(&welcome[PROGRAM_NAME_AT..PROGRAM_NAME_AT + 64]),
        ..Capture::default()
    };

    let mut history: Vec<u8> = Vec::with_capacity(2 * LZ4_WINDOW);
    let mut frame = vec![0u8; FRAME_SIZE];
    while started.elapsed() < limit {
        let mut size = [0u8; 4];
        match stream.read_exact(&mut size) {
            Ok(()) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                break;
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(error) => return Err(format!("reading: {error}")),
        }
        let size = u32::from_le_bytes(size) as usize;
        let mut compressed = vec![0u8; size];
        stream
            .read_exact(&mut compressed)
            .map_err(|error| format!("reading a frame: {error}"))?;
        let dict_start = history.len().saturating_sub(LZ4_WINDOW);
        let length = lz4_flex::block::decompress_into_with_dict(
            &compressed,
            &mut frame,
            &history[dict_start..],
        )
        .map_err(|error| format!("decompressing a frame: {error}"))?;
        capture.compressed_bytes += size as u64;
        capture.decompressed_bytes += length as u64;
        let queries = capture.read_items(&frame[..length])?;
        stream
            .write_all(&queries)
            .map_err(|error| format!("sending queries: {error}"))?;
        history.extend_from_slice(&frame[..length]);
        if history.len() > 2 * LZ4_WINDOW {
            history.drain(..history.len() - LZ4_WINDOW);
        }
    }
    Ok(capture)
}

impl Capture {
    /// Reads every queue item of one decompressed frame; returns the server queries to
    /// send (names of plots and frame sets seen for the first time).
    fn read_items(&mut self, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut queries = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let kind = data[at];
            let fixed = *ITEM_SIZE
                .get(usize::from(kind))
                .ok_or_else(|| format!("unknown item type {kind} at byte {at}"))?;
            let body = data
                .get(at..at + fixed)
                .ok_or_else(|| format!("item type {kind} cut short"))?;
            let (extra, text) = trailing(kind, &data[at + fixed..])?;
            self.read_item(kind, body, text, &mut queries);
            at += fixed + extra;
        }
        Ok(queries)
    }

    fn read_item(&mut self, kind: u8, body: &[u8], text: &[u8], queries: &mut Vec<u8>) {
        let u64_at =
            |offset: usize| u64::from_le_bytes(body[offset..offset + 8].try_into().unwrap());
        match kind {
            item::ZONE_BEGIN_ALLOC_SRCLOC
            | item::ZONE_BEGIN_ALLOC_SRCLOC_CALLSTACK
            | item::ZONE_BEGIN_FIRST..=item::ZONE_BEGIN_LAST => self.zones_begun += 1,
            item::ZONE_END..=item::ZONE_END_16 => self.zones_ended += 1,
            item::FRAME_MARK => {
                let name = u64_at(9);
                if name == 0 {
                    self.frames += 1;
                } else {
                    *self.secondary_frames.entry(name).or_default() += 1;
                    self.query(QUERY_FRAME_NAME, name, queries);
                }
            }
            item::PLOT_INT | item::PLOT_FLOAT | item::PLOT_DOUBLE => {
                let name = u64_at(1);
                let value = match kind {
                    item::PLOT_INT => i64::from_le_bytes(body[17..25].try_into().unwrap()) as f64,
                    item::PLOT_FLOAT => {
                        f64::from(f32::from_le_bytes(body[17..21].try_into().unwrap()))
                    }
                    _ => f64::from_le_bytes(body[17..25].try_into().unwrap()),
                };
                let entry = self.plots.entry(name).or_default();
                entry.0 += 1;
                entry.1 = value;
                self.query(QUERY_PLOT_NAME, name, queries);
            }
            item::THREAD_CONTEXT => {
                let thread = u32::from_le_bytes(body[1..5].try_into().unwrap());
                *self.threads.entry(thread).or_default() += 1;
            }
            item::PLOT_NAME | item::FRAME_NAME => {
                self.names
                    .insert(u64_at(1), String::from_utf8_lossy(text).into_owned());
            }
            item::SOURCE_LOCATION_PAYLOAD => {
                // Color and line (4 bytes each), function\0, file\0, then the name.
                let rest = text.get(8..).unwrap_or_default();
                let mut parts = rest.splitn(3, |&byte| byte == 0);
                let function = parts.next().unwrap_or_default();
                let _file = parts.next();
                let name = parts
                    .next()
                    .filter(|name| !name.is_empty())
                    .unwrap_or(function);
                *self
                    .zone_names
                    .entry(String::from_utf8_lossy(name).into_owned())
                    .or_default() += 1;
            }
            item::TERMINATE => {}
            other => *self.other_items.entry(other).or_default() += 1,
        }
    }

    fn query(&mut self, kind: u8, pointer: u64, queries: &mut Vec<u8>) {
        if self.queried.insert(pointer) {
            queries.push(kind);
            queries.extend_from_slice(&pointer.to_le_bytes());
            queries.extend_from_slice(&0u32.to_le_bytes());
        }
    }

    fn name(&self, pointer: u64) -> &str {
        self.names
            .get(&pointer)
            .map_or("(name not received)", String::as_str)
    }

    fn print(&self) {
        println!("program: {}", self.program);
        println!(
            "received {} bytes compressed, {} decompressed",
            self.compressed_bytes, self.decompressed_bytes
        );
        println!("frame marks: {}", self.frames);
        for (name, count) in &self.secondary_frames {
            println!(
                "secondary frame set \"{}\": {count} marks",
                self.name(*name)
            );
        }
        for (name, (count, last)) in &self.plots {
            println!("plot \"{}\": {count} points, last {last}", self.name(*name));
        }
        println!(
            "zones: {} begun, {} ended, {} distinct names; threads: {}",
            self.zones_begun,
            self.zones_ended,
            self.zone_names.len(),
            self.threads.len()
        );
        let mut zones: Vec<(&String, &u64)> = self.zone_names.iter().collect();
        zones.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (name, count) in &zones {
            println!("  zone {name}: {count}");
        }
        if !self.other_items.is_empty() {
            println!("other items, by QueueType number: {:?}", self.other_items);
        }
    }
}

/// The variable part after an item's fixed bytes: how long it is and the text in it.
fn trailing(kind: u8, after: &[u8]) -> Result<(usize, &[u8]), String> {
    let (length_bytes, length) = match kind {
        item::SINGLE_STRING_8 | item::SECOND_STRING_8 => {
            (1, after.first().map(|&b| usize::from(b)))
        }
        item::SINGLE_STRING | item::SECOND_STRING => (2, read_u16(after)),
        item::FRAME_IMAGE_DATA | item::SYMBOL_CODE | item::SOURCE_CODE => (
            4,
            after
                .get(..4)
                .map(|bytes| u32::from_le_bytes(bytes.try_into().unwrap()) as usize),
        ),
        kind if kind >= item::STRING_TRANSFER_FIRST => (2, read_u16(after)),
        _ => return Ok((0, &[])),
    };
    let length = length.ok_or_else(|| format!("item type {kind}: length cut short"))?;
    let text = after
        .get(length_bytes..length_bytes + length)
        .ok_or_else(|| format!("item type {kind}: text cut short"))?;
    Ok((length_bytes + length, text))
}

fn read_u16(bytes: &[u8]) -> Option<usize> {
    bytes
        .get(..2)
        .map(|bytes| usize::from(u16::from_le_bytes([bytes[0], bytes[1]])))
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
