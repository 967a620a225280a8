//! What a capture found, as data (for tests and JSON) and as text (for people).

use std::fmt;

use serde::Serialize;

use crate::decode::Decoder;

/// Why the capture stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// The app exited: its client sent everything and said so.
    ClientExited,
    /// The client closed the connection without saying it was done.
    ConnectionClosed,
    /// The time limit passed.
    TimeLimit,
    /// The frame limit was reached and the stream then went quiet.
    FrameLimit,
}

/// One zone (by name): how often it ran and for how long.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneSummary {
    /// The zone's name (a system's name for cohort's zones).
    pub name: String,
    /// Completed runs.
    pub count: u64,
    /// Their total time, in nanoseconds.
    pub total_ns: f64,
    /// Their mean time, in nanoseconds.
    pub mean_ns: f64,
}

/// One plot: how many points and their range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotSummary {
    /// The plot's name.
    pub name: String,
    /// Points received.
    pub points: u64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Last value.
    pub last: f64,
}

/// What arrived from one Tracy client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The program's name, from the welcome message.
    pub program: String,
    /// Why the capture stopped.
    pub ended: Ended,
    /// Stream bytes as received (LZ4) and after decompression.
    pub bytes_compressed: u64,
    /// See `bytes_compressed`.
    pub bytes_decompressed: u64,
    /// Queue items decoded.
    pub items: u64,
    /// Marks of the main frame set.
    pub frames: u64,
    /// Marks of each named (secondary) frame set.
    pub frame_sets: Vec<(String, u64)>,
    /// Zones by name, longest total time first.
    pub zones: Vec<ZoneSummary>,
    /// Zones begun but not ended when the capture stopped.
    pub zones_open: u64,
    /// Plots by name.
    pub plots: Vec<PlotSummary>,
    /// Messages received.
    pub message_count: u64,
    /// The first messages' texts.
    pub messages: Vec<String>,
    /// Threads that sent items.
    pub threads: usize,
}

impl Summary {
    pub(crate) fn new(
        decoder: &Decoder,
        program: String,
        ended: Ended,
        timer_ns: f64,
        bytes: (u64, u64),
    ) -> Self {
        let mut zones: Vec<ZoneSummary> = Vec::new();
        for (key, totals) in &decoder.zones {
            let name = decoder.zone_name(key);
            let total_ns = totals.ticks as f64 * timer_ns;
            // Several allocated source locations may carry one name: merge them.
            match zones.iter_mut().find(|zone| zone.name == name) {
                Some(zone) => {
                    zone.count += totals.runs;
                    zone.total_ns += total_ns;
                }
                None => zones.push(ZoneSummary {
                    name,
                    count: totals.runs,
                    total_ns,
                    mean_ns: 0.0,
                }),
            }
        }
        for zone in &mut zones {
            zone.mean_ns = zone.total_ns / zone.count.max(1) as f64;
        }
        zones.sort_by(|a, b| b.total_ns.total_cmp(&a.total_ns).then(a.name.cmp(&b.name)));
        let mut frame_sets: Vec<(String, u64)> = decoder
            .frame_sets
            .iter()
            .map(|(&name, &marks)| (decoder.name(name), marks))
            .collect();
        frame_sets.sort();
        let mut plots: Vec<PlotSummary> = decoder
            .plots
            .iter()
            .map(|(&name, plot)| PlotSummary {
                name: decoder.name(name),
                points: plot.points,
                min: plot.min,
                max: plot.max,
                last: plot.last,
            })
            .collect();
        plots.sort_by(|a, b| a.name.cmp(&b.name));
        Self {
            program,
            ended,
            bytes_compressed: bytes.0,
            bytes_decompressed: bytes.1,
            items: decoder.items,
            frames: decoder.frames,
            frame_sets,
            zones,
            zones_open: decoder.open_zones(),
            plots,
            message_count: decoder.message_count,
            messages: decoder.message_texts(),
            threads: decoder.threads.len(),
        }
    }

    /// The zone with this exact name.
    pub fn zone(&self, name: &str) -> Option<&ZoneSummary> {
        self.zones.iter().find(|zone| zone.name == name)
    }

    /// The plot with this exact name.
    pub fn plot(&self, name: &str) -> Option<&PlotSummary> {
        self.plots.iter().find(|plot| plot.name == name)
    }

    /// Marks of the named frame set (0 when none arrived).
    pub fn frame_set(&self, name: &str) -> u64 {
        self.frame_sets
            .iter()
            .find(|(set, _)| set == name)
            .map_or(0, |&(_, marks)| marks)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "program: {}", self.program)?;
        let ended = match self.ended {
            Ended::ClientExited => "the app exited",
            Ended::ConnectionClosed => "the client closed the connection",
            Ended::TimeLimit => "time limit",
            Ended::FrameLimit => "frame limit",
        };
        writeln!(
            f,
            "ended: {ended}; {} bytes received, {} decompressed, {} items, {} threads",
            self.bytes_compressed, self.bytes_decompressed, self.items, self.threads
        )?;
        writeln!(f, "frames: {}", self.frames)?;
        for (name, marks) in &self.frame_sets {
            writeln!(f, "frame set \"{name}\": {marks}")?;
        }
        for plot in &self.plots {
            writeln!(
                f,
                "plot \"{}\": {} points, min {}, max {}, last {}",
                plot.name, plot.points, plot.min, plot.max, plot.last
            )?;
        }
        writeln!(
            f,
            "messages: {}{}",
            self.message_count,
            self.messages
                .first()
                .map_or(String::new(), |first| format!(", first: {first}"))
        )?;
        writeln!(
            f,
            "zones: {} names, {} runs, {} still open",
            self.zones.len(),
            self.zones.iter().map(|zone| zone.count).sum::<u64>(),
            self.zones_open
        )?;
        writeln!(
            f,
            "{:>10} {:>12} {:>10}  zone",
            "runs", "total ms", "mean us"
        )?;
        for zone in &self.zones {
            writeln!(
                f,
                "{:>10} {:>12.3} {:>10.2}  {}",
                zone.count,
                zone.total_ns / 1e6,
                zone.mean_ns / 1e3,
                zone.name
            )?;
        }
        Ok(())
    }
}
