//! The rules of the running battle.

use bevy::ecs::resource::Resource;
use bevy::math::Vec2;

/// The rules of the running battle, from its scenario.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct BattleRules {
    /// The map's size; units stay inside `(0, 0)..size`.
    pub map: Vec2,
    /// How far units look for an enemy.
    pub sight: f32,
    /// The tick after which the battle ends undecided.
    pub tick_limit: u64,
    /// Each attack's damage varies by up to this share either way (seeded).
    pub damage_variance: f32,
    /// Team names, by index.
    pub team_names: Vec<String>,
}
