//! The profiler's settings.

use std::path::PathBuf;

/// How the profiler measures and what it keeps. Set it on
/// [`ProfilerPlugin`](crate::ProfilerPlugin); read it back from
/// [`Profiler::config`](crate::Profiler::config).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilerConfig {
    /// Whether measuring starts switched on. Switch it at run time with
    /// [`Profiler::set_enabled`](crate::Profiler::set_enabled).
    pub enabled: bool,
    /// Frames (and ticks) in the rolling window.
    pub window: usize,
    /// A frame slower than this many times the window's median is a hitch.
    pub hitch_factor: f64,
    /// Frames before steady state: their allocations count in totals but not in the
    /// steady-state figures (buffers grow, schedules build, caches fill), and budgets are
    /// not checked during them.
    pub warmup_frames: u64,
    /// Frames of the whole-run series kept for export; memory for them is reserved up front
    /// so recording never allocates. Frames past it are counted, not kept.
    pub run_series_capacity: usize,
    /// The budgets file, read once at start-up. A missing or bad file logs one error and
    /// the budgets given in code (none by default) stay.
    pub budgets_path: Option<PathBuf>,
    /// Seconds between two warnings about the same budget.
    pub warn_interval_secs: f64,
    /// With the `tracy` feature: whether zones, frame marks and plots go to Tracy. Switch
    /// it at run time with [`Profiler::set_tracy_enabled`](crate::Profiler::set_tracy_enabled).
    pub tracy: bool,
}

impl Default for ProfilerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window: 600,
            hitch_factor: 2.0,
            warmup_frames: 60,
            run_series_capacity: 36_000,
            budgets_path: None,
            warn_interval_secs: 5.0,
            tracy: true,
        }
    }
}
