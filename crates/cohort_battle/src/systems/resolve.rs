use bevy::ecs::prelude::*;
use bevy::utils::Parallel;
use cohort_events::{BatchReader, BatchWriter};
use cohort_sim::{SimConfig, SimId};

use crate::effects::ActiveEffects;
use crate::events::{Damage, Death, EffectCast};
use crate::health::Health;
use crate::outcome::BattleLedger;
use crate::unit_types::UnitTypes;
use crate::{Stats, Team, UnitKind};

/// Applies the tick's damage, one summed event per target in `SimId` order: shields
/// first, then health. A unit brought to zero is reported as a [`Death`]. Damage on a
/// unit already dead or gone is wasted.
pub fn apply_damage(
    mut damage: BatchReader<Damage>,
    deaths: BatchWriter<Death>,
    mut ledger: ResMut<BattleLedger>,
    mut targets: Query<(&SimId, &Team, &mut Health, &mut ActiveEffects)>,
) {
    let ledger = &mut *ledger;
    for hit in damage.read() {
        let Ok((id, team, mut health, mut effects)) = targets.get_mut(hit.target) else {
            ledger.wasted_hits += u64::from(hit.hits);
            continue;
        };
        if !health.is_alive() {
            ledger.wasted_hits += u64::from(hit.hits);
            continue;
        }
        // Absorbing changes only the shield's amount, not the stats: no change tick.
        let absorbed = effects.bypass_change_detection().absorb(hit.amount);
        health.current -= ledger.book_damage(health.current, hit.amount, absorbed);
        ledger.attacks += u64::from(hit.hits);
        if !health.is_alive() {
            deaths.write(
                *id,
                Death {
                    entity: hit.target,
                    team: team.0,
                },
            );
        }
    }
}

/// Puts the tick's effects on their targets, in target then caster `SimId` order, after
/// the damage: a unit that died this tick gets none.
pub fn apply_effects(
    mut casts: BatchReader<EffectCast>,
    mut ledger: ResMut<BattleLedger>,
    mut targets: Query<(&Health, &mut ActiveEffects)>,
) {
    for cast in casts.read() {
        match targets.get_mut(cast.target) {
            Ok((health, mut effects)) if health.is_alive() => {
                effects.apply(cast.effect);
                ledger.effects_applied += 1;
            }
            _ => ledger.wasted_hits += 1,
        }
    }
}

/// Health change over time, summed per thread and booked after the parallel pass.
#[derive(Default, Clone, Copy)]
pub struct OverTimeTotals {
    ledger_damage: i64,
    lost: i64,
    overkill: i64,
    healed: i64,
}

/// Runs damage and heal over time and counts every effect down; a unit that damage over
/// time kills is reported as a [`Death`]. Only an effect that ends marks
/// [`ActiveEffects`] changed.
pub fn tick_effects(
    mut ledger: ResMut<BattleLedger>,
    mut totals: Local<Parallel<OverTimeTotals>>,
    deaths: BatchWriter<Death>,
    mut units: Query<(Entity, &SimId, &Team, &mut Health, &mut ActiveEffects)>,
) {
    units
        .par_iter_mut()
        .for_each(|(entity, id, team, mut health, mut effects)| {
            if effects.is_empty() {
                return;
            }
            let (damage, healing, ended) = effects.bypass_change_detection().tick();
            if ended {
                effects.set_changed();
            }
            if (damage == 0 && healing == 0) || !health.is_alive() {
                return;
            }
            let mut local = totals.borrow_local_mut();
            let lost = damage.min(health.current);
            health.current -= lost;
            local.ledger_damage += i64::from(damage);
            local.lost += i64::from(lost);
            local.overkill += i64::from(damage - lost);
            if health.is_alive() {
                let healed = healing.min(health.missing());
                health.current += healed;
                local.healed += i64::from(healed);
            } else {
                deaths.write(
                    *id,
                    Death {
                        entity,
                        team: team.0,
                    },
                );
            }
        });
    for local in totals.iter_mut() {
        ledger.damage_after_armor += local.ledger_damage;
        ledger.health_lost += local.lost;
        ledger.overkill += local.overkill;
        ledger.healing += local.healed;
        *local = OverTimeTotals::default();
    }
}

/// Recomputes [`Stats`] from the unit type and active effects, only for units whose
/// effects started or ended since the last run.
pub fn recompute_stats(
    types: Res<UnitTypes>,
    config: Res<SimConfig>,
    mut ledger: ResMut<BattleLedger>,
    mut counts: Local<Parallel<u64>>,
    mut units: Query<(&UnitKind, &ActiveEffects, &mut Stats), Changed<ActiveEffects>>,
) {
    let seconds = config.tick_seconds();
    units.par_iter_mut().for_each(|(kind, effects, mut stats)| {
        *stats = derive_stats(types.get(*kind), effects, seconds);
        *counts.borrow_local_mut() += 1;
    });
    for count in counts.iter_mut() {
        ledger.stat_recomputes += *count;
        *count = 0;
    }
}

/// A unit's stats from its type and effects, at `tick_seconds` per tick.
pub(crate) fn derive_stats(
    unit: &crate::data::UnitType,
    effects: &ActiveEffects,
    tick_seconds: f32,
) -> Stats {
    Stats {
        speed_per_tick: unit.speed * tick_seconds * effects.speed_factor(),
        armor: unit.armor,
    }
}
