//! Spawning a scenario's teams in formation.

use bevy::ecs::prelude::*;
use bevy::math::Vec2;
use cohort_sim::{SimConfig, SimId, SimIdAllocator, SimRng};

use crate::data::{Formation, LoadedScenario};
use crate::effects::ActiveEffects;
use crate::health::Health;
use crate::orders::{Morale, Order};
use crate::systems::derive_stats;
use crate::unit_types::UnitTypes;
use crate::{AttackCooldown, Position, SupportCooldown, Target, Team, UnitKind};
use cohort_actions::ActionQueue;
use cohort_ai::{AiAgent, DecisionMakerId};

use crate::ai::UnitMinds;

/// The scenario a [`BattlePlugin`](crate::BattlePlugin) spawns.
#[derive(Resource, Debug, Clone)]
pub struct BattleScenario(pub LoadedScenario);

/// Salt of the random stream that places scattered units.
const SCATTER_SALT: u64 = 0x05CA_77E2;

/// Spawns every team of the [`BattleScenario`] in its formation, allocating [`SimId`]s in
/// file order: team by team, unit entry by unit entry.
///
/// [`SimId`]: cohort_sim::SimId
pub fn spawn_battle(
    mut commands: Commands,
    scenario: Res<BattleScenario>,
    types: Res<UnitTypes>,
    config: Res<SimConfig>,
    rng: Res<SimRng>,
    minds: Res<UnitMinds>,
    mut ids: ResMut<SimIdAllocator>,
) {
    let scenario = &scenario.0.scenario;
    let map = Vec2::new(scenario.map.width as f32, scenario.map.height as f32);
    let tick_seconds = config.tick_seconds();
    for (team_index, team) in scenario.teams.iter().enumerate() {
        let count: u32 = team.units.iter().map(|units| units.count).sum();
        let center = Vec2::new(team.center.0 as f32, team.center.1 as f32);
        let facing = if center.x <= map.x / 2.0 { 1.0 } else { -1.0 };
        let mut slot = 0;
        let mut batch = Vec::with_capacity(count as usize);
        for units in &team.units {
            let Some(kind) = types.0.iter().position(|unit| unit.name == units.kind) else {
                continue;
            };
            let unit = &types.0[kind];
            for _ in 0..units.count {
                let id = ids.allocate();
                let offset = match team.formation {
                    Formation::Block { spacing } => {
                        let files = (f64::from(count).sqrt().ceil() as u32).max(1);
                        rank_and_file(slot, count, files, spacing as f32, facing)
                    }
                    Formation::Line { spacing, ranks } => {
                        let files = count.div_ceil(ranks.max(1)).max(1);
                        rank_and_file(slot, count, files, spacing as f32, facing)
                    }
                    Formation::Scatter { radius } => {
                        let mut draw = rng.stream(id, 0, SCATTER_SALT);
                        let distance = radius as f32 * draw.next_f32().sqrt();
                        let angle = draw.next_f32() * core::f32::consts::TAU;
                        Vec2::from_angle(angle) * distance
                    }
                };
                slot += 1;
                let effects = ActiveEffects::default();
                batch.push((
                    (id, Team(team_index as u8), UnitKind(kind as u16)),
                    Position((center + offset).clamp(Vec2::ZERO, map)),
                    Health::full(unit.health),
                    derive_stats(unit, &effects, tick_seconds),
                    effects,
                    Target::default(),
                    AttackCooldown(0),
                    SupportCooldown(0),
                    (ActionQueue::<Order>::new(), Morale::default()),
                    AiAgent::new(minds.of(UnitKind(kind as u16))),
                ));
            }
        }
        commands.spawn_batch(batch);
    }
}

/// Sizes Bevy's despawn bookkeeping for `units` deaths in one frame before the battle
/// starts, so that deaths never grow it mid-battle.
///
/// Despawning an entity records each of its components in a per-component buffer of
/// removed components (double-buffered, cleared every frame) and frees its slot; those
/// grow to the most despawns one frame has seen. Spawning and despawning `units` stand-ins
/// with a unit's components, twice, grows them once, here. No `SimId` is given out and no
/// system sees the stand-ins.
pub fn presize_for_deaths(world: &mut World, units: usize) {
    let Some(unit) = world
        .get_resource::<UnitTypes>()
        .and_then(|types| types.0.first().cloned())
    else {
        return;
    };
    let tick_seconds = world
        .get_resource::<SimConfig>()
        .map_or(1.0 / 30.0, SimConfig::tick_seconds);
    let effects = ActiveEffects::default();
    let stand_in = (
        (SimId(u64::MAX), Team(0), UnitKind(0)),
        Position::default(),
        Health::full(unit.health),
        derive_stats(&unit, &effects, tick_seconds),
        effects,
        Target::default(),
        AttackCooldown(0),
        SupportCooldown(0),
        Morale::default(),
        AiAgent::new(DecisionMakerId::default()),
    );
    for _ in 0..2 {
        let stand_ins: Vec<Entity> = world
            .spawn_batch(
                core::iter::repeat_n(stand_in, units)
                    .map(|stand_in| (stand_in, ActionQueue::<Order>::new())),
            )
            .collect();
        for entity in stand_ins {
            world.despawn(entity);
        }
        world.clear_trackers();
    }
}

/// The offset of the `slot`-th unit in rows `files` wide, rank 0 in front (toward
/// `facing` on x), files spread along y.
fn rank_and_file(slot: u32, count: u32, files: u32, spacing: f32, facing: f32) -> Vec2 {
    let ranks = count.div_ceil(files);
    let rank = slot / files;
    let file = slot % files;
    let depth = (ranks as f32 - 1.0) / 2.0 - rank as f32;
    let width = file as f32 - (files as f32 - 1.0) / 2.0;
    Vec2::new(depth * facing * spacing, width * spacing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_face_the_enemy_and_are_centered() {
        // 6 units, 3 files: two ranks.
        let front = rank_and_file(0, 6, 3, 2.0, 1.0);
        let back = rank_and_file(3, 6, 3, 2.0, 1.0);
        assert_eq!(front, Vec2::new(1.0, -2.0));
        assert_eq!(back, Vec2::new(-1.0, -2.0));
        assert_eq!(rank_and_file(0, 6, 3, 2.0, -1.0).x, -1.0, "facing left");
        let sum: Vec2 = (0..6).map(|slot| rank_and_file(slot, 6, 3, 2.0, 1.0)).sum();
        assert_eq!(sum, Vec2::ZERO);
    }
}
