//! The battle's systems, one file per [`SimSystems`](cohort_sim::SimSystems) phase; the
//! `Decide` phase is `cohort_ai`'s, fed and read by [`crate::ai`].

mod act;
mod cleanup;
mod resolve;
mod sense;

pub use act::{attack_targets, cast_support, move_units, run_waits};
pub use cleanup::{despawn_dead, update_battle_status};
pub(crate) use resolve::derive_stats;
pub use resolve::{OverTimeTotals, apply_damage, apply_effects, recompute_stats, tick_effects};
pub use sense::rebuild_spatial_grid;
