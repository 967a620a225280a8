//! Batched gameplay events: any number of systems (and `par_iter` closures) write events
//! of a type in parallel, each thread into its own buffer; once a tick the buffers become
//! one batch in a defined order, the same on 1 or 16 threads, optionally coalesced per
//! key; readers get it as a slice. After warm-up nothing allocates.
//!
//! How it stays fast: each thread's buffer is split by key range into parts as events are
//! written (the range learned from earlier batches), so the flush sorts one part at a time
//! in the cache, most often by counting keys, and from 16k events shares the parts
//! between the compute threads.
//!
//! ```
//! use bevy::prelude::*;
//! use cohort_events::{BatchReader, BatchWriter, BatchedEventsAppExt, EventBatchConfig};
//! use cohort_sim::{SimAppExt, SimPlugin, SimSchedule, SimSystems};
//!
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! struct Damage(f32);
//!
//! #[derive(Component)]
//! struct Health(f32);
//!
//! fn attack(units: Query<Entity, With<Health>>, damage: BatchWriter<Damage>) {
//!     // Each unit hurts itself, twice: keyed by the unit, one closure call per key.
//!     units.par_iter().for_each(|unit| {
//!         damage.write(unit, Damage(1.0));
//!         damage.write(unit, Damage(0.5));
//!     });
//! }
//!
//! fn apply(mut damage: BatchReader<Damage>, mut health: Query<&mut Health>) {
//!     // Coalesced: one summed event per key.
//!     for (unit, events) in damage.read_groups() {
//!         let Some(unit) = Entity::try_from_bits(unit) else { continue };
//!         let Ok(mut health) = health.get_mut(unit) else { continue };
//!         health.0 -= events.iter().map(|event| event.0).sum::<f32>();
//!     }
//! }
//!
//! let mut app = App::new();
//! app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
//!     .add_batched_event_with::<Damage>(
//!         EventBatchConfig::default().coalesce(|earlier: &mut Damage, later: &Damage| {
//!             earlier.0 += later.0;
//!         }),
//!     )
//!     .add_systems(SimSchedule, attack.in_set(SimSystems::Act))
//!     .add_systems(SimSchedule, apply.in_set(SimSystems::Resolve));
//! let unit = app.world_mut().spawn(Health(10.0)).id();
//! app.run_sim_ticks(2);
//! assert_eq!(app.world().get::<Health>(unit).unwrap().0, 7.0);
//! ```

mod batch;
mod bridge;
mod config;
mod counting;
mod flush;
mod key;
mod order;
mod plugin;
mod reader;
mod staging;
mod stats;
mod writer;

pub use batch::{EventBatch, Groups};
pub use bridge::BatchedMessagesAppExt;
pub use config::{BatchOverflow, EventBatchConfig};
pub use key::EventKey;
pub use plugin::{BatchedEventsAppExt, EventFlush, EventRegistry};
pub use reader::BatchReader;
pub use stats::{EventTypeStats, EventTypeSummary, STATS_WINDOW};
pub use writer::{BatchWriter, LocalBatchWriter, WriterRank};
