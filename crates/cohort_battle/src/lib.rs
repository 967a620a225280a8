//! The cohort reference battle: the demo and the workload of every test and bench.
//!
//! Unit types come from `assets/units/*.ron` and scenarios from `assets/scenarios/*.ron`
//! ([`load_scenario`] checks every field and names the file, line and field of any
//! mistake). [`BattlePlugin`] spawns the teams and runs the battle in
//! [`SimSchedule`](cohort_sim::SimSchedule): a spatial grid rebuilt each tick into reused
//! buffers, decisions by a utility AI per unit type (`cohort_ai`: which of the nearest
//! enemies to engage, whom to heal, when to fall back) carried out as orders through
//! pooled action queues (`cohort_actions`: attack, advance, support casts, one retreat
//! when hurt, then regroup), movement, melee
//! and ranged attacks with cooldowns,
//! damage through armor and shields, timed effects (damage and heal over time, slow,
//! shield), derived stats recomputed only when effects start or end, death and despawn,
//! and an outcome when one team is left or the tick limit comes.
//!
//! Every unit thinks through `cohort_ai`: one decision maker per kind of unit in
//! `assets/ai/` (melee: engage, or retreat when low; archer: keep range; healer: heal the
//! most wounded ally in reach; mage: blast clusters), fed by [`ai::sense_battle`] and
//! turned into orders by [`ai::BattleOrders`].
//!
//! Attacks, effect casts and deaths are batched events (`cohort_events`): parallel systems
//! write them into per-thread buffers, each flush orders them by [`SimId`] (`cohort_sim`'s
//! stable id) and sums the damage on each target, and health is kept in whole hundredths
//! of a point, so the same scenario and seed end in the same
//! [`world_hash`](cohort_sim::world_hash) on any number of threads.
//!
//! [`headless`] is the runner behind `examples/headless.rs`.
//!
//! [`SimId`]: cohort_sim::SimId

pub mod ai;
mod battle_plugin;
mod components;
pub mod data;
mod effects;
mod events;
mod grid;
pub mod headless;
mod health;
mod orders;
mod outcome;
mod rules;
mod spawn;
pub mod systems;
mod unit_types;

pub use battle_plugin::BattlePlugin;
pub use components::{AttackCooldown, Position, Stats, SupportCooldown, Target, Team, UnitKind};
pub use data::{LoadError, LoadedScenario, load_scenario};
pub use effects::{ActiveEffects, Effect, EffectKind};
pub use events::{Damage, Death, DeathFlush, EffectCast};
pub use grid::{GridEntry, Nearest, SpatialGrid};
pub use health::{HP_PER_POINT, Health, Hp, hp_from_points, hp_to_points};
pub use orders::{
    FALL_BACK_SECONDS, Morale, Order, REGROUP_SECONDS, RETREAT_HEALTH_SHARE, RETREAT_PRIORITY,
    RETREAT_SECONDS, SUPPORT_PRIORITY,
};
pub use outcome::{BattleLedger, BattleOutcome, BattleStatus, EndReason};
pub use rules::BattleRules;
pub use spawn::{BattleScenario, presize_for_deaths, spawn_battle};
pub use unit_types::UnitTypes;

/// What users of the battle type.
pub mod prelude {
    pub use crate::{
        BattleLedger, BattleOutcome, BattlePlugin, BattleStatus, EndReason, Health, Position, Team,
        load_scenario,
    };
}
