//! The `Profiler` resource and the end-of-frame roll-over that fills it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bevy::ecs::resource::Resource;
use bevy::ecs::world::{Mut, World};
use cohort_alloc::AllocSnapshot;
use cohort_sim::SimTickTiming;

use crate::budgets::{BudgetBook, BudgetRecord, Budgets, PHASES};
use crate::cell::SystemCell;
use crate::config::ProfilerConfig;
use crate::floor::ParIterFloor;
use crate::hitch::HitchSnapshot;
use crate::records::{FrameRecord, SystemProfile, SystemTotals};
use crate::ring::Ring;
use crate::series::SeriesStats;
use crate::shared::Shared;

/// Lets schedule build passes find the app's profiler state.
#[derive(Resource)]
pub(crate) struct ProfilerHandle(pub(crate) Arc<Shared>);

/// Totals over the whole run, and over its steady part (after the warm-up frames).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunTotals {
    /// Frames recorded.
    pub frames: u64,
    /// Simulation ticks run.
    pub ticks: u64,
    /// Frames recorded after the warm-up.
    pub steady_frames: u64,
    /// Ticks run after the warm-up.
    pub steady_ticks: u64,
    /// Allocations after the warm-up, every thread.
    pub steady_allocations: u64,
    /// Bytes allocated after the warm-up, every thread.
    pub steady_bytes: u64,
    /// Of `steady_allocations`, those made by Bevy's scheduling (the floor).
    pub steady_floor_allocations: u64,
    /// Of `steady_allocations`, those made by systems.
    pub steady_system_allocations: u64,
    /// Whole-run frames that did not fit in the series kept for export.
    pub frames_not_kept: u64,
    /// Tick times lost because more ticks ran in one frame than `SimTickTiming` keeps.
    pub ticks_not_timed: u64,
}

/// Where time and allocations went, per system, per frame and per tick.
///
/// Filled by [`ProfilerPlugin`](crate::ProfilerPlugin) at the end of every frame (in
/// `Last`). Read it from any system with `Res<Profiler>`.
#[derive(Resource)]
pub struct Profiler {
    pub(crate) shared: Arc<Shared>,
    config: ProfilerConfig,
    systems: Vec<SystemProfile>,
    new_cells: Vec<Arc<SystemCell>>,
    frames: Ring<FrameRecord>,
    ticks: Ring<u64>,
    run_series: Vec<FrameRecord>,
    totals: RunTotals,
    phase_nanos: [u64; PHASES],
    phase_allocations: [u64; PHASES],
    hitches: u64,
    slowest_hitch: Option<HitchSnapshot>,
    /// Room for the first hitch's breakdown, reserved as systems appear so that freezing
    /// a hitch never allocates.
    hitch_buffer: Vec<(usize, SystemTotals)>,
    budgets: BudgetBook,
    last_frame_end: Option<Instant>,
    last_snapshot: AllocSnapshot,
    ticks_seen: Option<u64>,
    frame_index: u64,
    /// Whether the counting allocator is the global allocator.
    counting: bool,
    scratch: Mutex<Vec<u64>>,
    pub(crate) par_iter_floor: ParIterFloor,
    median: CachedMedian,
}

/// The window's median frame time, recomputed every few frames and whenever a frame might
/// be a hitch, so most frames do not sort the window.
#[derive(Default)]
struct CachedMedian {
    nanos: u64,
    age: u32,
}

impl std::fmt::Debug for Profiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profiler")
            .field("enabled", &self.is_enabled())
            .field("systems", &self.systems.len())
            .field("frame_index", &self.frame_index)
            .field("totals", &self.totals)
            .field("hitches", &self.hitches)
            .finish_non_exhaustive()
    }
}

impl Profiler {
    pub(crate) fn new(config: ProfilerConfig, budgets: &Budgets) -> Self {
        Self {
            // Asked once, here: the first answer allocates (at start-up, not in a frame).
            counting: cohort_alloc::is_installed(),
            shared: Shared::new(config.enabled, config.tracy),
            frames: Ring::new(config.window),
            ticks: Ring::new(config.window),
            run_series: Vec::with_capacity(config.run_series_capacity),
            scratch: Mutex::new(Vec::with_capacity(config.window)),
            budgets: BudgetBook::new(budgets),
            config,
            systems: Vec::new(),
            new_cells: Vec::new(),
            totals: RunTotals::default(),
            phase_nanos: [0; PHASES],
            phase_allocations: [0; PHASES],
            hitches: 0,
            slowest_hitch: None,
            hitch_buffer: Vec::new(),
            last_frame_end: None,
            last_snapshot: AllocSnapshot::take(),
            ticks_seen: None,
            frame_index: 0,
            par_iter_floor: ParIterFloor::default(),
            median: CachedMedian::default(),
        }
    }

    /// The settings it runs with.
    pub fn config(&self) -> &ProfilerConfig {
        &self.config
    }

    /// Whether systems are being measured.
    pub fn is_enabled(&self) -> bool {
        self.shared.enabled()
    }

    /// Switches measuring on or off. Off, each system run costs one relaxed atomic load
    /// and frames are not recorded.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.shared.set_enabled(enabled);
        // The next frame's time would span the pause.
        self.last_frame_end = None;
    }

    /// Switches Tracy output (zones, frame marks, plots) on or off; it has effect only
    /// with the `tracy` feature. Off, each system run costs one more relaxed atomic load.
    pub fn set_tracy_enabled(&mut self, enabled: bool) {
        self.shared.set_tracy(enabled);
    }

    /// Whether Tracy output is on: the `tracy` feature is built and not switched off.
    pub fn tracy_enabled(&self) -> bool {
        crate::TRACY_ENABLED && self.shared.tracy()
    }

    /// What one `par_iter` call allocates by itself on this compute pool, measured at
    /// start-up. Those allocations are credited to the system that calls `par_iter`.
    pub fn par_iter_floor(&self) -> ParIterFloor {
        self.par_iter_floor
    }

    /// Every system seen so far, in the order they were first built.
    pub fn systems(&self) -> &[SystemProfile] {
        &self.systems
    }

    /// Runs so far of the first system whose name starts with `prefix` (a path such as
    /// `my_game::systems::move_units`), if any system matches.
    pub fn runs_of(&self, prefix: &str) -> Option<u64> {
        self.systems
            .iter()
            .find(|system| system.identity().name.starts_with(prefix))
            .map(|system| system.total.runs)
    }

    /// The rolling window of frames, oldest first.
    pub fn frames(&self) -> &Ring<FrameRecord> {
        &self.frames
    }

    /// The rolling window of simulation tick times in nanoseconds, oldest first.
    pub fn tick_nanos(&self) -> &Ring<u64> {
        &self.ticks
    }

    /// The whole run's frames kept for export (up to `run_series_capacity`).
    pub fn run_series(&self) -> &[FrameRecord] {
        &self.run_series
    }

    /// Totals over the whole run.
    pub fn totals(&self) -> &RunTotals {
        &self.totals
    }

    /// Frame time statistics over the rolling window.
    pub fn frame_stats(&self) -> SeriesStats {
        self.stats_of(self.frames.iter().map(|frame| frame.nanos))
    }

    /// Tick time statistics over the rolling window.
    pub fn tick_stats(&self) -> SeriesStats {
        self.stats_of(self.ticks.iter())
    }

    fn stats_of(&self, values: impl Iterator<Item = u64>) -> SeriesStats {
        self.with_scratch(values, SeriesStats::from_nanos)
    }

    /// Runs `work` on a copy of `values` in the reused scratch buffer.
    fn with_scratch<R>(
        &self,
        values: impl Iterator<Item = u64>,
        work: impl FnOnce(&mut [u64]) -> R,
    ) -> R {
        let mut scratch = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        scratch.clear();
        scratch.extend(values);
        work(&mut scratch)
    }

    /// The window's median frame time in milliseconds as the hitch check last saw it
    /// (recomputed every few frames and on every suspect frame).
    pub fn recent_median_ms(&self) -> f64 {
        self.median.nanos as f64 / 1e6
    }

    /// Whether [`CountingAllocator`](cohort_alloc::CountingAllocator) is the global
    /// allocator, so that the allocation figures count anything.
    pub fn allocations_counted(&self) -> bool {
        self.counting
    }

    /// Frames slower than `hitch_factor` × the window's median, since the start.
    pub fn hitches(&self) -> u64 {
        self.hitches
    }

    /// The slowest hitch within the last window of frames, with what each system did.
    /// Once it leaves the window it is forgotten and the next hitch takes its place; a
    /// smaller hitch that came while it was kept is counted in [`hitches`](Self::hitches)
    /// but not kept.
    pub fn slowest_hitch(&self) -> Option<&HitchSnapshot> {
        self.slowest_hitch.as_ref()
    }

    /// Every budget and how often it was broken.
    pub fn budget_records(&self) -> &[BudgetRecord] {
        &self.budgets.records
    }

    /// The broken budgets, most often broken first.
    pub fn worst_offenders(&self) -> Vec<BudgetRecord> {
        self.budgets.worst_offenders()
    }

    /// Budget violations of every kind, added up.
    pub fn budget_violations(&self) -> u64 {
        self.budgets
            .records
            .iter()
            .map(|record| record.violations)
            .sum()
    }

    /// Replaces the budgets, starting their records afresh.
    pub fn set_budgets(&mut self, budgets: &Budgets) {
        self.budgets = BudgetBook::new(budgets);
        for (index, system) in self.systems.iter().enumerate() {
            self.budgets.register_system(index, &system.identity().name);
        }
    }

    /// Summed system time of each `SimSystems` phase in the last frame, in nanoseconds,
    /// in [`SimSystems::ALL`](cohort_sim::SimSystems::ALL) order.
    pub fn last_frame_phase_nanos(&self) -> [u64; PHASES] {
        self.phase_nanos
    }

    /// Ends a frame: collects every system's counters, the frame's allocations and the
    /// tick times, then checks hitches and budgets. Allocates only when new systems
    /// appeared.
    pub(crate) fn roll(&mut self, timing: Option<&SimTickTiming>, now: Instant) {
        self.adopt_new_systems();
        let snapshot = AllocSnapshot::take();
        let allocated = snapshot.since(&self.last_snapshot);
        self.last_snapshot = snapshot;
        let Some(previous_end) = self.last_frame_end.replace(now) else {
            for system in &mut self.systems {
                system.cell.take_frame();
            }
            self.skip_ticks(timing);
            return;
        };
        if !self.shared.enabled() {
            // Ticks of a pause are neither kept nor counted as lost, as its frames.
            self.skip_ticks(timing);
            return;
        }
        let ticks = self.collect_ticks(timing);
        let steady = self.frame_index >= self.config.warmup_frames;
        let (system_allocations, system_nanos) = self.collect_systems(steady);
        let allocations = allocated.allocating_calls();
        let frame = FrameRecord {
            index: self.frame_index,
            nanos: now.duration_since(previous_end).as_nanos() as u64,
            ticks,
            allocations,
            bytes: allocated.bytes_allocated,
            system_allocations,
            floor_allocations: allocations.saturating_sub(system_allocations),
            live_bytes: snapshot.live_bytes(),
            system_nanos,
        };
        self.frame_index += 1;
        self.add_frame(frame, steady);
        self.check_hitch(frame);
        if steady {
            self.check_budgets(&frame, now);
        }
    }

    fn adopt_new_systems(&mut self) {
        self.shared.drain_new(&mut self.new_cells);
        for cell in self.new_cells.drain(..) {
            let index = self.systems.len();
            self.budgets.register_system(index, &cell.identity.name);
            self.systems
                .push(SystemProfile::new(cell, self.config.window));
        }
        let buffer = match &mut self.slowest_hitch {
            Some(hitch) => &mut hitch.systems,
            None => &mut self.hitch_buffer,
        };
        buffer.reserve(self.systems.len().saturating_sub(buffer.len()));
    }

    /// Passes over the ticks run since the last look without keeping them.
    fn skip_ticks(&mut self, timing: Option<&SimTickTiming>) {
        if let Some(timing) = timing {
            self.ticks_seen = Some(timing.ticks_timed);
        }
    }

    fn collect_ticks(&mut self, timing: Option<&SimTickTiming>) -> u32 {
        let Some(timing) = timing else { return 0 };
        let from = *self.ticks_seen.get_or_insert(timing.ticks_timed);
        let (times, lost) = timing.since(from);
        let mut count = lost as u32;
        for time in times {
            self.ticks.push(time.as_nanos() as u64);
            count += 1;
        }
        self.totals.ticks_not_timed += lost;
        self.ticks_seen = Some(timing.ticks_timed);
        count
    }

    /// Rolls every system's counters over; returns the allocations above the floor and
    /// the time of systems that do not run schedules.
    fn collect_systems(&mut self, steady: bool) -> (u64, u64) {
        self.phase_nanos = [0; PHASES];
        self.phase_allocations = [0; PHASES];
        let (mut allocations, mut nanos) = (0, 0);
        let par_iter_floor = self.par_iter_floor.max;
        for system in &mut self.systems {
            system.roll(steady, par_iter_floor);
            if system.runs_schedules() {
                continue;
            }
            // Budgets count allocations above the floor, frames and phases alike.
            let frame = system.last_frame;
            allocations += frame.above_floor();
            nanos += frame.nanos;
            if let Some(index) = system.identity().phase_index {
                self.phase_nanos[index] += frame.nanos;
                self.phase_allocations[index] += frame.above_floor();
            }
        }
        (allocations, nanos)
    }

    fn add_frame(&mut self, frame: FrameRecord, steady: bool) {
        self.frames.push(frame);
        if self.run_series.len() < self.run_series.capacity() {
            self.run_series.push(frame);
        } else {
            self.totals.frames_not_kept += 1;
        }
        let totals = &mut self.totals;
        totals.frames += 1;
        totals.ticks += u64::from(frame.ticks);
        if steady {
            totals.steady_frames += 1;
            totals.steady_ticks += u64::from(frame.ticks);
            totals.steady_allocations += frame.allocations;
            totals.steady_bytes += frame.bytes;
            totals.steady_floor_allocations += frame.floor_allocations;
            totals.steady_system_allocations += frame.system_allocations;
        }
    }

    fn check_hitch(&mut self, frame: FrameRecord) {
        self.expire_slowest_hitch(frame.index);
        // A median needs a few frames; a window shorter than that waits for all of it.
        const MIN_FRAMES: usize = 10;
        if self.frames.len() < MIN_FRAMES.min(self.config.window) {
            return;
        }
        const MEDIAN_EVERY: u32 = 32;
        let suspect = frame.nanos as f64 > self.config.hitch_factor * self.median.nanos as f64;
        self.median.age += 1;
        if suspect || self.median.age >= MEDIAN_EVERY || self.median.nanos == 0 {
            let nanos = self.with_scratch(self.frames.iter().map(|frame| frame.nanos), |times| {
                let middle = (times.len() - 1) / 2;
                *times.select_nth_unstable(middle).1
            });
            self.median = CachedMedian { nanos, age: 0 };
        }
        let median = self.median.nanos;
        if (frame.nanos as f64) <= self.config.hitch_factor * median as f64 {
            return;
        }
        self.hitches += 1;
        let replace = self
            .slowest_hitch
            .as_ref()
            .is_none_or(|kept| frame.nanos >= kept.frame.nanos);
        if !replace {
            return;
        }
        let buffer = &mut self.hitch_buffer;
        let snapshot = self.slowest_hitch.get_or_insert_with(|| HitchSnapshot {
            systems: core::mem::take(buffer),
            ..HitchSnapshot::default()
        });
        snapshot.frame = frame;
        snapshot.median_nanos = median;
        snapshot.systems.clear();
        snapshot.systems.extend(
            self.systems
                .iter()
                .enumerate()
                .filter(|(_, system)| system.last_frame.runs > 0)
                .map(|(index, system)| (index, system.last_frame)),
        );
        snapshot
            .systems
            .sort_unstable_by_key(|(_, totals)| core::cmp::Reverse(totals.nanos));
    }

    /// Forgets the slowest hitch once it has left the window (keeping its buffer).
    fn expire_slowest_hitch(&mut self, frame_index: u64) {
        let window = self.config.window as u64;
        let expired = |kept: &mut HitchSnapshot| kept.frame.index + window <= frame_index;
        if let Some(kept) = self.slowest_hitch.take_if(expired) {
            self.hitch_buffer = kept.systems;
        }
    }

    fn check_budgets(&mut self, frame: &FrameRecord, now: Instant) {
        let interval = self.config.warn_interval_secs;
        let book = &mut self.budgets;
        if let Some(record) = book.frame_record {
            book.records[record].check(frame.nanos, frame.system_allocations, now, interval);
        }
        if frame.ticks > 0 {
            let ticks = u64::from(frame.ticks);
            for (phase, record) in book.phase_records.iter().enumerate() {
                if let Some(record) = record {
                    book.records[*record].check(
                        self.phase_nanos[phase] / ticks,
                        self.phase_allocations[phase].div_ceil(ticks),
                        now,
                        interval,
                    );
                }
            }
        }
        for (record, systems) in &book.system_matches {
            // One check per budget and frame: the worst of the systems it names.
            let worst = systems
                .iter()
                .map(|&system| self.systems[system].last_frame)
                .filter(|last| last.runs > 0)
                .map(|last| (last.max_nanos, last.above_floor().div_ceil(last.runs)))
                .reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
            if let Some((nanos, allocations)) = worst {
                book.records[*record].check(nanos, allocations, now, interval);
            }
        }
    }
}

/// The end-of-frame system: rolls the profiler over. Exclusive, so no profiled system
/// runs while it reads their counters.
pub(crate) fn roll_profiler(world: &mut World) {
    let now = Instant::now();
    world.resource_scope(|world, mut profiler: Mut<Profiler>| {
        profiler.roll(world.get_resource::<SimTickTiming>(), now);
    });
}
