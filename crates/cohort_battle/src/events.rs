//! The battle's gameplay events, batched with `cohort_events`: parallel systems write
//! them from `par_iter` into per-thread buffers, and each flush hands one batch, in an
//! order that does not depend on threads, to the systems that apply them.

use bevy::app::App;
use bevy::ecs::entity::Entity;
use bevy::ecs::schedule::{IntoScheduleConfigs, SystemSet};
use cohort_events::{BatchedEventsAppExt, EventBatchConfig};
use cohort_sim::{SimSchedule, SimSystems};

use crate::effects::Effect;
use crate::health::Hp;

/// Damage after armor on one unit, keyed by the target's `SimId` and written with the
/// attacker's: a tick's attacks on one target are summed into one event before anyone
/// reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// Who is hit.
    pub target: Entity,
    /// Damage after the target's armor, summed over `hits`.
    pub amount: Hp,
    /// Attacks summed into this event.
    pub hits: u32,
}

impl Damage {
    /// Sums a later attack on the same target into an earlier one.
    pub fn merge(earlier: &mut Self, later: &Self) {
        earlier.amount += later.amount;
        earlier.hits += later.hits;
    }
}

/// An effect put on a unit: an attack's on-hit effect, or an ally's support cast (heal,
/// shield). Keyed by the target's `SimId`, ordered by the caster's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectCast {
    /// Who gets the effect.
    pub target: Entity,
    /// The effect.
    pub effect: Effect,
}

/// A unit that reached zero health this tick, keyed by its `SimId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Death {
    /// The unit.
    pub entity: Entity,
    /// Its team's index.
    pub team: u8,
}

/// Where deaths flush: after `Resolve`, where units die, before `Cleanup`, where the
/// dead are despawned. Damage and effect casts flush at `cohort_events::EventFlush`,
/// between `Act` and `Resolve`.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeathFlush;

/// Registers the battle's events, sized so that a tick of `units` units never grows a
/// buffer: each unit attacks, casts and dies at most once a tick.
pub(crate) fn add_battle_events(app: &mut App, units: usize) {
    app.add_batched_event_with::<Damage>(
        EventBatchConfig::default()
            .with_capacity(units)
            .coalesce(Damage::merge),
    )
    .add_batched_event_with::<EffectCast>(EventBatchConfig::default().with_capacity(2 * units))
    .configure_sets(
        SimSchedule,
        DeathFlush
            .after(SimSystems::Resolve)
            .before(SimSystems::Cleanup),
    )
    .add_batched_event_flushed_in::<Death>(
        EventBatchConfig::default().with_capacity(units),
        SimSchedule,
        DeathFlush,
    );
}
