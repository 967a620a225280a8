//! The profiler's figures as plain data: for JSON reports, CSV files and comparisons.

use serde::{Deserialize, Serialize};

use crate::budgets::BudgetRecord;
use crate::floor::ParIterFloor;
use crate::profiler::Profiler;
use crate::records::{FrameRecord, SystemProfile, per};
use crate::series::SeriesStats;

/// One system's row: where it runs, how long it takes, what it allocates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemRow {
    /// The system's name.
    pub name: String,
    /// Its schedule.
    pub schedule: String,
    /// Its `SimSystems` phase, if any.
    #[serde(default)]
    pub phase: Option<String>,
    /// Runs measured.
    pub runs: u64,
    /// Total time, in milliseconds.
    pub total_ms: f64,
    /// Mean time per run, in microseconds (applying its commands included).
    pub mean_us: f64,
    /// 95th percentile of a run's time, in microseconds (within 12.5%).
    pub p95_us: f64,
    /// The longest run, in microseconds.
    pub max_us: f64,
    /// Allocations per run in steady state (whole run when there was no steady state).
    pub allocs_per_run: f64,
    /// Of those, above the floor: for systems in `ParIterSystems`, less one `par_iter`
    /// call's own allocations per run.
    #[serde(default)]
    pub above_floor_per_run: f64,
    /// Bytes allocated per run in steady state.
    pub bytes_per_run: f64,
    /// Whether it runs other schedules; its time includes theirs and its allocations are
    /// the executors' (counted in the floor, not here).
    #[serde(default)]
    pub runs_schedules: bool,
}

impl SystemRow {
    fn from_profile(system: &SystemProfile) -> Self {
        let identity = system.identity();
        let steady = if system.steady.runs > 0 {
            system.steady
        } else {
            system.total
        };
        Self {
            name: identity.name.clone(),
            schedule: identity.schedule.clone(),
            phase: identity.phase.map(str::to_string),
            runs: system.total.runs,
            total_ms: system.total.nanos as f64 / 1e6,
            mean_us: system.total.mean_us(),
            p95_us: system.quantile_us(0.95),
            max_us: system.total.max_nanos as f64 / 1e3,
            allocs_per_run: steady.allocations_per_run(),
            above_floor_per_run: steady.above_floor_per_run(),
            bytes_per_run: steady.bytes_per_run(),
            runs_schedules: system.runs_schedules(),
        }
    }
}

/// One schedule's totals: the sum over its systems (schedule runners count where they
/// are, not in the schedules they run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRow {
    /// The schedule's label.
    pub name: String,
    /// Systems in it that ran.
    pub systems: usize,
    /// System runs.
    pub runs: u64,
    /// Time in its systems, summed over threads, in milliseconds.
    pub total_ms: f64,
    /// Allocations its systems made in steady state, per frame.
    pub allocs_per_frame: f64,
}

/// Allocations in steady state, per simulation tick (per frame when no tick ran).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationReport {
    /// Whether `CountingAllocator` is the global allocator; all figures are zero if not.
    pub counting: bool,
    /// Every allocation, every thread.
    pub per_tick_steady: f64,
    /// Bytes allocated, every thread.
    pub bytes_per_tick_steady: f64,
    /// Made by Bevy by itself: executors (on every thread), schedule runners, the frame's
    /// own work, and the task pool's share of `par_iter` calls in systems that declare
    /// them (`ParIterSystems`). Work a `par_iter` closure does on another thread lands
    /// here too: it cannot be told apart from the executor's.
    pub floor_per_tick: f64,
    /// Made by systems on their own thread, above the floor.
    pub above_floor_per_tick: f64,
    /// What one `par_iter` call allocates by itself, measured at start-up.
    pub par_iter: ParIterFloor,
    /// Live heap bytes at the end.
    pub live_bytes: i64,
}

/// The slowest recent hitch, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitchReport {
    /// The frame.
    pub frame: FrameRecord,
    /// The window's median frame time then, in milliseconds.
    pub median_ms: f64,
    /// The systems that ran in it, slowest first: name, schedule, milliseconds.
    pub systems: Vec<(String, String, f64)>,
}

/// Everything the profiler measured, ready to serialize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// Frame times over the rolling window.
    pub frame_ms: SeriesStats,
    /// Simulation tick times over the rolling window.
    pub window_tick_ms: SeriesStats,
    /// Allocations in steady state.
    pub allocations: AllocationReport,
    /// Every system that ran, by total time, slowest first.
    pub systems: Vec<SystemRow>,
    /// Every schedule whose systems ran, by total time, slowest first.
    pub schedules: Vec<ScheduleRow>,
    /// Frames over `hitch_factor` × the median.
    pub hitches: u64,
    /// Budget violations, all kinds.
    pub budget_violations: u64,
    /// Broken budgets, most often broken first.
    pub worst_offenders: Vec<BudgetRecord>,
    /// The slowest recent hitch.
    pub slowest_hitch: Option<HitchReport>,
}

impl Profiler {
    /// The figures of the whole run so far.
    pub fn report(&self) -> ProfileReport {
        let mut systems: Vec<SystemRow> = self
            .systems()
            .iter()
            .filter(|system| system.total.runs > 0)
            .map(SystemRow::from_profile)
            .collect();
        systems.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
        let schedules = self.schedule_rows();
        ProfileReport {
            frame_ms: self.frame_stats(),
            window_tick_ms: self.tick_stats(),
            allocations: self.allocation_report(),
            systems,
            schedules,
            hitches: self.hitches(),
            budget_violations: self.budget_violations(),
            worst_offenders: self.worst_offenders(),
            slowest_hitch: self.slowest_hitch().map(|hitch| HitchReport {
                frame: hitch.frame,
                median_ms: hitch.median_nanos as f64 / 1e6,
                systems: hitch
                    .systems
                    .iter()
                    .map(|(index, totals)| {
                        let identity = self.systems()[*index].identity();
                        (
                            identity.name.clone(),
                            identity.schedule.clone(),
                            totals.nanos as f64 / 1e6,
                        )
                    })
                    .collect(),
            }),
        }
    }

    fn schedule_rows(&self) -> Vec<ScheduleRow> {
        let steady_frames = self.totals().steady_frames;
        let mut rows: Vec<ScheduleRow> = Vec::new();
        for system in self.systems().iter().filter(|system| system.total.runs > 0) {
            let schedule = &system.identity().schedule;
            let index = match rows.iter().position(|row| &row.name == schedule) {
                Some(index) => index,
                None => {
                    rows.push(ScheduleRow {
                        name: schedule.clone(),
                        systems: 0,
                        runs: 0,
                        total_ms: 0.0,
                        allocs_per_frame: 0.0,
                    });
                    rows.len() - 1
                }
            };
            let row = &mut rows[index];
            row.systems += 1;
            row.runs += system.total.runs;
            row.total_ms += system.total.nanos as f64 / 1e6;
            row.allocs_per_frame += per(system.steady.allocations as f64, steady_frames);
        }
        rows.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
        rows
    }

    fn allocation_report(&self) -> AllocationReport {
        let totals = self.totals();
        let units = if totals.steady_ticks > 0 {
            totals.steady_ticks
        } else {
            totals.steady_frames
        };
        AllocationReport {
            counting: self.allocations_counted(),
            per_tick_steady: per(totals.steady_allocations as f64, units),
            bytes_per_tick_steady: per(totals.steady_bytes as f64, units),
            floor_per_tick: per(totals.steady_floor_allocations as f64, units),
            above_floor_per_tick: per(totals.steady_system_allocations as f64, units),
            par_iter: self.par_iter_floor(),
            live_bytes: self.frames().last().map_or(0, |frame| frame.live_bytes),
        }
    }

    /// The per-system figures over the rolling window only: time and allocations per
    /// frame, averaged over the window's frames.
    pub fn window_systems(&self) -> Vec<WindowSystemRow> {
        self.systems()
            .iter()
            .filter(|system| system.window_nanos.iter().any(|nanos| nanos > 0))
            .map(|system| {
                let frames = system.window_nanos.len() as u64;
                let nanos: u64 = system.window_nanos.iter().sum();
                let allocations: u64 = system.window_allocations.iter().sum();
                WindowSystemRow {
                    name: system.identity().name.clone(),
                    schedule: system.identity().schedule.clone(),
                    ms_per_frame: per(nanos as f64 / 1e6, frames),
                    max_ms_in_a_frame: system.window_nanos.iter().max().unwrap_or(0) as f64 / 1e6,
                    allocs_per_frame: per(allocations as f64, frames),
                }
            })
            .collect()
    }
}

/// One system over the rolling window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSystemRow {
    /// The system's name.
    pub name: String,
    /// Its schedule.
    pub schedule: String,
    /// Mean time per frame, in milliseconds.
    pub ms_per_frame: f64,
    /// The most time in one frame, in milliseconds.
    pub max_ms_in_a_frame: f64,
    /// Mean allocations per frame.
    pub allocs_per_frame: f64,
}
