//! Counters of one event type, kept without allocating, and their serializable summary.

use cohort_sim::{nearest_rank, nearest_rank_bucket};
use serde::{Deserialize, Serialize};

/// Flushes in the rolling window of per-tick figures.
pub const STATS_WINDOW: usize = 256;
/// Latencies (ticks from write to delivery) are counted exactly up to this; longer ones
/// count here.
pub(crate) const LATENCY_BUCKETS: usize = 8;

/// A fixed ring of the last [`STATS_WINDOW`] values.
#[derive(Debug, Clone)]
struct Window {
    values: [u32; STATS_WINDOW],
    next: usize,
    filled: usize,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            values: [0; STATS_WINDOW],
            next: 0,
            filled: 0,
        }
    }
}

impl Window {
    fn push(&mut self, value: u32) {
        self.values[self.next] = value;
        self.next = (self.next + 1) % STATS_WINDOW;
        self.filled = (self.filled + 1).min(STATS_WINDOW);
    }

    /// The nearest-rank 95th percentile, sorted on the stack.
    fn p95(&self) -> u32 {
        let mut sorted = self.values;
        let sorted = &mut sorted[..self.filled];
        sorted.sort_unstable();
        nearest_rank(sorted, 0.95).unwrap_or(0)
    }
}

/// What happened to one event type's events, since the start and over the last
/// [`STATS_WINDOW`] flushes. `sent == delivered + dropped` always holds: a coalesced
/// event is delivered inside the event it merged into.
#[derive(Debug, Clone, Default)]
pub struct EventTypeStats {
    /// Events written.
    pub sent: u64,
    /// Events delivered in a batch, merged ones included.
    pub delivered: u64,
    /// Events past the capacity of a [`BatchOverflow::DropLast`](crate::BatchOverflow) batch.
    pub dropped: u64,
    /// Events merged into an earlier one with the same key.
    pub coalesced: u64,
    /// Flushes run.
    pub flushes: u64,
    /// The longest batch delivered.
    pub batch_max: usize,
    /// Buffer growths: each flush adds one for each of the batch, the flush's own sort
    /// buffers, the writers' staging buffers and a re-split's new room that grew.
    pub growths: u64,
    per_flush: Window,
    flush_nanos: Window,
    latency: [u64; LATENCY_BUCKETS],
}

impl EventTypeStats {
    pub(crate) fn record_flush(&mut self, flush: &FlushFigures) {
        self.sent += flush.sent;
        // Counted from the batch, not taken as sent less dropped: the invariant below
        // then checks the flush's bookkeeping.
        self.delivered += flush.batch as u64 + flush.coalesced;
        self.dropped += flush.dropped;
        self.coalesced += flush.coalesced;
        self.flushes += 1;
        self.batch_max = self.batch_max.max(flush.batch);
        self.growths += flush.growths;
        self.per_flush
            .push(u32::try_from(flush.sent).unwrap_or(u32::MAX));
        self.flush_nanos
            .push(u32::try_from(flush.nanos).unwrap_or(u32::MAX));
    }

    #[cfg(test)]
    pub(crate) fn record_latency(&mut self, ticks: u32) {
        self.latency[latency_bucket(ticks)] += 1;
    }

    /// Adds events counted by [`latency_bucket`].
    pub(crate) fn record_latencies(&mut self, counts: &[u64; LATENCY_BUCKETS]) {
        for (total, count) in self.latency.iter_mut().zip(counts) {
            *total += count;
        }
    }

    /// Events written per flush (per tick), 95th percentile over the window.
    pub fn per_tick_p95(&self) -> u32 {
        self.per_flush.p95()
    }

    /// A flush's time in microseconds, 95th percentile over the window.
    pub fn flush_us_p95(&self) -> f64 {
        f64::from(self.flush_nanos.p95()) / 1e3
    }

    /// Ticks from write to delivery, 95th percentile over every event delivered
    /// (7 means 7 or more: the histogram stops there).
    pub fn latency_ticks_p95(&self) -> u32 {
        nearest_rank_bucket(self.latency.iter().copied(), 0.95).map_or(0, |ticks| ticks as u32)
    }

    /// The figures the headless report carries.
    pub fn summary(&self) -> EventTypeSummary {
        EventTypeSummary {
            sent: self.sent,
            delivered: self.delivered,
            dropped: self.dropped,
            coalesced: self.coalesced,
            per_tick_p95: self.per_tick_p95(),
            batch_max: self.batch_max,
            flush_us_p95: self.flush_us_p95(),
            latency_ticks_p95: self.latency_ticks_p95(),
            growths: self.growths,
        }
    }
}

/// Where an event delivered `ticks` after it was written is counted.
#[inline]
pub(crate) fn latency_bucket(ticks: u32) -> usize {
    (ticks as usize).min(LATENCY_BUCKETS - 1)
}

/// One flush's figures.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FlushFigures {
    pub sent: u64,
    pub dropped: u64,
    pub coalesced: u64,
    pub batch: usize,
    pub growths: u64,
    pub nanos: u64,
}

/// One event type's figures in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTypeSummary {
    /// Events written.
    pub sent: u64,
    /// Events delivered, merged ones included.
    pub delivered: u64,
    /// Events dropped past capacity.
    pub dropped: u64,
    /// Events merged into another.
    pub coalesced: u64,
    /// Events written per tick, 95th percentile over the last 256 flushes.
    pub per_tick_p95: u32,
    /// The longest batch.
    pub batch_max: usize,
    /// Flush time, 95th percentile over the last 256 flushes, in microseconds.
    pub flush_us_p95: f64,
    /// Ticks from write to delivery, 95th percentile.
    pub latency_ticks_p95: u32,
    /// Flushes' buffer growths ([`EventTypeStats::growths`]).
    pub growths: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut stats = EventTypeStats::default();
        for sent in 1..=100 {
            stats.record_flush(&FlushFigures {
                sent,
                batch: sent as usize,
                nanos: sent * 1_000,
                ..FlushFigures::default()
            });
        }
        assert_eq!(stats.per_tick_p95(), 95);
        assert_eq!(stats.flush_us_p95(), 95.0);
        for _ in 0..94 {
            stats.record_latency(0);
        }
        stats.record_latency(1);
        stats.record_latency(30);
        stats.record_latency(30);
        stats.record_latency(30);
        stats.record_latency(30);
        stats.record_latency(30);
        // 99 events: rank 95 is the 95th, a latency of 1.
        assert_eq!(stats.latency_ticks_p95(), 1);
        assert_eq!(stats.sent, stats.delivered + stats.dropped);
    }
}
