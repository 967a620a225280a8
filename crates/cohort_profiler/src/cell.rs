//! What the profiler knows about one system: its identity and the counters its wrapper
//! writes while the frame runs.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use crate::histogram::RunHistogram;

/// Where a system lives: its name, its schedule and, in `SimSchedule`, its phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemIdentity {
    /// The system's name as Bevy gives it (`crate::module::function`).
    pub name: String,
    /// The schedule's label, formatted (`Update`, `SimSchedule`).
    pub schedule: String,
    /// The `SimSystems` phase the system belongs to, if any.
    pub phase: Option<&'static str>,
    /// The phase's index in `SimSystems::ALL`.
    pub phase_index: Option<usize>,
    /// Whether the system is exclusive (`&mut World`).
    pub exclusive: bool,
    /// Whether it is in `ParIterSystems`: one `par_iter` call's allocations per run are
    /// counted as the floor.
    pub par_iter: bool,
}

/// Counters of one system, shared by its wrapper (the only writer while a frame runs) and
/// the profiler's end-of-frame roll-over (an exclusive system, so never at the same time).
pub(crate) struct SystemCell {
    pub(crate) identity: SystemIdentity,
    frame_runs: AtomicU64,
    frame_nanos: AtomicU64,
    frame_max_nanos: AtomicU64,
    frame_allocations: AtomicU64,
    frame_bytes: AtomicU64,
    /// Set once other profiled systems ran inside this one on its thread: it runs
    /// schedules (`Main`'s `run_main`, the fixed-step loop, `run_sim_schedule`).
    runs_schedules: AtomicBool,
    pub(crate) histogram: RunHistogram,
}

/// One frame's counters of one system, read by the roll-over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FrameCounts {
    pub runs: u64,
    pub nanos: u64,
    pub max_nanos: u64,
    pub allocations: u64,
    pub bytes: u64,
}

impl SystemCell {
    pub(crate) fn new(identity: SystemIdentity) -> Self {
        Self {
            identity,
            frame_runs: AtomicU64::new(0),
            frame_nanos: AtomicU64::new(0),
            frame_max_nanos: AtomicU64::new(0),
            frame_allocations: AtomicU64::new(0),
            frame_bytes: AtomicU64::new(0),
            runs_schedules: AtomicBool::new(false),
            histogram: RunHistogram::default(),
        }
    }

    /// Adds one run (or, with `counts_as_run` false, the application of its commands).
    /// Single writer: plain loads and stores, no read-modify-write.
    #[inline]
    pub(crate) fn add(&self, nanos: u64, allocations: u64, bytes: u64, counts_as_run: bool) {
        bump(&self.frame_nanos, nanos);
        bump(&self.frame_allocations, allocations);
        bump(&self.frame_bytes, bytes);
        if counts_as_run {
            bump(&self.frame_runs, 1);
            if nanos > self.frame_max_nanos.load(Relaxed) {
                self.frame_max_nanos.store(nanos, Relaxed);
            }
            self.histogram.record(nanos);
        }
    }

    pub(crate) fn mark_runs_schedules(&self) {
        if !self.runs_schedules.load(Relaxed) {
            self.runs_schedules.store(true, Relaxed);
        }
    }

    pub(crate) fn runs_schedules(&self) -> bool {
        self.runs_schedules.load(Relaxed)
    }

    /// Reads this frame's counters and starts the next frame at zero.
    pub(crate) fn take_frame(&self) -> FrameCounts {
        // No writer runs now (see the type's docs): a load and a store suffice.
        let take = |counter: &AtomicU64| {
            let value = counter.load(Relaxed);
            if value != 0 {
                counter.store(0, Relaxed);
            }
            value
        };
        FrameCounts {
            runs: take(&self.frame_runs),
            nanos: take(&self.frame_nanos),
            max_nanos: take(&self.frame_max_nanos),
            allocations: take(&self.frame_allocations),
            bytes: take(&self.frame_bytes),
        }
    }
}

#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
}
