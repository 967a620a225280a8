//! The unit types of the running battle.

use bevy::ecs::resource::Resource;

use crate::UnitKind;
use crate::data::UnitType;

/// The battle's unit types, indexed by [`UnitKind`].
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct UnitTypes(pub Vec<UnitType>);

impl UnitTypes {
    /// The type of a unit. Every spawned [`UnitKind`] indexes this list.
    pub fn get(&self, kind: UnitKind) -> &UnitType {
        &self.0[usize::from(kind.0)]
    }
}

/// The rules of the running battle, from its scenario.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct BattleRules {
    /// The map's size; units stay inside `(0, 0)..size`.
    pub map: bevy::math::Vec2,
    /// How far units look for an enemy.
    pub sight: f32,
    /// The tick after which the battle ends undecided.
    pub tick_limit: u64,
    /// Each attack's damage varies by up to this share either way (seeded).
    pub damage_variance: f32,
    /// Team names, by index.
    pub team_names: Vec<String>,
}
