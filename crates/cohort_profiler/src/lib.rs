//! Where each frame's time and heap allocations go, system by system.
//!
//! [`ProfilerPlugin`] wraps every system of every schedule (Bevy's included, and systems
//! added at run time) in a stopwatch and an allocation counter, and at the end of each
//! frame rolls the figures into the [`Profiler`] resource:
//!
//! - per system: runs, time per run (mean, p95, max), allocations and bytes per run;
//! - per frame and per simulation tick over a rolling window: p50/p95/p99/max, FPS, 1% low;
//! - hitches (frames over `hitch_factor` × the median) with the slowest one's breakdown;
//! - the allocation floor: what Bevy's executors, schedule runners and the `par_iter`
//!   calls of systems in `cohort_sim::ParIterSystems` allocate by themselves, apart from
//!   what systems allocate;
//! - budgets per system, per `SimSystems` phase and per frame, from `assets/budgets.ron`;
//! - with the `tracy` feature, a Tracy zone per system run, frame and tick marks, plots of
//!   the counters and a message per hitch.
//!
//! Allocation figures need [`cohort_alloc::CountingAllocator`] as the global allocator.
//! An app driven by hand with `app.update()` calls `app.finish()` and `app.cleanup()`
//! first, as `App::run` does, so that the schedules of the first frame are wrapped too.
//!
//! ```
//! use bevy::prelude::*;
//! use cohort_alloc::CountingAllocator;
//! use cohort_profiler::{Profiler, ProfilerPlugin};
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::system();
//!
//! fn make_names(mut names: Local<Vec<String>>) {
//!     names.clear();
//!     names.push("a".repeat(3));
//! }
//!
//! let mut app = App::new();
//! app.add_plugins((MinimalPlugins, ProfilerPlugin::default()))
//!     .add_systems(Update, make_names);
//! app.finish();
//! app.cleanup();
//! for _ in 0..5 {
//!     app.update();
//! }
//! let profiler = app.world().resource::<Profiler>();
//! let names = profiler
//!     .systems()
//!     .iter()
//!     .find(|system| system.identity().name.ends_with("make_names"))
//!     .unwrap();
//! assert_eq!(names.total.runs, 4, "the first frame only starts the clock");
//! assert_eq!(names.total.allocations_per_run(), 1.0, "one String per run");
//! ```

/// Whether this build can send zones, frame marks and plots to Tracy (the `tracy`
/// feature); [`Profiler::set_tracy_enabled`] switches it at run time.
pub const TRACY_ENABLED: bool = cfg!(feature = "tracy");

mod attach;
mod budgets;
mod cell;
mod clock;
mod config;
mod diff;
mod export;
mod floor;
mod histogram;
mod hitch;
mod plugin;
mod profiler;
mod records;
mod report;
mod ring;
mod series;
mod shared;
mod testing;
#[cfg(feature = "tracy")]
mod tracy;
mod wrap;

pub use budgets::{Budget, BudgetRecord, BudgetTarget, Budgets};
pub use cell::SystemIdentity;
pub use config::ProfilerConfig;
pub use diff::{ComparedSystem, DiffThresholds, Regression, ReportDiff, diff_reports, systems_of};
pub use export::{Export, ExportScope, frames_csv, systems_csv};
pub use floor::ParIterFloor;
pub use hitch::HitchSnapshot;
pub use plugin::{ProfilerPlugin, ProfilerSystems};
pub(crate) use profiler::ProfilerHandle;
pub use profiler::{Profiler, RunTotals};
pub use records::{FrameRecord, SystemProfile, SystemTotals};
pub use report::{
    AllocationReport, HitchReport, ProfileReport, ScheduleRow, SystemRow, WindowSystemRow,
};
pub use ring::Ring;
pub use series::{SeriesStats, nearest_rank};
pub use testing::{Offender, SteadyState, SteadyStateError};
