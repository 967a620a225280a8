//! A check for plugin tests: after warm-up, no system allocates above the floor.

use std::fmt;

use bevy::app::App;

use crate::profiler::Profiler;

/// How to run the check. Build it with [`SteadyState::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteadyState {
    /// `App::update`s before measuring (buffers grow, schedules build).
    pub warmup: u32,
    /// `App::update`s measured.
    pub updates: u32,
    /// `par_iter` calls each system may make per run; each may allocate what the profiler
    /// measured one call to allocate at start-up (`Profiler::par_iter_floor().max`).
    pub par_iter_calls: u32,
}

/// A system that allocated in steady state.
#[derive(Debug, Clone, PartialEq)]
pub struct Offender {
    /// The system's name.
    pub name: String,
    /// Its schedule.
    pub schedule: String,
    /// Runs measured.
    pub runs: u64,
    /// Allocations in those runs.
    pub allocations: u64,
    /// Allocations allowed in those runs (the `par_iter` floor).
    pub allowed: u64,
}

/// Why the check failed.
#[derive(Debug, Clone, PartialEq)]
pub enum SteadyStateError {
    /// `ProfilerPlugin` is not in the app.
    NoProfiler,
    /// `CountingAllocator` is not the global allocator, so nothing can be counted.
    NoCountingAllocator,
    /// Systems allocated above the floor.
    Allocated(Vec<Offender>),
}

impl fmt::Display for SteadyStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SteadyStateError::NoProfiler => {
                f.write_str("add ProfilerPlugin to the app before checking its allocations")
            }
            SteadyStateError::NoCountingAllocator => f.write_str(
                "install the counter in the test binary: #[global_allocator] static A: \
                 cohort_alloc::CountingAllocator = cohort_alloc::CountingAllocator::system();",
            ),
            SteadyStateError::Allocated(offenders) => {
                writeln!(f, "{} systems allocated in steady state:", offenders.len())?;
                for offender in offenders {
                    writeln!(
                        f,
                        "  {} ({}): {} allocations in {} runs ({} allowed for par_iter)",
                        offender.name,
                        offender.schedule,
                        offender.allocations,
                        offender.runs,
                        offender.allowed
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SteadyStateError {}

impl SteadyState {
    /// `warmup` updates, then `updates` measured ones; no `par_iter` allowance.
    pub fn new(warmup: u32, updates: u32) -> Self {
        Self {
            warmup,
            updates,
            par_iter_calls: 0,
        }
    }

    /// Allows each system `calls` `par_iter` calls per run.
    pub fn allow_par_iter(mut self, calls: u32) -> Self {
        self.par_iter_calls = calls;
        self
    }

    /// Runs the app and lists every system that allocated above the floor. Systems that
    /// run schedules are skipped: their own allocations are the executors' (the floor).
    pub fn check(&self, app: &mut App) -> Result<(), SteadyStateError> {
        if app.world().get_resource::<Profiler>().is_none() {
            return Err(SteadyStateError::NoProfiler);
        }
        for _ in 0..self.warmup {
            app.update();
        }
        if !cohort_alloc::is_installed() {
            return Err(SteadyStateError::NoCountingAllocator);
        }
        let before: Vec<(u64, u64)> = totals(app.world().resource::<Profiler>());
        for _ in 0..self.updates {
            app.update();
        }
        let profiler = app.world().resource::<Profiler>();
        let per_call = profiler.par_iter_floor().max * u64::from(self.par_iter_calls);
        let offenders: Vec<Offender> = profiler
            .systems()
            .iter()
            .enumerate()
            .filter(|(_, system)| !system.runs_schedules())
            .filter_map(|(index, system)| {
                let (runs_before, allocations_before) =
                    before.get(index).copied().unwrap_or_default();
                let runs = system.total.runs - runs_before;
                let allocations = system.total.allocations - allocations_before;
                let allowed = per_call * runs;
                (allocations > allowed).then(|| Offender {
                    name: system.identity().name.clone(),
                    schedule: system.identity().schedule.clone(),
                    runs,
                    allocations,
                    allowed,
                })
            })
            .collect();
        if offenders.is_empty() {
            Ok(())
        } else {
            Err(SteadyStateError::Allocated(offenders))
        }
    }

    /// [`SteadyState::check`], panicking with the list of offenders.
    #[track_caller]
    pub fn assert(&self, app: &mut App) {
        if let Err(error) = self.check(app) {
            panic!("{error}");
        }
    }
}

fn totals(profiler: &Profiler) -> Vec<(u64, u64)> {
    profiler
        .systems()
        .iter()
        .map(|system| (system.total.runs, system.total.allocations))
        .collect()
}
