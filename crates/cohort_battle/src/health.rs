//! Health in whole hundredths of a point.
//!
//! Integer health makes damage from parallel systems add up to the same total in any order,
//! so the battle's outcome cannot depend on the thread count, and lets the battle check
//! that health lost equals damage dealt exactly.

use bevy::ecs::component::Component;
use cohort_sim::{HashState, StateHasher};

/// An amount of health, damage or healing, in hundredths of a point.
pub type Hp = i32;

/// Hundredths of a point per point.
pub const HP_PER_POINT: f64 = 100.0;

/// Converts points read from a data file to [`Hp`], rounding to the nearest hundredth.
pub fn hp_from_points(points: f64) -> Hp {
    (points * HP_PER_POINT)
        .round()
        .clamp(f64::from(Hp::MIN), f64::from(Hp::MAX)) as Hp
}

/// Converts [`Hp`] to points, for reports.
pub fn hp_to_points(hp: i64) -> f64 {
    hp as f64 / HP_PER_POINT
}

/// A unit's health. At zero or below the unit is dead and despawns at the end of the tick.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Current health.
    pub current: Hp,
    /// Maximum health.
    pub max: Hp,
}

impl Health {
    /// Full health.
    pub const fn full(max: Hp) -> Self {
        Self { current: max, max }
    }

    /// Whether the unit is still alive.
    pub const fn is_alive(&self) -> bool {
        self.current > 0
    }

    /// How much health is missing.
    pub const fn missing(&self) -> Hp {
        self.max - self.current
    }
}

impl HashState for Health {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.current.hash_state(hasher);
        self.max.hash_state(hasher);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_round_to_hundredths() {
        assert_eq!(hp_from_points(12.345), 1235);
        assert_eq!(hp_from_points(0.004), 0);
        assert_eq!(hp_from_points(1e12), Hp::MAX);
        assert_eq!(hp_to_points(250), 2.5);
    }
}
