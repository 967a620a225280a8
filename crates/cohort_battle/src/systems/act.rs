use bevy::ecs::prelude::*;
use cohort_sim::{SimId, SimRng, SimTick};

use crate::grid::SpatialGrid;
use cohort_events::BatchWriter;

use crate::events::{Damage, EffectCast};
use crate::rules::BattleRules;
use crate::unit_types::UnitTypes;
use crate::{AttackCooldown, Position, Stats, SupportCooldown, Target, Team, UnitKind};

/// Ticks a support unit waits before looking again when no ally in reach was wounded.
const SUPPORT_RETRY_TICKS: u32 = 4;

/// Salt of the random stream that varies attack damage.
const DAMAGE_SALT: u64 = 0x00DA_3A6E;

/// Moves each unit toward its target until it is within reach, or toward the enemy army
/// when it has no target, staying inside the map.
pub fn move_units(rules: Res<BattleRules>, mut units: Query<(&mut Position, &Target, &Stats)>) {
    let max = rules.map;
    units
        .par_iter_mut()
        .for_each(|(mut position, target, stats)| {
            let offset = target.position - position.0;
            let distance = offset.length();
            // Stop a little inside reach so rounding never leaves a unit just out of range.
            let gap = distance - target.reach * 0.95;
            if gap <= 0.0 || distance <= f32::EPSILON {
                return;
            }
            let step = gap.min(stats.speed_per_tick);
            position.0 = (position.0 + offset / distance * step).clamp(bevy::math::Vec2::ZERO, max);
        });
}

/// Counts attack cooldowns down and attacks each target within reach: damage after the
/// target's armor, and the attack's on-hit effect, as batched events keyed by the target.
pub fn attack_targets(
    tick: Res<SimTick>,
    rng: Res<SimRng>,
    rules: Res<BattleRules>,
    types: Res<UnitTypes>,
    damage_events: BatchWriter<Damage>,
    casts: BatchWriter<EffectCast>,
    targets: Query<(&SimId, &Stats)>,
    mut units: Query<(&SimId, &UnitKind, &Position, &Target, &mut AttackCooldown)>,
) {
    let variance = rules.damage_variance;
    units
        .par_iter_mut()
        .for_each(|(id, kind, position, target, mut cooldown)| {
            if cooldown.0 > 0 {
                cooldown.0 -= 1;
            }
            let Some(enemy) = target.entity else { return };
            if cooldown.0 > 0 || position.0.distance(target.position) > target.reach {
                return;
            }
            let Ok((target_id, target_stats)) = targets.get(enemy) else {
                return;
            };
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

/// Units with a support ability put its effect on the most wounded ally in reach.
pub fn support_allies(
    grid: Res<SpatialGrid>,
    types: Res<UnitTypes>,
    casts: BatchWriter<EffectCast>,
    mut units: Query<(&SimId, &Team, &UnitKind, &Position, &mut SupportCooldown)>,
) {
    units
        .par_iter_mut()
        .for_each(|(id, team, kind, position, mut cooldown)| {
            let unit = types.get(*kind);
            let Some((effect, range, every)) = unit.support else {
                return;
            };
            if cooldown.0 > 0 {
                cooldown.0 -= 1;
                return;
            }
            let mut best: Option<(i32, SimId, Entity)> = None;
            grid.for_each_ally_within(team.0, position.0, range + unit.radius * 2.0, |ally| {
                let worse = best.is_none_or(|(missing, best_id, _)| {
                    ally.missing > missing || (ally.missing == missing && ally.id < best_id)
                });
                if ally.missing > 0 && worse {
                    best = Some((ally.missing, ally.id, ally.entity));
                }
            });
            let Some((_, ally_id, ally)) = best else {
                // Nobody to help: look again a few ticks later rather than every tick.
                cooldown.0 = SUPPORT_RETRY_TICKS.min(every);
                return;
            };
            cooldown.0 = every;
            casts.write_from(
                ally_id,
                *id,
                EffectCast {
                    target: ally,
                    effect,
                },
            );
        });
}
