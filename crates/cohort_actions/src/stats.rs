//! What happened to one action type's orders: counts, enqueue-to-start latency and the
//! pool's use.

use bevy::ecs::world::World;
use cohort_sim::{SummaryRegistry, nearest_rank_bucket};
use serde::{Deserialize, Serialize};

use crate::pool::{ActionPool, PoolSummary};
use crate::queued::ActionEnd;

/// Buckets of the latency histogram: latencies of 0 to `LATENCY_BUCKETS - 2` ticks are
/// counted exactly; longer ones share the last bucket.
pub const LATENCY_BUCKETS: usize = 256;

/// Adds `by` to `count`, stopping at the limit: a loaded save may carry counts near it.
pub(crate) fn bump(count: &mut u64, by: u64) {
    *count = count.saturating_add(by);
}

/// Counters of one action type since the app started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCounts {
    /// Actions queued by pushes and replaces.
    pub enqueued: u64,
    /// Actions that became current.
    pub started: u64,
    /// Ended as [`ActionEnd::Finished`].
    pub finished: u64,
    /// Ended as [`ActionEnd::Cancelled`], plus queued actions removed by a clear, a
    /// replace or a cancel-where.
    pub cancelled: u64,
    /// Ended as [`ActionEnd::TimedOut`].
    pub timed_out: u64,
    /// Ended as [`ActionEnd::Interrupted`].
    pub interrupted: u64,
    /// Pushes refused by a full queue, or aimed at a unit without a queue (despawned, or
    /// never given one), or at a queue of another world.
    pub rejected: u64,
    /// Queued actions dropped to make room ([`QueueOverflow::DropOldest`](crate::QueueOverflow)).
    pub dropped: u64,
    /// Pushes ignored as equal to the action before them.
    pub deduplicated: u64,
    /// Queued and current actions given back when their unit despawned or lost its queue
    /// (removed, or dropped: assigned over or taken and dropped).
    pub discarded: u64,
    /// Commands (clear, cancel) aimed at a unit without a queue.
    pub orphaned: u64,
}

impl ActionCounts {
    pub(crate) fn record_end(&mut self, end: ActionEnd) {
        match end {
            ActionEnd::Finished => self.finished += 1,
            ActionEnd::Cancelled => self.cancelled += 1,
            ActionEnd::TimedOut => self.timed_out += 1,
            ActionEnd::Interrupted => self.interrupted += 1,
        }
    }

    pub(crate) fn add(&mut self, other: &Self) {
        let Self {
            enqueued,
            started,
            finished,
            cancelled,
            timed_out,
            interrupted,
            rejected,
            dropped,
            deduplicated,
            discarded,
            orphaned,
        } = *other;
        bump(&mut self.enqueued, enqueued);
        bump(&mut self.started, started);
        bump(&mut self.finished, finished);
        bump(&mut self.cancelled, cancelled);
        bump(&mut self.timed_out, timed_out);
        bump(&mut self.interrupted, interrupted);
        bump(&mut self.rejected, rejected);
        bump(&mut self.dropped, dropped);
        bump(&mut self.deduplicated, deduplicated);
        bump(&mut self.discarded, discarded);
        bump(&mut self.orphaned, orphaned);
    }
}

/// Enqueue-to-start latencies in ticks, one bucket per tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyHistogram {
    buckets: [u64; LATENCY_BUCKETS],
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            buckets: [0; LATENCY_BUCKETS],
        }
    }
}

impl LatencyHistogram {
    /// Counts one action that waited `ticks`.
    pub fn record(&mut self, ticks: u64) {
        self.record_many(ticks, 1);
    }

    /// The nearest-rank quantile `q` in ticks (the last bucket means "at least that
    /// many"); `None` before any action started.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        nearest_rank_bucket(self.buckets.iter().copied(), q).map(|bucket| bucket as u64)
    }

    /// Counts `count` actions that waited `ticks`.
    pub fn record_many(&mut self, ticks: u64, count: u64) {
        let bucket = usize::try_from(ticks)
            .map_or(LATENCY_BUCKETS - 1, |ticks| ticks.min(LATENCY_BUCKETS - 1));
        // Saturating: a loaded save may carry counts near the limit.
        self.buckets[bucket] = self.buckets[bucket].saturating_add(count);
    }

    /// (ticks, count) for each bucket with a count.
    pub fn nonzero(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(ticks, count)| (ticks as u32, *count))
    }

    pub(crate) fn add(&mut self, other: &Self) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.buckets = [0; LATENCY_BUCKETS];
    }
}

/// One action type's figures, as the headless report shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionTypeSummary {
    /// The pool's size and use.
    pub pool: PoolSummary,
    /// Counters since the start.
    pub counts: ActionCounts,
    /// 95th percentile of ticks from enqueue to start.
    pub latency_ticks_p95: u64,
}

impl ActionTypeSummary {
    /// `A`'s figures in `world`, if `A` is registered.
    pub fn of<A: Send + Sync + 'static>(world: &World) -> Option<Self> {
        let pool = world.get_resource::<ActionPool<A>>()?;
        Some(Self {
            pool: pool.summary(),
            counts: *pool.counts(),
            latency_ticks_p95: pool.latency().quantile(0.95).unwrap_or(0),
        })
    }
}

/// Every registered action type, for reports: `ActionRegistry::summaries(world)`.
pub type ActionRegistry = SummaryRegistry<ActionTypeSummary>;
