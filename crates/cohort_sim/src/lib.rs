//! The cohort simulation schedule.
//!
//! [`SimPlugin`] adds [`SimSchedule`], a schedule with Bevy's multi-threaded executor whose
//! phases [`SimSystems::Sense`], [`Decide`](SimSystems::Decide), [`Act`](SimSystems::Act),
//! [`Resolve`](SimSystems::Resolve) and [`Cleanup`](SimSystems::Cleanup) run in that order,
//! once per simulation tick. The schedule is driven from [`FixedUpdate`](bevy::app::FixedUpdate)
//! at a configurable tick rate (30 Hz by default), or as fast as the machine allows with
//! [`SimPlugin::fast_forward`].
//!
//! It also gives every cohort plugin what determinism needs:
//! - [`SimTick`], the tick counter;
//! - [`SimRng`], seeded randomness keyed by entity, tick and purpose, so no draw depends on
//!   which thread ran first;
//! - [`SimId`], a stable entity identity for deterministic merges;
//! - [`world_hash`], a hash of the registered simulation state that must be the same on 1
//!   and on 16 threads.
//!
//! ```
//! use bevy::prelude::*;
//! use cohort_sim::prelude::*;
//!
//! #[derive(Component)]
//! struct Fuel(u32);
//!
//! impl HashState for Fuel {
//!     fn hash_state(&self, hasher: &mut StateHasher) {
//!         self.0.hash_state(hasher);
//!     }
//! }
//!
//! fn burn(mut fuel: Query<&mut Fuel>) {
//!     fuel.par_iter_mut().for_each(|mut fuel| fuel.0 = fuel.0.saturating_sub(1));
//! }
//!
//! let mut app = App::new();
//! app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
//!     .hash_component::<Fuel>()
//!     .add_systems(SimSchedule, burn.in_set(SimSystems::Act));
//! let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
//! app.world_mut().spawn((id, Fuel(100)));
//!
//! app.run_sim_ticks(30);
//! let mut fuel = app.world_mut().query::<&Fuel>();
//! assert_eq!(fuel.single(app.world()).unwrap().0, 70);
//! println!("world hash {}", format_world_hash(world_hash(app.world_mut())));
//! ```

pub mod data;
mod hash;
mod quantile;
mod rng;
mod schedule;
mod sim_plugin;
mod sorted_runs;
mod summary_registry;
pub mod table_batches;
mod threads;
mod world_hash;

pub use hash::{HashState, StateHasher};
pub use quantile::{nearest_rank, nearest_rank_bucket};
pub use rng::{SimRng, TickRng};
pub use schedule::{ParIterSystems, SimSchedule, SimSystems};
pub use sim_plugin::{
    SimAppExt, SimConfig, SimPlugin, SimTick, SimTickTiming, TICK_HISTORY, TICK_RATE_RANGE,
    finish_plugins, run_sim_schedule,
};
pub use sorted_runs::sort_by_runs;
pub use summary_registry::{SummaryFn, SummaryRegistry, short_type_name};
pub use threads::{on_each_compute_thread, run_test_in_child, task_pool_options};
pub use world_hash::{
    SimHashAppExt, SimHashRegistry, SimId, SimIdAllocator, format_world_hash, world_hash,
};

/// What users of the simulation schedule type.
pub mod prelude {
    pub use crate::{
        HashState, ParIterSystems, SimAppExt, SimConfig, SimHashAppExt, SimId, SimIdAllocator,
        SimPlugin, SimRng, SimSchedule, SimSystems, SimTick, StateHasher, format_world_hash,
        world_hash,
    };
}
