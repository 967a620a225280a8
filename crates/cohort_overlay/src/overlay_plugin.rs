//! [`OverlayPlugin`]: gathers the profiler's figures at the end of each frame and draws
//! them with egui.

use std::time::Instant;

use bevy::app::{App, Last, Plugin, PreUpdate};
use bevy::ecs::prelude::*;
use bevy::input::keyboard::KeyCode;
use bevy::input::{ButtonInput, InputSystems};
use bevy::log::{info, warn};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass};
use cohort_actions::ActionRegistry;
use cohort_ai::AiStats;
use cohort_events::EventRegistry;
use cohort_profiler::{ExportScope, Profiler, ProfilerSystems};

use crate::config::OverlayConfig;
use crate::model::format::{write_count, write_duration_us};
use crate::model::stats::{OverlayStats, StatLevel};
use crate::model::{GatherOptions, OverlayModel};
use crate::ui::{OverlayActions, OverlayUiState, draw_overlay};

/// An in-game overlay: frame time, every system's time and allocations, the allocation
/// floor, simulation figures, hitches, export and Tracy, drawn with egui.
///
/// - In `PreUpdate`, [`OverlaySystems::Toggle`] shows or hides it on
///   [`OverlayConfig::toggle_key`] (F3 by default).
/// - In `Last`, after the profiler's roll-over ([`ProfilerSystems::Roll`]),
///   [`OverlaySystems::Gather`] copies the frame's figures into the [`OverlayState`]'s
///   model and fills the `Events`, `Orders` and `AI` sections of [`OverlayStats`], into
///   reused buffers; it
///   allocates nothing in steady state. Hidden, it does nothing.
/// - In `bevy_egui`'s `EguiPrimaryContextPass`, [`OverlaySystems::Draw`] draws the window
///   and carries out its buttons, and times itself (shown in the window).
///
/// Needs [`ProfilerPlugin`](cohort_profiler::ProfilerPlugin) (without it the overlay
/// says so). Adds `bevy_egui`'s `EguiPlugin` if the app has a window (`WindowPlugin`) and
/// no `EguiPlugin` yet; in a headless app it gathers but draws nothing. So add it after
/// `DefaultPlugins` and after an `EguiPlugin` of your own (one added after it would be
/// added twice, which Bevy refuses); added before the window, it warns at start-up that
/// it will not draw.
///
/// ```no_run
/// use bevy::prelude::*;
/// use cohort_overlay::OverlayPlugin;
/// use cohort_profiler::ProfilerPlugin;
///
/// App::new()
///     .add_plugins((DefaultPlugins, ProfilerPlugin::default(), OverlayPlugin::default()))
///     .run();
/// ```
#[derive(Debug, Clone, Default)]
pub struct OverlayPlugin {
    /// The settings it starts with (the [`OverlayConfig`] resource).
    pub config: OverlayConfig,
}

impl OverlayPlugin {
    /// Shows and hides the overlay with `key` instead of F3.
    pub fn with_toggle_key(mut self, key: KeyCode) -> Self {
        self.config.toggle_key = key;
        self
    }

    /// Starts hidden.
    pub fn hidden(mut self) -> Self {
        self.config.visible = false;
        self
    }

    /// Draws these frame-time budget lines (milliseconds) instead of 16.7 and 33.3.
    pub fn with_budget_lines_ms(mut self, lines: impl IntoIterator<Item = f64>) -> Self {
        let mut lines: Vec<f64> = lines
            .into_iter()
            .filter(|ms| ms.is_finite() && *ms > 0.0)
            .collect();
        lines.sort_by(f64::total_cmp);
        self.config.budget_lines_ms = lines;
        self
    }

    /// Shows the last `frames` frames in the graphs (300 by default).
    pub fn with_graph_frames(mut self, frames: usize) -> Self {
        self.config.graph_frames = frames.max(2);
        self
    }

    /// Writes exports into `dir` (the working directory by default).
    pub fn with_export_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.config.export_dir = dir.into();
        self
    }
}

/// The overlay's systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverlaySystems {
    /// Showing and hiding on the toggle key, in `PreUpdate`.
    Toggle,
    /// Gathering the figures, in `Last` after the profiler's roll-over.
    Gather,
    /// Drawing, in `EguiPrimaryContextPass`.
    Draw,
}

/// What the overlay shows and its state between frames.
#[derive(Resource, Debug, Default)]
pub struct OverlayState {
    /// The figures, gathered at the end of each frame.
    pub model: OverlayModel,
    /// The filter, sort order and last message.
    pub ui: OverlayUiState,
    frames: u64,
}

impl Plugin for OverlayPlugin {
    fn build(&self, app: &mut App) {
        let has_window = app.is_plugin_added::<bevy_window::WindowPlugin>();
        if has_window && !app.is_plugin_added::<EguiPlugin>() {
            app.add_plugins(EguiPlugin::default());
        }
        app.insert_resource(self.config.clone())
            .init_resource::<OverlayState>()
            .init_resource::<OverlayStats>()
            .add_systems(
                PreUpdate,
                toggle_overlay
                    .in_set(OverlaySystems::Toggle)
                    .after(InputSystems),
            )
            .add_systems(
                Last,
                gather_overlay
                    .in_set(OverlaySystems::Gather)
                    .after(ProfilerSystems::Roll),
            );
        if has_window || app.is_plugin_added::<EguiPlugin>() {
            app.add_systems(
                EguiPrimaryContextPass,
                draw_overlay_window.in_set(OverlaySystems::Draw),
            );
            app.init_resource::<OverlayDraws>();
        }
    }

    fn finish(&self, app: &mut App) {
        let has_window = app.is_plugin_added::<bevy_window::WindowPlugin>();
        if has_window && !app.world().contains_resource::<OverlayDraws>() {
            warn!(
                "cohort: OverlayPlugin was added before the window (WindowPlugin): it \
                 gathers but will not draw; add it after DefaultPlugins"
            );
        }
    }
}

/// The most frames a graph shows (the profiler's window holds no more than it keeps).
const MAX_GRAPH_FRAMES: usize = 1 << 16;
/// The most systems the top-allocators list shows.
const MAX_TOP_ALLOCATORS: usize = 1 << 10;

/// Present when the overlay added its draw system.
#[derive(Resource, Default)]
struct OverlayDraws;

/// Shows or hides the overlay on the toggle key.
pub fn toggle_overlay(keys: Option<Res<ButtonInput<KeyCode>>>, mut config: ResMut<OverlayConfig>) {
    if let Some(keys) = keys
        && keys.just_pressed(config.toggle_key)
    {
        config.visible = !config.visible;
    }
}

/// Copies the frame's figures into the model and the event figures into
/// [`OverlayStats`]. Exclusive, to read every event type's figures from the world.
pub fn gather_overlay(world: &mut World) {
    let Some(config) = world.get_resource::<OverlayConfig>() else {
        return;
    };
    if !config.visible {
        return;
    }
    // Bounded, so that `usize::MAX` for "all" reserves what there is, not an overflow.
    let options = GatherOptions {
        graph_frames: config.graph_frames.min(MAX_GRAPH_FRAMES),
        top_allocators: config.top_allocators.min(MAX_TOP_ALLOCATORS),
        refresh_table: true,
    };
    let refresh_every = u64::from(config.refresh_every.max(1));
    world.resource_scope(|world, mut state: Mut<OverlayState>| {
        let state = &mut *state;
        let refresh = state.frames.is_multiple_of(refresh_every);
        state.frames += 1;
        if let Some(profiler) = world.get_resource::<Profiler>() {
            state.model.gather(
                profiler,
                GatherOptions {
                    refresh_table: refresh,
                    ..options
                },
            );
        }
        if refresh {
            world.resource_scope(|world, mut stats: Mut<OverlayStats>| {
                gather_events(world, &mut stats);
                gather_orders(world, &mut stats);
                gather_ai(world, &mut stats);
            });
        }
    });
}

/// One row per batched event type: sent, per tick, dropped, flush time.
fn gather_events(world: &World, stats: &mut OverlayStats) {
    if !EventRegistry::any_in(world) {
        return;
    }
    let section = stats.section("Events");
    EventRegistry::for_each_summary(world, |name, summary| {
        let row = section.row(name);
        let value = &mut row.value;
        value.clear();
        write_count(value, summary.sent);
        value.push_str(" sent, ");
        write_count(value, u64::from(summary.per_tick_p95));
        value.push_str("/tick p95, ");
        write_count(value, summary.dropped);
        value.push_str(" dropped, flush ");
        write_duration_us(value, summary.flush_us_p95);
        row.level(if summary.dropped > 0 {
            StatLevel::Bad
        } else {
            StatLevel::Normal
        });
    });
}

/// Bytes an `Orders` row can take: the pool's use, five compact counts and the latency.
const ORDERS_ROW_ROOM: usize = 160;

/// One row per action type: its pool's use as a bar, and what happened to its orders.
fn gather_orders(world: &World, stats: &mut OverlayStats) {
    if !ActionRegistry::any_in(world) {
        return;
    }
    let section = stats.section("Orders");
    ActionRegistry::for_each_summary(world, |name, summary| {
        let pool = summary.pool;
        let row = section.set_usage(name, u64::from(pool.live), u64::from(pool.capacity));
        row.level(if pool.growths > 0 {
            StatLevel::Warn
        } else {
            StatLevel::Normal
        });
        let counts = summary.counts;
        let value = &mut row.value;
        // Longer than a typical row, and longer as the counts grow: room for its longest
        // form on the first refresh, so it never grows in the middle of a game.
        value.reserve(ORDERS_ROW_ROOM);
        value.push_str(" slots; ");
        write_count(value, counts.started);
        value.push_str(" started, ");
        write_count(value, counts.finished);
        value.push_str(" finished, ");
        write_count(
            value,
            counts.cancelled + counts.timed_out + counts.interrupted,
        );
        value.push_str(" ended early, ");
        write_count(value, counts.rejected + counts.dropped);
        value.push_str(" refused; latency p95 ");
        write_count(value, summary.latency_ticks_p95);
        value.push_str(" ticks");
    });
}

/// The AI's last tick and its window: decisions, the budget's use as a bar, cache hits,
/// the longest wait and the scoring time.
fn gather_ai(world: &World, stats: &mut OverlayStats) {
    let Some(ai) = world.get_resource::<AiStats>() else {
        return;
    };
    let last = *ai.last_tick();
    let summary = ai.summary();
    let section = stats.section("AI");
    let decided = u64::from(last.evaluated + last.cache_hits);
    // One row whether or not there is a limit (a time budget has none until it has
    // measured the cost of a decision), so no stale row is left behind.
    match last.limit {
        Some(limit) => {
            section
                .set_usage("decisions", decided, u64::from(limit))
                .level(if last.deferred() > 0 {
                    StatLevel::Warn
                } else {
                    StatLevel::Normal
                });
        }
        None => {
            section.set_count("decisions", decided);
        }
    }
    section.set_fmt(
        "due / deferred",
        format_args!("{} / {}", last.due, last.deferred()),
    );
    section
        .set_fmt(
            "cache hits",
            format_args!("{:.0}%", summary.cache_hit_ratio * 100.0),
        )
        .fraction(summary.cache_hit_ratio as f32);
    section.set_fmt(
        "longest wait",
        format_args!("{} ticks", summary.staleness_ticks_max),
    );
    section.set_duration_us("scoring p95", summary.eval_us_p95);
}

/// Draws the window and carries out its buttons.
pub fn draw_overlay_window(
    mut contexts: EguiContexts,
    mut state: ResMut<OverlayState>,
    mut config: ResMut<OverlayConfig>,
    stats: Res<OverlayStats>,
    profiler: Option<ResMut<Profiler>>,
) -> Result {
    if !config.visible {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let state = &mut *state;
    state.model.profiler_missing = profiler.is_none();
    let started = Instant::now();
    let actions = draw_overlay(ctx, &mut state.model, &mut state.ui, &stats, &mut config);
    state
        .model
        .cost
        .record_build(started.elapsed().as_secs_f64() * 1e6);
    if actions != OverlayActions::default() {
        apply_actions(actions, profiler, &config, &mut state.ui);
    }
    Ok(())
}

fn apply_actions(
    actions: OverlayActions,
    profiler: Option<ResMut<Profiler>>,
    config: &OverlayConfig,
    ui: &mut OverlayUiState,
) {
    let Some(mut profiler) = profiler else {
        ui.status = "no profiler in this app: add ProfilerPlugin".to_string();
        return;
    };
    if let Some(on) = actions.set_profiling {
        profiler.set_enabled(on);
    }
    if let Some(on) = actions.set_tracy {
        profiler.set_tracy_enabled(on);
    }
    let dir = &config.export_dir;
    if actions.export_json {
        let path = dir.join("cohort-profile.json");
        ui.status = match profiler.write_json(ExportScope::Window, &path) {
            Ok(()) => format!("wrote {}", path.display()),
            Err(error) => format!("could not write {}: {error}", path.display()),
        };
        report(&ui.status);
    }
    if actions.export_csv {
        let systems = dir.join("cohort-systems.csv");
        let frames = dir.join("cohort-frames.csv");
        ui.status = match profiler.write_csv(ExportScope::Window, &systems, &frames) {
            Ok(()) => format!("wrote {} and {}", systems.display(), frames.display()),
            Err(error) => format!("could not write {}: {error}", systems.display()),
        };
        report(&ui.status);
    }
}

fn report(status: &str) {
    if status.starts_with("could not") {
        warn!("cohort overlay: {status}");
    } else {
        info!("cohort overlay: {status}");
    }
}
