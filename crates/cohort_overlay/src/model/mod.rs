//! The overlay's data model: everything it draws, gathered from the profiler into reused
//! buffers, with no rendering. Sorting, filtering, formatting, budget colours and the
//! virtualized row range live here and are tested without a window.

pub mod budget;
pub mod format;
pub mod stats;
pub mod table;

use cohort_profiler::{HitchSnapshot, Profiler, SeriesStats};

use budget::{BudgetState, budget_for};
use format::short_system_name;
use table::{SystemRow, SystemTable};

/// The Frame panel's figures.
#[derive(Debug, Clone, Default)]
pub struct FrameModel {
    /// Frame times of the last frames shown, in milliseconds, oldest first.
    pub frame_ms: Vec<f64>,
    /// Positions in `frame_ms` of hitches (over `hitch_factor` × the median).
    pub hitches: Vec<usize>,
    /// Frame time statistics over the profiler's window.
    pub stats: SeriesStats,
    /// Tick time statistics over the profiler's window.
    pub ticks: SeriesStats,
    /// Simulation ticks run per second of wall time over the window.
    pub ticks_per_second: f64,
    /// The hitch line: `hitch_factor` × the median frame time, in milliseconds.
    pub hitch_ms: f64,
    /// Hitches since the start.
    pub hitches_total: u64,
    /// Frames recorded since the start.
    pub frames_total: u64,
}

/// The Allocations panel's figures.
#[derive(Debug, Clone, Default)]
pub struct AllocModel {
    /// Whether `CountingAllocator` is installed; without it every figure reads zero.
    pub counting: bool,
    /// Allocations per frame, oldest first.
    pub allocations: Vec<f64>,
    /// Of those, above the floor (made by systems).
    pub above_floor: Vec<f64>,
    /// Bytes allocated per frame.
    pub bytes: Vec<f64>,
    /// Live heap bytes at the last frame's end.
    pub live_bytes: i64,
    /// The most live heap bytes seen.
    pub peak_live_bytes: i64,
    /// The floor (Bevy's scheduling) per frame, mean over the window.
    pub floor_per_frame: f64,
    /// Allocations above the floor per frame, mean over the window.
    pub above_floor_per_frame: f64,
    /// Allocations above the floor in the whole window, the overlay's and `bevy_egui`'s
    /// aside.
    pub above_floor_in_window: u64,
    /// What the overlay's systems and `bevy_egui`'s allocate per frame, mean over the window
    /// (egui allocates as it lays out); counted above the floor, and left out of
    /// `above_floor_in_window` and `steady`.
    pub overlay_per_frame: f64,
    /// Steady: past the warm-up and nothing above the floor in the window, the overlay's
    /// and `bevy_egui`'s allocations aside.
    pub steady: bool,
    /// The systems that allocated most per frame over the window, most first:
    /// `(index into Profiler::systems, allocations per frame)`.
    pub top: Vec<(usize, f64)>,
}

/// The Hitch panel's figures.
#[derive(Debug, Clone, Default)]
pub struct HitchModel {
    /// The slowest recent hitch, when `present`.
    pub snapshot: HitchSnapshot,
    /// Whether a hitch happened within the profiler's window.
    pub present: bool,
    /// While paused, the snapshot is kept as it is.
    pub paused: bool,
}

/// What the overlay costs, measured by itself.
#[derive(Debug, Clone)]
pub struct CostModel {
    /// Recent times to build the UI, in microseconds, as a ring.
    build_us: Vec<f64>,
    next: usize,
    /// `bevy_egui`'s own systems (input, output, tessellation) in the last frame, in
    /// microseconds.
    pub egui_systems_us: f64,
    /// The overlay's gathering systems in the last frame, in microseconds.
    pub gather_us: f64,
}

/// Builds measured for the mean and the max.
const COST_SAMPLES: usize = 120;

impl Default for CostModel {
    fn default() -> Self {
        Self {
            build_us: Vec::with_capacity(COST_SAMPLES),
            next: 0,
            egui_systems_us: 0.0,
            gather_us: 0.0,
        }
    }
}

impl CostModel {
    /// Records one UI build.
    pub fn record_build(&mut self, us: f64) {
        if self.build_us.len() < COST_SAMPLES {
            self.build_us.push(us);
        } else {
            self.build_us[self.next] = us;
        }
        self.next = (self.next + 1) % COST_SAMPLES;
    }

    /// Mean and longest UI build over the last builds, in microseconds.
    pub fn build_mean_max_us(&self) -> (f64, f64) {
        if self.build_us.is_empty() {
            return (0.0, 0.0);
        }
        let sum: f64 = self.build_us.iter().sum();
        let max = self.build_us.iter().copied().fold(0.0, f64::max);
        (sum / self.build_us.len() as f64, max)
    }
}

/// Everything the overlay shows, gathered from the [`Profiler`].
#[derive(Debug, Clone, Default)]
pub struct OverlayModel {
    /// The Frame panel.
    pub frame: FrameModel,
    /// The Systems panel.
    pub systems: SystemTable,
    /// The Allocations panel.
    pub allocations: AllocModel,
    /// The Hitch panel.
    pub hitch: HitchModel,
    /// The overlay's own cost.
    pub cost: CostModel,
    /// Whether the profiler can send to Tracy (the `tracy` feature) and whether it does.
    pub tracy: Option<bool>,
    /// Whether the profiler is measuring.
    pub profiling: bool,
    /// True when the app has no `ProfilerPlugin` (set by the draw system, which runs
    /// before the frame's gathering): the window says so.
    pub profiler_missing: bool,
    /// Frames gathered.
    pub gathers: u64,
}

/// How to gather.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GatherOptions {
    /// Frames shown in the graphs.
    pub graph_frames: usize,
    /// Systems in the top-allocators list.
    pub top_allocators: usize,
    /// Whether to refresh the systems table (its percentiles cost a little; the plugin
    /// refreshes it every few frames).
    pub refresh_table: bool,
}

impl Default for GatherOptions {
    fn default() -> Self {
        Self {
            graph_frames: 300,
            top_allocators: 5,
            refresh_table: true,
        }
    }
}

impl OverlayModel {
    /// Fills the model from `profiler`. Reuses every buffer: after the first frames (and
    /// except when new systems appear) it allocates nothing.
    pub fn gather(&mut self, profiler: &Profiler, options: GatherOptions) {
        self.gathers += 1;
        self.profiling = profiler.is_enabled();
        self.tracy = cohort_profiler::TRACY_ENABLED.then(|| profiler.tracy_enabled());
        self.gather_frames(profiler, options);
        self.gather_allocations(profiler, options);
        if options.refresh_table {
            self.gather_systems(profiler);
        }
        if !self.hitch.paused {
            // Copied into the kept buffer, sized for every profiled system on each gather:
            // it grows while systems appear (warm-up), not when the first hitch comes.
            let kept = &mut self.hitch.snapshot;
            let systems = profiler.systems().len();
            kept.systems
                .reserve(systems.saturating_sub(kept.systems.len()));
            self.hitch.present = profiler.slowest_hitch().is_some();
            if let Some(hitch) = profiler.slowest_hitch() {
                kept.frame = hitch.frame;
                kept.median_nanos = hitch.median_nanos;
                kept.systems.clear();
                kept.systems.extend_from_slice(&hitch.systems);
            }
        }
        let (mut egui_nanos, mut gather_nanos) = (0, 0);
        // Schedule runners (bevy_egui's pass loop) hold the time of the systems they run.
        for system in profiler
            .systems()
            .iter()
            .filter(|system| !system.runs_schedules())
        {
            let name = &system.identity().name;
            if name.starts_with("bevy_egui::") {
                egui_nanos += system.last_frame.nanos;
            } else if name.starts_with("cohort_overlay::") && !name.contains("draw_overlay") {
                gather_nanos += system.last_frame.nanos;
            }
        }
        self.cost.egui_systems_us = egui_nanos as f64 / 1e3;
        self.cost.gather_us = gather_nanos as f64 / 1e3;
    }

    fn gather_frames(&mut self, profiler: &Profiler, options: GatherOptions) {
        let frames = profiler.frames();
        let frame = &mut self.frame;
        frame.stats = profiler.frame_stats();
        frame.ticks = profiler.tick_stats();
        frame.hitch_ms = profiler.recent_median_ms() * profiler.config().hitch_factor;
        frame.hitches_total = profiler.hitches();
        frame.frames_total = profiler.totals().frames;
        let (ticks, nanos) = frames.iter().fold((0u64, 0u64), |(ticks, nanos), record| {
            (ticks + u64::from(record.ticks), nanos + record.nanos)
        });
        frame.ticks_per_second = if nanos == 0 {
            0.0
        } else {
            ticks as f64 * 1e9 / nanos as f64
        };
        let skip = frames.len().saturating_sub(options.graph_frames);
        // Room for the whole graph at once, so the buffers do not grow as the window fills.
        frame.frame_ms.clear();
        frame.frame_ms.reserve(options.graph_frames);
        frame.hitches.clear();
        frame.hitches.reserve(options.graph_frames);
        let hitch_line = frame.hitch_ms;
        for (position, record) in frames.iter().skip(skip).enumerate() {
            let ms = record.ms();
            frame.frame_ms.push(ms);
            if hitch_line > 0.0 && ms > hitch_line {
                frame.hitches.push(position);
            }
        }
    }

    fn gather_allocations(&mut self, profiler: &Profiler, options: GatherOptions) {
        let frames = profiler.frames();
        let alloc = &mut self.allocations;
        alloc.counting = profiler.allocations_counted();
        for series in [
            &mut alloc.allocations,
            &mut alloc.above_floor,
            &mut alloc.bytes,
        ] {
            series.clear();
            series.reserve(options.graph_frames);
        }
        let skip = frames.len().saturating_sub(options.graph_frames);
        for record in frames.iter().skip(skip) {
            alloc.allocations.push(record.allocations as f64);
            alloc.above_floor.push(record.system_allocations as f64);
            alloc.bytes.push(record.bytes as f64);
        }
        let (floor, above) = frames.iter().fold((0u64, 0u64), |(floor, above), record| {
            (
                floor + record.floor_allocations,
                above + record.system_allocations,
            )
        });
        let count = frames.len().max(1) as f64;
        // The overlay's own allocations (egui's, mostly) over the same frames.
        let overlay: u64 = profiler
            .systems()
            .iter()
            // Schedule runners' own allocations are floor, not counted above it.
            .filter(|system| !system.runs_schedules() && is_overlay_system(&system.identity().name))
            .map(|system| {
                let skip = system.window_allocations.len().saturating_sub(frames.len());
                system.window_allocations.iter().skip(skip).sum::<u64>()
            })
            .sum();
        let above_without_overlay = above.saturating_sub(overlay);
        alloc.floor_per_frame = floor as f64 / count;
        alloc.above_floor_per_frame = above as f64 / count;
        alloc.overlay_per_frame = overlay as f64 / count;
        alloc.above_floor_in_window = above_without_overlay;
        alloc.steady =
            alloc.counting && profiler.totals().steady_frames > 0 && above_without_overlay == 0;
        if let Some(last) = frames.last() {
            alloc.live_bytes = last.live_bytes;
        }
        alloc.peak_live_bytes = cohort_alloc::AllocSnapshot::take().peak_live_bytes;
        // The top allocators, kept sorted in place: no allocation after the first frame.
        alloc.top.clear();
        let keep = options.top_allocators;
        alloc.top.reserve(keep + 1);
        if keep == 0 {
            return;
        }
        for (index, system) in profiler.systems().iter().enumerate() {
            if system.runs_schedules() || system.window_allocations.is_empty() {
                continue;
            }
            let sum: u64 = system.window_allocations.iter().sum();
            if sum == 0 {
                continue;
            }
            let per_frame = sum as f64 / system.window_allocations.len() as f64;
            let at = alloc.top.partition_point(|&(_, kept)| kept >= per_frame);
            if at < keep {
                if alloc.top.len() == keep {
                    alloc.top.pop();
                }
                alloc.top.insert(at, (index, per_frame));
            }
        }
    }

    fn gather_systems(&mut self, profiler: &Profiler) {
        let frame_nanos: u64 = profiler.frames().iter().map(|frame| frame.nanos).sum();
        let frames = profiler.frames().len();
        let records = profiler.budget_records();
        for (index, system) in profiler.systems().iter().enumerate() {
            let row = self.systems.row_mut(index, || {
                let identity = system.identity();
                SystemRow {
                    name: short_system_name(&identity.name),
                    full_name: identity.name.clone(),
                    schedule: identity.schedule.clone(),
                    ..SystemRow::default()
                }
            });
            let totals = if system.steady.runs > 0 {
                system.steady
            } else {
                system.total
            };
            row.has_run = system.total.runs > 0;
            row.runs_schedules = system.runs_schedules();
            row.mean_us = totals.mean_us();
            row.p95_us = system.quantile_us(0.95);
            row.max_us = totals.max_nanos as f64 / 1e3;
            row.allocs_per_run = totals.allocations_per_run();
            row.above_floor_per_run = totals.above_floor_per_run();
            let window_nanos: u64 = system.window_nanos.iter().sum();
            row.frame_share = if frame_nanos == 0 {
                0.0
            } else {
                // Only frames the system was around for count; the frames' sum covers
                // the same span for systems present from the start.
                let present = system.window_nanos.len().min(frames).max(1);
                window_nanos as f64 / (frame_nanos as f64 * present as f64 / frames.max(1) as f64)
            };
            let window_allocations: u64 = system.window_allocations.iter().sum();
            row.allocs_per_frame =
                window_allocations as f64 / system.window_allocations.len().max(1) as f64;
            row.budget = budget_for(records, &row.full_name).map_or(BudgetState::None, |budget| {
                BudgetState::of(budget, row.p95_us / 1e3, row.above_floor_per_run)
            });
        }
    }
}

/// Whether a system is the overlay's or `bevy_egui`'s: its allocations are the overlay's
/// cost, not the game's.
pub fn is_overlay_system(name: &str) -> bool {
    name.starts_with("cohort_overlay::") || name.starts_with("bevy_egui::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_systems_are_told_apart() {
        assert!(is_overlay_system(
            "cohort_overlay::overlay_plugin::draw_overlay_window"
        ));
        assert!(is_overlay_system(
            "bevy_egui::output::process_output_system"
        ));
        assert!(!is_overlay_system(
            "cohort_battle::systems::act::attack_targets"
        ));
    }

    #[test]
    fn the_cost_ring_keeps_the_last_builds() {
        let mut cost = CostModel::default();
        assert_eq!(cost.build_mean_max_us(), (0.0, 0.0));
        for us in 0..COST_SAMPLES + 10 {
            cost.record_build(us as f64);
        }
        let (mean, max) = cost.build_mean_max_us();
        assert_eq!(max, (COST_SAMPLES + 9) as f64);
        assert_eq!(
            mean,
            (10..COST_SAMPLES + 10).sum::<usize>() as f64 / COST_SAMPLES as f64
        );
        assert_eq!(cost.build_us.capacity(), COST_SAMPLES);
    }
}
