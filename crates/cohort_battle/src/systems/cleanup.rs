use bevy::ecs::prelude::*;
use cohort_sim::{SimConfig, SimTick};

use cohort_events::EventBatch;

use crate::Team;
use crate::events::Death;
use crate::health::Health;
use crate::outcome::{BattleLedger, BattleOutcome, BattleStatus, EndReason};
use crate::rules::BattleRules;
use crate::spawn::BattleScenario;

/// Despawns the units that died this tick (the [`Death`] batch) and counts the deaths
/// per team.
///
/// Exclusive, with a list of the dead sized once to the whole army, so that no tick's
/// deaths ever grow a buffer (a command queue would grow with the most deaths one tick
/// has seen).
pub fn despawn_dead(
    world: &mut World,
    mut dead: Local<Vec<(Entity, u8)>>,
    mut seen_flush: Local<u64>,
) {
    if dead.capacity() == 0 {
        let army = world.resource::<BattleScenario>().0.total_units();
        dead.reserve(usize::try_from(army).unwrap_or(0));
    }
    let deaths = world.resource::<EventBatch<Death>>();
    if deaths.flush_number() == *seen_flush {
        return;
    }
    *seen_flush = deaths.flush_number();
    dead.clear();
    dead.extend(
        deaths
            .events()
            .iter()
            .map(|death| (death.entity, death.team)),
    );
    for &(entity, team) in dead.iter() {
        world.despawn(entity);
        if let Some(deaths) = world
            .resource_mut::<BattleLedger>()
            .deaths
            .get_mut(usize::from(team))
        {
            *deaths += 1;
        }
    }
}

/// Counts the living per team and ends the battle when one team (or none) is left, or at
/// the tick limit; an ended battle pauses the simulation.
pub fn update_battle_status(
    tick: Res<SimTick>,
    rules: Res<BattleRules>,
    mut config: ResMut<SimConfig>,
    mut status: ResMut<BattleStatus>,
    units: Query<(&Health, &Team)>,
) {
    let status = &mut *status;
    status.alive.fill(0);
    for (health, team) in &units {
        if health.is_alive()
            && let Some(alive) = status.alive.get_mut(usize::from(team.0))
        {
            *alive += 1;
        }
    }
    if status.outcome.is_some() {
        return;
    }
    let ticks = tick.get() + 1;
    let mut standing = status
        .alive
        .iter()
        .enumerate()
        .filter(|(_, alive)| **alive > 0);
    let outcome = match (standing.next(), standing.next()) {
        (None, _) => Some((EndReason::Draw, None)),
        (Some((team, _)), None) => Some((EndReason::Victory, Some(team as u8))),
        _ if ticks >= rules.tick_limit => Some((EndReason::TickLimit, None)),
        _ => None,
    };
    if let Some((reason, winner)) = outcome {
        status.outcome = Some(BattleOutcome {
            reason,
            winner,
            ticks,
        });
        config.paused = true;
    }
}
