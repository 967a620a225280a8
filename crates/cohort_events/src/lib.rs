//! Batched gameplay events: any number of systems (and `par_iter` closures) write events
//! of a type in parallel, each thread into its own buffer; once a tick the buffers become
//! one batch in a defined order, the same on 1 or 16 threads, optionally coalesced per
//! key; readers get it as a slice. After warm-up nothing allocates.
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
//!     units.par_iter().for_each(|target| damage.write(target, Damage(1.5)));
//! }
//!
//! fn apply(mut damage: BatchReader<Damage>, mut health: Query<&mut Health>) {
//!     // Keyed by target and coalesced: one summed event per target.
//!     for (target, events) in damage.read_groups() {
//!         let Ok(mut health) = health.get_mut(Entity::from_bits(target)) else { continue };
//!         health.0 -= events.iter().map(|event| event.0).sum::<f32>();
//!     }
//! }
//! # let _ = (attack, apply);
//! ```

mod batch;
mod config;
mod flush;
mod key;
mod order;
mod plugin;
mod reader;
mod staging;
mod stats;
mod writer;

pub use batch::{EventBatch, Groups};
pub use config::{EventBatchConfig, Overflow};
pub use key::EventKey;
pub use plugin::{BatchedEventsAppExt, EventFlush, EventRegistry};
pub use reader::BatchReader;
pub use stats::{EventTypeStats, EventTypeSummary, STATS_WINDOW};
pub use writer::{BatchWriter, WriterRank};
