//! Turns decompressed queue items into counts and times: zones paired per thread, frame
//! marks per frame set, plot values, messages, and the names the client sends on request.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::error::ProbeError;
use crate::protocol::{ITEM_SIZE, OFFSET_8, OFFSET_16, OFFSET_32, QUERY_PACKET_SIZE, item, query};

/// Messages whose text is kept; later ones are only counted.
const MESSAGES_KEPT: usize = 64;

/// What a zone is known by until its name arrives: the static source location's address,
/// or the name carried in an allocated source location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ZoneKey {
    Static(u64),
    Named(String),
}

/// Runs and time of one zone.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ZoneTotals {
    pub runs: u64,
    pub ticks: i64,
}

/// Points of one plot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlotTotals {
    pub points: u64,
    pub min: f64,
    pub max: f64,
    pub last: f64,
}

/// A message whose text arrives later, by a string query.
enum MessageText {
    Received(String),
    Pending(u64),
}

/// The decoder's state across frames.
#[derive(Default)]
pub(crate) struct Decoder {
    /// The thread whose items follow (`ThreadContext`).
    thread: u32,
    /// The time the last time-carrying item of this thread ended at, in client ticks.
    reference: i64,
    open: HashMap<u32, Vec<(ZoneKey, i64)>>,
    /// The name of the allocated source location the next `ZoneBeginAllocSrcLoc` uses.
    payload_name: Option<String>,
    /// The text the next message item uses.
    single_string: Option<String>,
    strings: HashMap<u64, String>,
    /// Static source locations: name and function pointers.
    source_locations: HashMap<u64, (u64, u64)>,
    /// Source locations asked for, in order: the client answers them in that order and
    /// an answer does not repeat the address.
    asked_locations: VecDeque<u64>,
    queried: BTreeSet<(u8, u64)>,
    pub(crate) zones: BTreeMap<ZoneKey, ZoneTotals>,
    pub(crate) frames: u64,
    pub(crate) frame_sets: BTreeMap<u64, u64>,
    pub(crate) plots: BTreeMap<u64, PlotTotals>,
    messages: Vec<MessageText>,
    pub(crate) message_count: u64,
    pub(crate) threads: BTreeSet<u32>,
    pub(crate) items: u64,
    /// Zones, frame marks, plots and messages: what the app sends while it runs (not
    /// keep-alives or answers to queries).
    pub(crate) activity: u64,
    /// The client sent `Terminate`: the app is exiting and everything has been sent; it
    /// waits for the receiver's last queries and then for [`query::TERMINATE`].
    pub(crate) terminated: bool,
}

impl Decoder {
    /// Reads every item of one decompressed frame and appends the queries to send.
    pub(crate) fn read(&mut self, data: &[u8], queries: &mut Vec<u8>) -> Result<(), ProbeError> {
        let mut at = 0;
        while at < data.len() {
            let kind = data[at];
            let fixed = *ITEM_SIZE.get(usize::from(kind)).ok_or_else(|| {
                ProbeError::Garbage(format!("unknown queue item type {kind} at byte {at}"))
            })?;
            let body = data.get(at..at + fixed).ok_or_else(|| {
                ProbeError::Garbage(format!("queue item type {kind} cut short at byte {at}"))
            })?;
            let (extra, text) = trailing(kind, &data[at + fixed..])?;
            self.item(kind, body, text, queries);
            self.items += 1;
            at += fixed + extra;
        }
        Ok(())
    }

    fn item(&mut self, kind: u8, body: &[u8], text: &[u8], queries: &mut Vec<u8>) {
        match kind {
            item::TERMINATE => self.terminated = true,
            item::THREAD_CONTEXT => {
                self.thread = read_u32(body, 1);
                self.reference = 0;
                self.threads.insert(self.thread);
            }
            item::ZONE_BEGIN_ALLOC_SRCLOC | item::ZONE_BEGIN_ALLOC_SRCLOC_CALLSTACK => {
                let time = self.advance(read_i64(body, 1));
                let name = self.payload_name.take().unwrap_or_default();
                self.begin(ZoneKey::Named(name), time);
            }
            item::ZONE_BEGIN | item::ZONE_BEGIN_CALLSTACK => {
                let time = self.advance(wide_delta(read_i64(body, 1)));
                self.begin_static(read_u64(body, 9), time, queries);
            }
            item::ZONE_BEGIN_32 | item::ZONE_BEGIN_CALLSTACK_32 => {
                let time = self.advance(i64::from(read_u32(body, 1)) + OFFSET_16);
                self.begin_static(read_u64(body, 5), time, queries);
            }
            item::ZONE_BEGIN_16 | item::ZONE_BEGIN_CALLSTACK_16 => {
                let time = self.advance(read_u16(body, 1) as i64);
                self.begin_static(read_u64(body, 3), time, queries);
            }
            item::ZONE_END => {
                let time = self.advance(wide_delta(read_i64(body, 1)));
                self.end(time);
            }
            item::ZONE_END_32 => {
                let time = self.advance(i64::from(read_u32(body, 1)) + OFFSET_16);
                self.end(time);
            }
            item::ZONE_END_16 => {
                let time = self.advance(read_u16(body, 1) as i64);
                self.end(time);
            }
            // Not summarised, but they move this thread's clock like the zones do.
            item::GPU_ZONE_BEGIN..=item::GPU_ZONE_END
            | item::FIBER_ENTER
            | item::FIBER_LEAVE
            | item::SECTION_ENTER
            | item::SECTION_LEAVE => {
                self.advance(read_i64(body, 1));
            }
            item::PLOT_INT | item::PLOT_FLOAT | item::PLOT_DOUBLE => {
                self.advance(read_i64(body, 9));
                let value = match kind {
                    item::PLOT_INT => read_i64(body, 17) as f64,
                    item::PLOT_FLOAT => f64::from(f32::from_le_bytes(array(body, 17))),
                    _ => f64::from_le_bytes(array(body, 17)),
                };
                let name = read_u64(body, 1);
                self.plots
                    .entry(name)
                    .and_modify(|plot| {
                        plot.points += 1;
                        plot.min = plot.min.min(value);
                        plot.max = plot.max.max(value);
                        plot.last = value;
                    })
                    .or_insert(PlotTotals {
                        points: 1,
                        min: value,
                        max: value,
                        last: value,
                    });
                self.query(query::PLOT_NAME, name, queries);
                self.activity += 1;
            }
            item::FRAME_MARK => {
                let name = read_u64(body, 9);
                if name == 0 {
                    self.frames += 1;
                } else {
                    *self.frame_sets.entry(name).or_default() += 1;
                    self.query(query::FRAME_NAME, name, queries);
                }
                self.activity += 1;
            }
            item::MESSAGE..=item::MESSAGE_COLOR_CALLSTACK => {
                let text = self.single_string.take().unwrap_or_default();
                self.message(MessageText::Received(text));
            }
            item::MESSAGE_LITERAL..=item::MESSAGE_LITERAL_COLOR_CALLSTACK => {
                // The last 8 bytes are a tagged address: the pointer shifted left by 8.
                let pointer = read_u64(body, body.len() - 8) >> 8;
                self.query(query::STRING, pointer, queries);
                self.message(MessageText::Pending(pointer));
            }
            item::SOURCE_LOCATION => {
                let (name, function) = (read_u64(body, 1), read_u64(body, 9));
                // The location's address is the one this answer was asked for: the
                // oldest query still unanswered.
                if let Some(pointer) = self.asked_locations.pop_front() {
                    self.source_locations.insert(pointer, (name, function));
                }
                for pointer in [name, function] {
                    if pointer != 0 {
                        self.query(query::STRING, pointer, queries);
                    }
                }
            }
            item::SINGLE_STRING | item::SINGLE_STRING_8 => {
                self.single_string = Some(String::from_utf8_lossy(text).into_owned());
            }
            item::SOURCE_LOCATION_PAYLOAD => self.payload_name = Some(payload_name(text)),
            item::STRING_DATA | item::PLOT_NAME | item::FRAME_NAME => {
                self.strings.insert(
                    read_u64(body, 1),
                    String::from_utf8_lossy(text).into_owned(),
                );
            }
            _ => {}
        }
    }

    /// Moves this thread's clock on by a delta and returns the new time.
    fn advance(&mut self, delta: i64) -> i64 {
        self.reference = self.reference.wrapping_add(delta);
        self.reference
    }

    fn begin(&mut self, key: ZoneKey, time: i64) {
        self.open.entry(self.thread).or_default().push((key, time));
        self.activity += 1;
    }

    fn begin_static(&mut self, location: u64, time: i64, queries: &mut Vec<u8>) {
        self.query(query::SOURCE_LOCATION, location, queries);
        self.begin(ZoneKey::Static(location), time);
    }

    fn end(&mut self, time: i64) {
        let Some((key, began)) = self.open.get_mut(&self.thread).and_then(Vec::pop) else {
            return;
        };
        let totals = self.zones.entry(key).or_default();
        totals.runs += 1;
        totals.ticks = totals.ticks.wrapping_add(time.wrapping_sub(began));
    }

    fn message(&mut self, text: MessageText) {
        self.message_count += 1;
        self.activity += 1;
        if self.messages.len() < MESSAGES_KEPT {
            self.messages.push(text);
        }
    }

    pub(crate) fn query(&mut self, kind: u8, pointer: u64, queries: &mut Vec<u8>) {
        if self.queried.insert((kind, pointer)) {
            queries.push(kind);
            queries.extend_from_slice(&pointer.to_le_bytes());
            queries.extend_from_slice(&0u32.to_le_bytes());
            debug_assert_eq!(queries.len() % QUERY_PACKET_SIZE, 0);
            if kind == query::SOURCE_LOCATION {
                self.asked_locations.push_back(pointer);
            }
        }
    }

    /// Zones still open (begun, not ended) when the capture stopped.
    pub(crate) fn open_zones(&self) -> u64 {
        self.open.values().map(|stack| stack.len() as u64).sum()
    }

    /// A zone's name: its source location's name, else its function.
    pub(crate) fn zone_name(&self, key: &ZoneKey) -> String {
        match key {
            ZoneKey::Named(name) => name.clone(),
            ZoneKey::Static(pointer) => self
                .source_locations
                .get(pointer)
                .and_then(|&(name, function)| {
                    self.strings
                        .get(&name)
                        .or_else(|| self.strings.get(&function))
                })
                .cloned()
                .unwrap_or_else(|| format!("(source location {pointer:#x}, name not received)")),
        }
    }

    /// A plot's or frame set's name, as the client sent it.
    pub(crate) fn name(&self, pointer: u64) -> String {
        self.strings
            .get(&pointer)
            .cloned()
            .unwrap_or_else(|| format!("(name {pointer:#x} not received)"))
    }

    /// The texts of the first messages.
    pub(crate) fn message_texts(&self) -> Vec<String> {
        self.messages
            .iter()
            .map(|message| match message {
                MessageText::Received(text) => text.clone(),
                MessageText::Pending(pointer) => self.name(*pointer),
            })
            .collect()
    }
}

/// A 64-bit zone time delta: the client subtracts [`OFFSET_32`] from deltas that needed
/// 64 bits, and sends negative ones as they are.
fn wide_delta(value: i64) -> i64 {
    if value < 0 {
        value
    } else {
        value.wrapping_add(OFFSET_32)
    }
}

/// The zone name in an allocated source location: color and line (4 bytes each),
/// function, NUL, file, NUL, then the name, which may be empty (then the function's).
fn payload_name(text: &[u8]) -> String {
    let rest = text.get(8..).unwrap_or_default();
    let mut parts = rest.splitn(3, |&byte| byte == 0);
    let function = parts.next().unwrap_or_default();
    let _file = parts.next();
    let name = parts
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(function);
    String::from_utf8_lossy(name).into_owned()
}

/// The variable part after an item's fixed bytes: its length and the text in it.
fn trailing(kind: u8, after: &[u8]) -> Result<(usize, &[u8]), ProbeError> {
    let (length_bytes, length) = match kind {
        item::SINGLE_STRING_8 | item::SECOND_STRING_8 => {
            (1, after.first().map(|&byte| usize::from(byte)))
        }
        item::SINGLE_STRING | item::SECOND_STRING => {
            (2, after.get(..2).map(|b| read_u16(b, 0) + OFFSET_8))
        }
        item::FRAME_IMAGE_DATA | item::SYMBOL_CODE | item::SOURCE_CODE => {
            (4, after.get(..4).map(|b| read_u32(b, 0) as usize))
        }
        kind if kind >= item::STRING_DATA => (2, after.get(..2).map(|b| read_u16(b, 0))),
        _ => return Ok((0, &[])),
    };
    let cut_short = || ProbeError::Garbage(format!("queue item type {kind}: text cut short"));
    let length = length.ok_or_else(cut_short)?;
    let text = after
        .get(length_bytes..length_bytes + length)
        .ok_or_else(cut_short)?;
    Ok((length_bytes + length, text))
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

fn read_u16(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(array(bytes, at)))
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(array(bytes, at))
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(array(bytes, at))
}

fn read_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(array(bytes, at))
}
