//! Timed effects: damage and heal over time, slow and shield, one slot per kind.

use bevy::ecs::component::Component;
use cohort_sim::{HashState, StateHasher};

use crate::health::Hp;

/// The kinds of timed effect. Each unit holds at most one of each; a new one replaces the old.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectKind {
    /// Loses `magnitude` health every tick.
    DamageOverTime,
    /// Gains `magnitude` health every tick, up to the maximum.
    HealOverTime,
    /// Moves at `1 - magnitude / 1000` of its speed.
    Slow,
    /// Absorbs up to `magnitude` damage from attacks.
    Shield,
}

impl EffectKind {
    /// Every kind, in slot order.
    pub const ALL: [EffectKind; 4] = [
        EffectKind::DamageOverTime,
        EffectKind::HealOverTime,
        EffectKind::Slow,
        EffectKind::Shield,
    ];

    const fn slot(self) -> usize {
        self as usize
    }
}

/// A timed effect: what it does, how strongly, for how many more ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    /// What it does.
    pub kind: EffectKind,
    /// Health per tick, shield points in [`Hp`], or slow in thousandths.
    pub magnitude: Hp,
    /// Ticks left.
    pub ticks: u32,
}

/// The timed effects on a unit, one slot per [`EffectKind`].
///
/// Countdowns change it every tick without marking it changed; only an effect that starts
/// or ends marks it, so [`Stats`](crate::Stats) are recomputed only then.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveEffects {
    slots: [Option<Effect>; 4],
}

impl ActiveEffects {
    /// The active effect of `kind`, if any.
    pub fn get(&self, kind: EffectKind) -> Option<&Effect> {
        self.slots[kind.slot()].as_ref()
    }

    /// Puts `effect` on, replacing any effect of the same kind.
    pub fn apply(&mut self, effect: Effect) {
        self.slots[effect.kind.slot()] = Some(effect);
    }

    /// Active effects in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &Effect> {
        self.slots.iter().flatten()
    }

    /// Whether no effect is active.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// The speed multiplier from an active slow, 1 without one.
    pub fn speed_factor(&self) -> f32 {
        self.get(EffectKind::Slow).map_or(1.0, |slow| {
            1.0 - slow.magnitude.clamp(0, 1000) as f32 / 1000.0
        })
    }

    /// Takes as much of `damage` as the shield holds; returns what the shield absorbed.
    pub fn absorb(&mut self, damage: Hp) -> Hp {
        let Some(shield) = self.slots[EffectKind::Shield.slot()].as_mut() else {
            return 0;
        };
        let absorbed = damage.min(shield.magnitude).max(0);
        shield.magnitude -= absorbed;
        if shield.magnitude == 0 {
            self.slots[EffectKind::Shield.slot()] = None;
        }
        absorbed
    }

    /// Advances every effect by one tick. Returns the health change over time for this
    /// tick (damage as `.0`, healing as `.1`) and whether any effect ended.
    pub fn tick(&mut self) -> (Hp, Hp, bool) {
        let mut damage = 0;
        let mut healing = 0;
        let mut ended = false;
        for slot in &mut self.slots {
            let Some(effect) = slot else { continue };
            match effect.kind {
                EffectKind::DamageOverTime => damage += effect.magnitude,
                EffectKind::HealOverTime => healing += effect.magnitude,
                EffectKind::Slow | EffectKind::Shield => {}
            }
            effect.ticks = effect.ticks.saturating_sub(1);
            if effect.ticks == 0 {
                *slot = None;
                ended = true;
            }
        }
        (damage, healing, ended)
    }
}

impl HashState for ActiveEffects {
    fn hash_state(&self, hasher: &mut StateHasher) {
        for slot in &self.slots {
            match slot {
                None => hasher.write_u64(0),
                Some(effect) => {
                    hasher.write_u64(1 + effect.kind as u64);
                    effect.magnitude.hash_state(hasher);
                    effect.ticks.hash_state(hasher);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(kind: EffectKind, magnitude: Hp, ticks: u32) -> Effect {
        Effect {
            kind,
            magnitude,
            ticks,
        }
    }

    #[test]
    fn effects_tick_and_expire() {
        let mut effects = ActiveEffects::default();
        effects.apply(effect(EffectKind::DamageOverTime, 50, 2));
        effects.apply(effect(EffectKind::HealOverTime, 20, 1));
        assert_eq!(effects.tick(), (50, 20, true), "heal ends after one tick");
        assert_eq!(effects.tick(), (50, 0, true), "damage ends after two");
        assert!(effects.is_empty());
        assert_eq!(effects.tick(), (0, 0, false));
    }

    #[test]
    fn same_kind_replaces() {
        let mut effects = ActiveEffects::default();
        effects.apply(effect(EffectKind::Slow, 500, 10));
        effects.apply(effect(EffectKind::Slow, 250, 3));
        assert_eq!(effects.iter().count(), 1);
        assert_eq!(effects.speed_factor(), 0.75);
    }

    #[test]
    fn shield_absorbs_until_spent() {
        let mut effects = ActiveEffects::default();
        assert_eq!(effects.absorb(100), 0, "no shield");
        effects.apply(effect(EffectKind::Shield, 150, 10));
        assert_eq!(effects.absorb(100), 100);
        assert_eq!(effects.absorb(100), 50);
        assert!(
            effects.get(EffectKind::Shield).is_none(),
            "spent shield is gone"
        );
    }
}
