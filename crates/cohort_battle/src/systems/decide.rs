use bevy::ecs::prelude::*;
use cohort_actions::{ActionPool, ActionQueue, ActionWriter, Queued};
use cohort_sim::{SimConfig, SimId, SimTick};

use crate::grid::SpatialGrid;
use crate::health::Health;
use crate::orders::{
    Morale, Order, REGROUP_SECONDS, RETREAT_HEALTH_SHARE, RETREAT_PRIORITY, RETREAT_SECONDS,
    SUPPORT_PRIORITY,
};
use crate::rules::BattleRules;
use crate::unit_types::UnitTypes;
use crate::{Position, SupportCooldown, Target, Team, UnitKind};

/// A unit with a living target looks again for a nearer one every this many ticks,
/// staggered by id so each tick does an even share of the searches.
pub const RETARGET_INTERVAL: u64 = 16;

/// Ticks a support unit waits before looking again when no ally in reach was wounded.
const SUPPORT_RETRY_TICKS: u32 = 4;

/// Decides each unit's orders, in parallel, through its action queue:
///
/// - the first time its health drops to a quarter, a unit retreats (interrupting
///   anything) and then regroups;
/// - otherwise it attacks the nearest enemy in sight, or advances on the nearest enemy
///   army: it searches when its target is gone, and on its staggered retarget tick unless
///   its target is within reach (a unit in a fight keeps fighting), and a new target
///   replaces its orders (a click);
/// - a unit with a support ability that is ready casts it on the most wounded ally in
///   reach, ahead of its attack, which resumes after.
pub fn choose_targets(
    tick: Res<SimTick>,
    config: Res<SimConfig>,
    grid: Res<SpatialGrid>,
    rules: Res<BattleRules>,
    types: Res<UnitTypes>,
    pool: Res<ActionPool<Order>>,
    orders: ActionWriter<Order>,
    mut units: Query<(
        Entity,
        &SimId,
        (&Team, &UnitKind, &Position, &Health),
        &ActionQueue<Order>,
        &mut Morale,
        &mut Target,
        &mut SupportCooldown,
    )>,
    positions: Query<&Position>,
) {
    let tick = tick.get();
    let retreat_ticks = seconds_to_ticks(RETREAT_SECONDS, &config);
    let regroup_ticks = seconds_to_ticks(REGROUP_SECONDS, &config);
    units.par_iter_mut().for_each(
        |(
            unit,
            id,
            (team, kind, position, health),
            queue,
            mut morale,
            mut target,
            mut cooldown,
        )| {
            let current = queue.current().copied();
            if matches!(current, Some(Order::Retreat | Order::Wait { .. })) {
                return;
            }
            if !morale.retreated && health.current * RETREAT_HEALTH_SHARE <= health.max {
                morale.retreated = true;
                orders.replace(
                    unit,
                    Queued::new(Order::Retreat)
                        .with_priority(RETREAT_PRIORITY)
                        .with_timeout(retreat_ticks),
                );
                orders.push_back(
                    unit,
                    Order::Wait {
                        ticks: regroup_ticks,
                    },
                );
                return;
            }
            // A support cast in progress stands for the order it interrupted.
            let standing = match current {
                Some(Order::Support { .. }) | None => pool.peek(queue).map(|next| next.action),
                other => other,
            };
            let wanted = retarget(
                tick,
                id,
                team,
                kind,
                position,
                &mut target,
                &grid,
                &rules,
                &types,
                &positions,
            );
            if let Some(wanted) = wanted
                && standing != Some(wanted)
            {
                orders.replace(unit, Queued::new(wanted).resumable());
            }
            order_support(
                unit,
                team,
                kind,
                position,
                &mut cooldown,
                &grid,
                &types,
                &orders,
            );
        },
    );
}

fn seconds_to_ticks(seconds: f64, config: &SimConfig) -> u32 {
    (seconds / f64::from(config.tick_seconds()))
        .round()
        .max(1.0) as u32
}

/// Updates `target` and returns the order it calls for: `None` to keep the current one.
fn retarget(
    tick: u64,
    id: &SimId,
    team: &Team,
    kind: &UnitKind,
    position: &Position,
    target: &mut Target,
    grid: &SpatialGrid,
    rules: &BattleRules,
    types: &UnitTypes,
    positions: &Query<&Position>,
) -> Option<Order> {
    let due = id.0.wrapping_add(tick).is_multiple_of(RETARGET_INTERVAL);
    let current = target.entity.map(|entity| positions.get(entity));
    match current {
        // Engaged units fight on; others keep their target until their turn.
        Some(Ok(enemy)) if !due || position.0.distance(enemy.0) <= target.reach => {
            target.position = enemy.0;
            return target.entity.map(|target| Order::Attack { target });
        }
        None if !due && tick > 0 => return Some(Order::Advance),
        _ => {}
    }
    let unit = types.get(*kind);
    *target = match grid.nearest_enemy(team.0, position.0, rules.sight) {
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
    Some(
        target
            .entity
            .map_or(Order::Advance, |target| Order::Attack { target }),
    )
}

/// Counts the support cooldown down and, when it is ready, orders a cast on the most
/// wounded ally in reach.
fn order_support(
    unit: Entity,
    team: &Team,
    kind: &UnitKind,
    position: &Position,
    cooldown: &mut SupportCooldown,
    grid: &SpatialGrid,
    types: &UnitTypes,
    orders: &ActionWriter<Order>,
) {
    let unit_type = types.get(*kind);
    let Some((_, range, every)) = unit_type.support else {
        return;
    };
    if cooldown.0 > 0 {
        cooldown.0 -= 1;
        return;
    }
    let mut best: Option<(i32, SimId, Entity)> = None;
    grid.for_each_ally_within(team.0, position.0, range + unit_type.radius * 2.0, |ally| {
        let worse = best.is_none_or(|(missing, best_id, _)| {
            ally.missing > missing || (ally.missing == missing && ally.id < best_id)
        });
        if ally.missing > 0 && worse {
            best = Some((ally.missing, ally.id, ally.entity));
        }
    });
    let Some((_, _, ally)) = best else {
        // Nobody to help: look again a few ticks later rather than every tick.
        cooldown.0 = SUPPORT_RETRY_TICKS.min(every);
        return;
    };
    cooldown.0 = every;
    orders.push_front(
        unit,
        Queued::new(Order::Support { ally }).with_priority(SUPPORT_PRIORITY),
    );
}
