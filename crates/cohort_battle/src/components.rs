//! The components of a battle unit. All state changes in place; nothing is added or removed
//! while a unit lives, so units never move between archetypes.

use bevy::ecs::component::Component;
use bevy::ecs::entity::Entity;
use bevy::math::Vec2;
use cohort_sim::{HashState, StateHasher};

use crate::health::Hp;

/// The team a unit fights for: an index into the scenario's teams.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Team(pub u8);

/// The unit's type: an index into [`UnitTypes`](crate::UnitTypes).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnitKind(pub u16);

/// Where the unit stands, in world units, inside the map.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Position(pub Vec2);

impl HashState for Position {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.0.hash_state(hasher);
    }
}

/// Stats derived from the unit type and active effects; recomputed only when effects start
/// or end.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// World units per tick, after slows.
    pub speed_per_tick: f32,
    /// Subtracted from each incoming attack.
    pub armor: Hp,
}

/// The enemy a unit is after, and where it stood at the start of this tick.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Target {
    /// The enemy, if one is in sight.
    pub entity: Option<Entity>,
    /// Its position at the start of the tick, or, with no enemy in sight, where the
    /// nearest enemy army stands.
    pub position: Vec2,
    /// How close the unit must be to hit it: attack range plus both radii.
    pub reach: f32,
}

/// Ticks until the unit may attack again.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttackCooldown(pub u32);

/// Ticks until the unit may use its support ability again.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SupportCooldown(pub u32);

impl HashState for AttackCooldown {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.0.hash_state(hasher);
    }
}

impl HashState for SupportCooldown {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.0.hash_state(hasher);
    }
}

impl HashState for Team {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.0.hash_state(hasher);
    }
}
