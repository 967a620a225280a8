//! How the battle stands and how it ended, and the books of damage and healing.

use bevy::ecs::resource::Resource;

/// Why the battle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// One team is left; it won.
    Victory,
    /// Every remaining unit died in the same tick.
    Draw,
    /// The tick limit came first.
    TickLimit,
}

/// How the battle ended, once it has. While it is `None` in [`BattleStatus`] the battle runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BattleOutcome {
    /// Why it ended.
    pub reason: EndReason,
    /// The winning team's index, on victory.
    pub winner: Option<u8>,
    /// How many ticks the battle ran.
    pub ticks: u64,
}

/// Units alive per team and, once over, the outcome. Updated at the end of every tick.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct BattleStatus {
    /// Living units per team, by team index.
    pub alive: Vec<u32>,
    /// Set when the battle ends; the simulation is paused then.
    pub outcome: Option<BattleOutcome>,
}

impl BattleStatus {
    /// All living units.
    pub fn total_alive(&self) -> u64 {
        self.alive.iter().map(|&count| u64::from(count)).sum()
    }
}

/// Running totals of what the battle did, in hundredths of a point for health.
///
/// Health is conserved: `health at spawn + healing - health_lost` is the health of the
/// living, and `health_lost = damage_after_armor - absorbed_by_shields - overkill`.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct BattleLedger {
    /// Attacks that landed on a living target.
    pub attacks: u64,
    /// Attacks and casts that arrived after their target died this tick.
    pub wasted_hits: u64,
    /// Damage from attacks after armor, plus damage over time.
    pub damage_after_armor: i64,
    /// Of that, what shields absorbed.
    pub absorbed_by_shields: i64,
    /// Of that, what went past zero health.
    pub overkill: i64,
    /// Health taken from units.
    pub health_lost: i64,
    /// Health given back to units by healing over time.
    pub healing: i64,
    /// Effects put on units.
    pub effects_applied: u64,
    /// Times a unit's derived stats were recomputed.
    pub stat_recomputes: u64,
    /// Deaths per team, by team index.
    pub deaths: Vec<u32>,
}

impl BattleLedger {
    /// Books damage on a unit that had `health` left, returning the health it loses.
    pub(crate) fn book_damage(&mut self, health: i32, after_armor: i32, absorbed: i32) -> i32 {
        let through = after_armor - absorbed;
        let lost = through.min(health.max(0));
        self.damage_after_armor += i64::from(after_armor);
        self.absorbed_by_shields += i64::from(absorbed);
        self.overkill += i64::from(through - lost);
        self.health_lost += i64::from(lost);
        lost
    }
}
