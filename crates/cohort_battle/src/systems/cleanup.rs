use bevy::ecs::prelude::*;
use cohort_sim::{SimConfig, SimTick};

use crate::Team;
use crate::health::Health;
use crate::outcome::{BattleLedger, BattleOutcome, BattleStatus, EndReason};
use crate::rules::BattleRules;

/// Despawns every unit at zero health and counts the deaths per team.
pub fn despawn_dead(
    mut commands: Commands,
    mut ledger: ResMut<BattleLedger>,
    units: Query<(Entity, &Health, &Team)>,
) {
    for (entity, health, team) in &units {
        if health.is_alive() {
            continue;
        }
        commands.entity(entity).despawn();
        if let Some(deaths) = ledger.deaths.get_mut(usize::from(team.0)) {
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
