//! A check for plugin tests: after warm-up, no system allocates above the floor.

use std::fmt;

use bevy::app::App;

use crate::profiler::Profiler;
use crate::records::SystemTotals;

/// How to run the check. Build it with [`SteadyState::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteadyState {
    /// `App::update`s before measuring (buffers grow, schedules build).
    pub warmup: u32,
    /// `App::update`s measured.
    pub updates: u32,
    /// `par_iter` calls each system may make per run.
    pub par_iter_calls: u32,
    /// Tables (archetypes with their own storage) a `par_iter` call may cover.
    pub par_iter_tables: u32,
    /// Name prefixes of the systems checked (`cohort_battle::`); `None`: every system.
    pub only: Option<&'static [&'static str]>,
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
    /// Allocations above the floor in those runs.
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
            par_iter_tables: 1,
            only: None,
        }
    }

    /// Checks only systems whose names start with one of `prefixes` (your crate's, say),
    /// leaving out Bevy's, which may allocate on rare frames of their own.
    pub fn only(mut self, prefixes: &'static [&'static str]) -> Self {
        self.only = Some(prefixes);
        self
    }

    /// Allows each checked system `calls` `par_iter` calls per run over up to `tables`
    /// tables, on top of what `ParIterSystems` already counts as floor (use it with
    /// [`only`](Self::only) for systems you cannot put in that set).
    ///
    /// One call allocates a scope and one task per batch; Bevy splits each table into at
    /// most one batch per compute thread. The start-up measurement over one table gives
    /// the scope's cost plus one table's tasks (`Profiler::par_iter_floor().max`); each
    /// further table may add one task per thread.
    pub fn allow_par_iter(mut self, calls: u32, tables: u32) -> Self {
        self.par_iter_calls = calls;
        self.par_iter_tables = tables.max(1);
        self
    }

    /// Allocations allowed per system run.
    pub fn allowance_per_run(&self, profiler: &Profiler) -> u64 {
        let floor = profiler.par_iter_floor();
        // Zero tables (a struct literal skips `allow_par_iter`'s clamp) count as one.
        let extra_tables = u64::from(self.par_iter_tables.saturating_sub(1));
        let per_call = floor.max + extra_tables * floor.threads as u64;
        per_call * u64::from(self.par_iter_calls)
    }

    /// Runs the app and lists every system that allocated above the floor. Systems that
    /// run schedules are skipped: their own allocations are the executors' (the floor).
    /// Systems in `ParIterSystems` have one `par_iter` call's allocations per run counted
    /// as floor already; `allow_par_iter` adds an allowance on top, for the others.
    pub fn check(&self, app: &mut App) -> Result<(), SteadyStateError> {
        if app.world().get_resource::<Profiler>().is_none() {
            return Err(SteadyStateError::NoProfiler);
        }
        for _ in 0..self.warmup {
            app.update();
        }
        if !app.world().resource::<Profiler>().allocations_counted() {
            return Err(SteadyStateError::NoCountingAllocator);
        }
        let before: Vec<SystemTotals> = app
            .world()
            .resource::<Profiler>()
            .systems()
            .iter()
            .map(|system| system.total)
            .collect();
        for _ in 0..self.updates {
            app.update();
        }
        let profiler = app.world().resource::<Profiler>();
        let per_run = self.allowance_per_run(profiler);
        let offenders: Vec<Offender> = profiler
            .systems()
            .iter()
            .enumerate()
            .filter(|(_, system)| !system.runs_schedules())
            .filter(|(_, system)| {
                self.only.is_none_or(|prefixes| {
                    prefixes
                        .iter()
                        .any(|prefix| system.identity().name.starts_with(prefix))
                })
            })
            .filter_map(|(index, system)| {
                let earlier = before.get(index).copied().unwrap_or_default();
                // Over the measured runs only, less declared systems' `par_iter` allowance.
                let measured = system.total.since(&earlier);
                let (runs, allocations) = (measured.runs, measured.above_floor());
                let allowed = per_run * runs;
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

#[cfg(test)]
mod tests {
    use bevy::prelude::*;

    use super::*;
    use crate::ProfilerPlugin;

    fn profiled_app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, ProfilerPlugin::default().warmup_frames(1)));
        app
    }

    #[test]
    fn without_the_counting_allocator_the_check_says_so_instead_of_passing() {
        // This crate's unit-test binary has no `#[global_allocator]`.
        let mut app = profiled_app();
        let error = SteadyState::new(3, 3).check(&mut app).unwrap_err();
        assert_eq!(error, SteadyStateError::NoCountingAllocator);
        assert!(error.to_string().contains("#[global_allocator]"), "{error}");
    }

    #[test]
    fn without_the_profiler_the_check_says_so() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins);
        let error = SteadyState::new(1, 1).check(&mut app).unwrap_err();
        assert_eq!(error, SteadyStateError::NoProfiler);
    }

    #[test]
    fn zero_tables_allow_what_one_table_allows() {
        let mut app = profiled_app();
        app.update();
        let profiler = app.world().resource::<Profiler>();
        let one = SteadyState::new(1, 1).allow_par_iter(2, 1);
        let zero = SteadyState {
            par_iter_tables: 0,
            ..one
        };
        assert_eq!(
            zero.allowance_per_run(profiler),
            one.allowance_per_run(profiler)
        );
    }
}
