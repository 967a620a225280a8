//! # cohort
//!
//! Bevy 0.19 plugins for big battles: a parallel, deterministic simulation schedule that
//! the other plugins (pooled action queues, batched AI, event batching and an egui
//! overlay) plug into, and a profiler that times every system and counts what it allocates.
//!
//! | plugin | crate | what it adds |
//! |---|---|---|
//! | [`SimPlugin`] | [`cohort_sim`] | `SimSchedule` with chained `SimSystems` phases, run from `FixedUpdate` at a tick rate (30 Hz by default) or fast-forwarded; `SimTick`, `SimRng`, `SimId` and the `world_hash` |
//! | [`ProfilerPlugin`] | [`cohort_profiler`] | time and allocations of every system run in every schedule, frame and tick statistics, hitches, budgets, export; `SteadyState` for tests |
//!
//! [`cohort_alloc`] is not a plugin: its `CountingAllocator` is installed with one
//! `#[global_allocator]` line in your `main` and counts every heap operation per thread;
//! the profiler's allocation figures need it. [`cohort_events`] and [`cohort_actions`] are
//! registered per type instead: `app.add_batched_event::<E>()` for each event type and
//! `app.add_action_queue::<A>(config)` for each action type (both in the prelude).
//! [`cohort_ai`]'s `AiPlugin` needs the game's input schema and decision makers, so it is
//! added on its own: `AiPlugin::new(schema).with_makers(makers)` (in the prelude, with the
//! bridge that turns decisions into queued actions).
//!
//! With the `overlay` feature, `cohort_overlay::OverlayPlugin` (re-exported here) adds an
//! egui window with frame times, every system's time and allocations, simulation figures
//! and hitches; it is not in [`CohortPlugins`], which stays headless.
//!
//! [`CohortPlugins`] adds them all:
//!
//! ```
//! use bevy::prelude::*;
//! use cohort::prelude::*;
//!
//! let mut app = App::new();
//! app.add_plugins((MinimalPlugins, CohortPlugins));
//! app.run_sim_ticks(3);
//! assert_eq!(app.world().resource::<SimTick>().get(), 3);
//! ```
//!
//! Configure a plugin of the group with `set`:
//!
//! ```
//! use bevy::prelude::*;
//! use cohort::prelude::*;
//!
//! App::new().add_plugins((
//!     MinimalPlugins,
//!     CohortPlugins.set(SimPlugin::default().with_tick_rate(60.0)),
//! ));
//! ```
//!
//! The reference battle (`cohort_battle`) is the workload of the examples, tests and
//! benches; see the README.

use bevy::app::{PluginGroup, PluginGroupBuilder};

pub use cohort_actions;
pub use cohort_ai;
pub use cohort_alloc;
pub use cohort_events;
#[cfg(feature = "overlay")]
pub use cohort_overlay;
#[cfg(feature = "overlay")]
pub use cohort_overlay::OverlayPlugin;
pub use cohort_profiler;
pub use cohort_profiler::ProfilerPlugin;
pub use cohort_sim;
pub use cohort_sim::SimPlugin;

/// The plugins every cohort app starts from, with default settings: the simulation
/// schedule (`SimPlugin`) and the profiler (`ProfilerPlugin`). The others take settings
/// only the app knows (an action type, a decision maker, an event type): add them beside
/// it (`add_action_queue`, `AiPlugin`, `add_batched_event`, `OverlayPlugin`).
///
/// Headless by default; the test harness and the headless runner fast-forward with
/// `SimPlugin::fast_forward`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CohortPlugins;

impl PluginGroup for CohortPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(SimPlugin::default())
            .add(ProfilerPlugin::default())
    }
}

/// What users of cohort type.
pub mod prelude {
    pub use crate::CohortPlugins;
    pub use cohort_actions::prelude::*;
    pub use cohort_ai::prelude::*;
    pub use cohort_events::{
        BatchReader, BatchWriter, BatchedEventsAppExt, BatchedMessagesAppExt, EventBatch,
        EventBatchConfig,
    };
    #[cfg(feature = "overlay")]
    pub use cohort_overlay::prelude::*;
    pub use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};
    pub use cohort_sim::prelude::*;
}
