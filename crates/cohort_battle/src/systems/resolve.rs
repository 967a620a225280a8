use bevy::ecs::prelude::*;
use bevy::utils::Parallel;
use cohort_sim::SimConfig;

use crate::effects::ActiveEffects;
use crate::health::Health;
use crate::hits::HitQueue;
use crate::outcome::BattleLedger;
use crate::unit_types::UnitTypes;
use crate::{Stats, UnitKind};

/// Applies the tick's hits in merge-key order: armor, then shields, then health; then the
/// hit's effect. Hits on a unit that died earlier in the batch are wasted.
pub fn apply_hits(
    mut queue: ResMut<HitQueue>,
    mut ledger: ResMut<BattleLedger>,
    mut targets: Query<(&mut Health, &mut ActiveEffects, &Stats)>,
) {
    let ledger = &mut *ledger;
    for hit in queue.merge() {
        let Ok((mut health, mut effects, stats)) = targets.get_mut(hit.target) else {
            ledger.wasted_hits += 1;
            continue;
        };
        if !health.is_alive() {
            ledger.wasted_hits += 1;
            continue;
        }
        if hit.damage > 0 {
            let after_armor = (hit.damage - stats.armor).max(1);
            // Absorbing changes only the shield's amount, not the stats: no change tick.
            let absorbed = effects.bypass_change_detection().absorb(after_armor);
            health.current -= ledger.book_damage(health.current, after_armor, absorbed);
            ledger.attacks += 1;
        }
        if let Some(effect) = hit.effect
            && health.is_alive()
        {
            effects.apply(effect);
            ledger.effects_applied += 1;
        }
    }
    queue.clear();
}

/// Health change over time, summed per thread and booked after the parallel pass.
#[derive(Default, Clone, Copy)]
pub struct OverTimeTotals {
    ledger_damage: i64,
    lost: i64,
    overkill: i64,
    healed: i64,
}

/// Runs damage and heal over time and counts every effect down. Only an effect that ends
/// marks [`ActiveEffects`] changed.
pub fn tick_effects(
    mut ledger: ResMut<BattleLedger>,
    mut totals: Local<Parallel<OverTimeTotals>>,
    mut units: Query<(&mut Health, &mut ActiveEffects)>,
) {
    units.par_iter_mut().for_each(|(mut health, mut effects)| {
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
