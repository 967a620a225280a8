//! The profiler's figures: per system, per frame and per tick.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cell::{FrameCounts, SystemCell, SystemIdentity};
use crate::ring::Ring;

/// One frame as the profiler saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// The frame's number, counted from the profiler's first frame.
    pub index: u64,
    /// Wall time from the previous frame's end to this one's, in nanoseconds.
    pub nanos: u64,
    /// Simulation ticks run in this frame.
    pub ticks: u32,
    /// Heap allocations (and reallocations) in this frame, on every thread.
    pub allocations: u64,
    /// Bytes allocated in this frame, on every thread.
    pub bytes: u64,
    /// Of `allocations`, those made by systems themselves, above the floor.
    pub system_allocations: u64,
    /// Of `allocations`, those Bevy makes by itself: its executors (on whichever thread
    /// finished the last system), schedule runners, the frame's own work, and the task
    /// pool's share of `par_iter` calls in systems that declare them (`ParIterSystems`).
    /// This is the allocation floor.
    pub floor_allocations: u64,
    /// Live heap bytes at the frame's end.
    pub live_bytes: i64,
    /// Time spent in systems, summed over threads (schedule runners excluded).
    pub system_nanos: u64,
}

impl FrameRecord {
    /// The frame's time in milliseconds.
    pub fn ms(&self) -> f64 {
        self.nanos as f64 / 1e6
    }
}

/// Running totals of one system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemTotals {
    /// Runs.
    pub runs: u64,
    /// Time in all runs, commands applied included.
    pub nanos: u64,
    /// The longest run.
    pub max_nanos: u64,
    /// Allocations made on the system's thread while it ran (nested systems excluded).
    pub allocations: u64,
    /// Bytes allocated by the system itself.
    pub bytes: u64,
    /// How many of `allocations` may be Bevy's `par_iter` floor: for systems in
    /// `ParIterSystems`, one call's most per run (zero for other systems).
    pub par_iter_allowance: u64,
}

impl SystemTotals {
    pub(crate) fn add(&mut self, frame: &FrameCounts, par_iter_allowance: u64) {
        self.runs += frame.runs;
        self.nanos += frame.nanos;
        self.max_nanos = self.max_nanos.max(frame.max_nanos);
        self.allocations += frame.allocations;
        self.bytes += frame.bytes;
        self.par_iter_allowance += par_iter_allowance;
    }

    /// What happened between `earlier` and these totals (the longest run is this one's).
    pub fn since(&self, earlier: &SystemTotals) -> SystemTotals {
        SystemTotals {
            runs: self.runs - earlier.runs,
            nanos: self.nanos - earlier.nanos,
            max_nanos: self.max_nanos,
            allocations: self.allocations - earlier.allocations,
            bytes: self.bytes - earlier.bytes,
            par_iter_allowance: self.par_iter_allowance - earlier.par_iter_allowance,
        }
    }

    /// Allocations above the floor: beyond the `par_iter` allowance over all these runs
    /// (a call that allocates one more than usual is made up by the others).
    pub fn above_floor(&self) -> u64 {
        self.allocations.saturating_sub(self.par_iter_allowance)
    }

    /// Mean time per run in microseconds.
    pub fn mean_us(&self) -> f64 {
        per(self.nanos as f64 / 1e3, self.runs)
    }

    /// Mean allocations per run.
    pub fn allocations_per_run(&self) -> f64 {
        per(self.allocations as f64, self.runs)
    }

    /// Mean allocations above the floor per run.
    pub fn above_floor_per_run(&self) -> f64 {
        per(self.above_floor() as f64, self.runs)
    }

    /// Mean bytes per run.
    pub fn bytes_per_run(&self) -> f64 {
        per(self.bytes as f64, self.runs)
    }
}

pub(crate) fn per(value: f64, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        value / count as f64
    }
}

/// Everything the profiler keeps about one system.
pub struct SystemProfile {
    pub(crate) cell: Arc<SystemCell>,
    /// Since the profiler started.
    pub total: SystemTotals,
    /// After the warm-up frames: what steady state looks like.
    pub steady: SystemTotals,
    /// The last frame's figures.
    pub last_frame: SystemTotals,
    /// Time per frame over the rolling window, in nanoseconds.
    pub window_nanos: Ring<u64>,
    /// Allocations per frame over the rolling window.
    pub window_allocations: Ring<u64>,
}

impl std::fmt::Debug for SystemProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemProfile")
            .field("identity", self.identity())
            .field("total", &self.total)
            .field("steady", &self.steady)
            .field("last_frame", &self.last_frame)
            .finish_non_exhaustive()
    }
}

impl SystemProfile {
    pub(crate) fn new(cell: Arc<SystemCell>, window: usize) -> Self {
        Self {
            cell,
            total: SystemTotals::default(),
            steady: SystemTotals::default(),
            last_frame: SystemTotals::default(),
            window_nanos: Ring::new(window),
            window_allocations: Ring::new(window),
        }
    }

    /// The system's name, schedule and phase.
    pub fn identity(&self) -> &SystemIdentity {
        &self.cell.identity
    }

    /// Whether this system runs other schedules (`Main`'s `run_main`, the fixed-step loop,
    /// `run_sim_schedule`): its time includes theirs, and its own allocations are the
    /// executors' (the floor).
    pub fn runs_schedules(&self) -> bool {
        self.cell.runs_schedules()
    }

    /// The run time at quantile `q` over the whole run, in microseconds (within 12.5%:
    /// runs are counted in log-linear buckets).
    pub fn quantile_us(&self, q: f64) -> f64 {
        self.cell.histogram.quantile(q) as f64 / 1e3
    }

    /// Takes the frame's counters into the last frame's, the totals and the window;
    /// `par_iter_floor` is the most one `par_iter` call allocates by itself (counted as
    /// floor for systems in `ParIterSystems`).
    pub(crate) fn roll(&mut self, steady: bool, par_iter_floor: u64) {
        let frame = self.cell.take_frame();
        let allowance = if self.cell.identity.par_iter {
            frame.runs * par_iter_floor
        } else {
            0
        };
        self.last_frame = SystemTotals::default();
        self.last_frame.add(&frame, allowance);
        self.total.add(&frame, allowance);
        if steady {
            self.steady.add(&frame, allowance);
        }
        self.window_nanos.push(frame.nanos);
        self.window_allocations.push(frame.allocations);
    }
}
