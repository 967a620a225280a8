use bevy::ecs::prelude::*;
use cohort_actions::ActionQueue;
use cohort_sim::{SimId, SimRng, SimTick};

use cohort_events::BatchWriter;

use crate::events::{Damage, EffectCast};
use crate::grid::SpatialGrid;
use crate::orders::Order;
use crate::rules::BattleRules;
use crate::unit_types::UnitTypes;
use crate::{AttackCooldown, Position, Stats, SupportCooldown, Target, Team, UnitKind};

/// Salt of the random stream that varies attack damage.
const DAMAGE_SALT: u64 = 0x00DA_3A6E;

/// Runs the orders that move: an advance or an attack closes in on its target until it is
/// within reach; a retreat or a step back falls back toward the own army. Units stay inside the map.
pub fn move_units(
    rules: Res<BattleRules>,
    grid: Res<SpatialGrid>,
    mut units: Query<(&mut Position, &Team, &Target, &Stats, &ActionQueue<Order>)>,
) {
    let max = rules.map;
    units
        .par_iter_mut()
        .for_each(|(mut position, team, target, stats, queue)| {
            let (goal, reach) = match queue.current() {
                Some(Order::Advance | Order::Attack { .. }) => (target.position, target.reach),
                Some(Order::Retreat | Order::FallBack) => match grid.team_center(team.0) {
                    Some(center) => (center, 0.0),
                    None => return,
                },
                Some(Order::Support { .. } | Order::Wait { .. }) | None => return,
            };
            let offset = goal - position.0;
            let distance = offset.length();
            // Stop a little inside reach so rounding never leaves a unit just out of range.
            let gap = distance - reach * 0.95;
            if gap <= 0.0 || distance <= f32::EPSILON {
                return;
            }
            let step = gap.min(stats.speed_per_tick);
            position.0 = (position.0 + offset / distance * step).clamp(bevy::math::Vec2::ZERO, max);
        });
}

/// Counts attack cooldowns down and runs attack orders: a target within reach is hit,
/// damage after its armor and the attack's on-hit effect as batched events keyed by the
/// target (and, for a unit with `splash`, on every enemy that near the target). An attack
/// on a target that is gone is cancelled.
pub fn attack_targets(
    tick: Res<SimTick>,
    rng: Res<SimRng>,
    rules: Res<BattleRules>,
    types: Res<UnitTypes>,
    damage_events: BatchWriter<Damage>,
    casts: BatchWriter<EffectCast>,
    grid: Res<SpatialGrid>,
    targets: Query<(&SimId, &Stats, &Team)>,
    mut units: Query<(
        &SimId,
        &UnitKind,
        &Position,
        &Target,
        &mut AttackCooldown,
        &mut ActionQueue<Order>,
    )>,
) {
    let variance = rules.damage_variance;
    units
        .par_iter_mut()
        .for_each(|(id, kind, position, target, mut cooldown, mut queue)| {
            if cooldown.0 > 0 {
                cooldown.0 -= 1;
            }
            let Some(&Order::Attack { target: enemy }) = queue.current() else {
                return;
            };
            let Ok((target_id, target_stats, target_team)) = targets.get(enemy) else {
                queue.cancel();
                return;
            };
            if cooldown.0 > 0 || position.0.distance(target.position) > target.reach {
                return;
            }
            let unit = types.get(*kind);
            cooldown.0 = unit.attack_cooldown_ticks;
            let roll = rng
                .stream(*id, tick.get(), DAMAGE_SALT)
                .range_f32(-variance, variance);
            let damage = (unit.damage as f32 * (1.0 + roll)).round() as i32;
            // A unit without damage (a wall, a pure caster) lands only its effect.
            if damage > 0 {
                damage_events.write_from(
                    *target_id,
                    *id,
                    Damage {
                        target: enemy,
                        amount: (damage - target_stats.armor).max(1),
                        hits: 1,
                    },
                );
                if unit.splash > 0.0 {
                    grid.for_each_ally_within(
                        target_team.0,
                        target.position,
                        unit.splash,
                        |bystander| {
                            let Ok((_, stats, _)) = targets.get(bystander.entity) else {
                                return;
                            };
                            if bystander.entity != enemy {
                                damage_events.write_from(
                                    bystander.id,
                                    *id,
                                    Damage {
                                        target: bystander.entity,
                                        amount: (damage - stats.armor).max(1),
                                        hits: 1,
                                    },
                                );
                            }
                        },
                    );
                }
            }
            if let Some(effect) = unit.on_hit {
                casts.write_from(
                    *target_id,
                    *id,
                    EffectCast {
                        target: enemy,
                        effect,
                    },
                );
            }
        });
}

/// Runs support orders: the unit's support effect lands on the ally as a batched event
/// keyed by the ally, the ability's cooldown starts, and the order finishes; an ally that
/// is gone cancels it.
pub fn cast_support(
    types: Res<UnitTypes>,
    casts: BatchWriter<EffectCast>,
    allies: Query<&SimId>,
    mut units: Query<(
        &SimId,
        &UnitKind,
        &mut SupportCooldown,
        &mut ActionQueue<Order>,
    )>,
) {
    units
        .par_iter_mut()
        .for_each(|(id, kind, mut cooldown, mut queue)| {
            let Some(&Order::Support { ally }) = queue.current() else {
                return;
            };
            let (Ok(ally_id), Some((effect, _, every))) =
                (allies.get(ally), types.get(*kind).support)
            else {
                queue.cancel();
                return;
            };
            casts.write_from(
                *ally_id,
                *id,
                EffectCast {
                    target: ally,
                    effect,
                },
            );
            cooldown.0 = every;
            queue.finish();
        });
}

/// Runs wait orders: each finishes after its ticks.
pub fn run_waits(mut units: Query<&mut ActionQueue<Order>>) {
    units.par_iter_mut().for_each(|mut queue| {
        if let Some(&Order::Wait { ticks }) = queue.current()
            && queue.ticks_running() >= ticks
        {
            queue.finish();
        }
    });
}
