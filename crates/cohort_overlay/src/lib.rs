//! An in-game overlay for cohort, drawn with egui: where each frame's time and heap
//! allocations went, system by system, while the battle runs.
//!
//! [`OverlayPlugin`] adds two windows, toggled with F3: `cohort profiler` (Frame,
//! Systems, Allocations) and `cohort simulation` (Simulation, Hitch capture, Export and
//! Tracy):
//!
//! | panel | shows |
//! |---|---|
//! | Frame | FPS; the last frames' times with budget lines (16.7 and 33.3 ms) and hitch markers; p50, p95, p99, max, 1% low; simulation tick time and ticks per second |
//! | Systems | every system of every schedule: mean, p95 and max time, share of the frame, allocations per run and budget state in colour; sortable, filtered, virtualized, with pins |
//! | Allocations | allocations and bytes per frame, live and peak heap, the scheduler's floor and what is above it, the top allocating systems, a green "0 above floor" when steady |
//! | Simulation | [`OverlayStats`]: units per team, events per type, and whatever other plugins report |
//! | Hitch capture | the slowest recent frame with its per-system breakdown; freeze and resume |
//! | Export and Tracy | JSON and CSV export of the profiler's window; Tracy on and off (with the `tracy` feature) |
//!
//! Its own cost (the time to build the UI, to gather, and `bevy_egui`'s systems) is shown
//! in the window's header. The figures come from [`cohort_profiler::Profiler`], copied
//! at the end of each frame into reused buffers ([`model`]); gathering allocates nothing
//! in steady state. The model, its sorting, filtering, formatting, budget colours and
//! visible row ranges are plain Rust without rendering, in [`model`].
//!
//! ```no_run
//! use bevy::prelude::*;
//! use cohort_alloc::CountingAllocator;
//! use cohort_overlay::{OverlayPlugin, OverlayStats};
//! use cohort_profiler::ProfilerPlugin;
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::system();
//!
//! fn report(mut stats: ResMut<OverlayStats>) {
//!     stats.section("Game").set_count("enemies", 42);
//! }
//!
//! App::new()
//!     .add_plugins((DefaultPlugins, ProfilerPlugin::default(), OverlayPlugin::default()))
//!     .add_systems(Update, report)
//!     .run();
//! ```

/// `bevy_egui`, as the overlay uses it (for `EguiWantsInput` and the egui types).
pub use bevy_egui;

mod config;
pub mod model;
mod overlay_plugin;
pub mod ui;

pub use config::OverlayConfig;
pub use model::stats::{OverlayStats, StatLevel, StatRow, StatSection};
pub use model::{GatherOptions, OverlayModel};
pub use overlay_plugin::{
    OverlayPlugin, OverlayState, OverlaySystems, draw_overlay_window, gather_overlay,
    toggle_overlay,
};
pub use ui::{OverlayActions, OverlayUiState, draw_overlay};

/// What users of the overlay type.
pub mod prelude {
    pub use crate::{OverlayConfig, OverlayPlugin, OverlayStats, OverlaySystems};
}
