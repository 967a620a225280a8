use bevy::ecs::prelude::*;
use cohort_sim::{SimId, SimTick};

use crate::grid::SpatialGrid;
use crate::rules::BattleRules;
use crate::unit_types::UnitTypes;
use crate::{Position, Target, Team, UnitKind};

/// A unit with a living target looks again for a nearer one every this many ticks,
/// staggered by id so each tick does an even share of the searches.
pub const RETARGET_INTERVAL: u64 = 16;

/// Points each unit at the nearest enemy in sight, or at the nearest enemy army.
///
/// A unit searches when its target is gone, and on its staggered retarget tick unless its
/// target is within reach (a unit in a fight keeps fighting); otherwise it keeps its target
/// and follows it.
pub fn choose_targets(
    tick: Res<SimTick>,
    grid: Res<SpatialGrid>,
    rules: Res<BattleRules>,
    types: Res<UnitTypes>,
    mut units: Query<(&SimId, &Team, &UnitKind, &Position, &mut Target)>,
    positions: Query<&Position>,
) {
    let tick = tick.get();
    units
        .par_iter_mut()
        .for_each(|(id, team, kind, position, mut target)| {
            let due = (id.0.wrapping_add(tick)) % RETARGET_INTERVAL == 0;
            let current = target.entity.map(|entity| positions.get(entity));
            match current {
                // Engaged units fight on; others keep their target until their turn.
                Some(Ok(enemy)) if !due || position.0.distance(enemy.0) <= target.reach => {
                    target.position = enemy.0;
                    return;
                }
                None if !due && tick > 0 => return,
                _ => {}
            }
            let unit = types.get(*kind);
            let found = grid.nearest_enemy(team.0, position.0, rules.sight);
            *target = match found {
                Some(enemy) => Target {
                    entity: Some(enemy.entity),
                    position: enemy.position,
                    reach: unit.range + unit.radius + enemy.radius,
                },
                None => Target {
                    entity: None,
                    position: grid
                        .nearest_enemy_center(team.0, position.0)
                        .unwrap_or(position.0),
                    reach: unit.range + unit.radius,
                },
            };
        });
}
