//! The battle's orders: every unit moves, attacks, supports, retreats and waits through
//! its `cohort_actions` queue.

use bevy::app::App;
use bevy::ecs::component::Component;
use bevy::ecs::entity::Entity;
use cohort_actions::{ActionQueueConfig, ActionsAppExt, QueueOverflow};

/// A battle unit's order, queued in its `ActionQueue<Order>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// March on the nearest enemy army: no enemy is in sight.
    Advance,
    /// Close in on `target` and strike it whenever the attack is ready. Cancelled when the
    /// target is gone.
    Attack {
        /// The enemy.
        target: Entity,
    },
    /// Put the unit's support effect (a heal, a shield) on `ally`: one tick.
    Support {
        /// The wounded ally.
        ally: Entity,
    },
    /// Fall back toward the own army, until the order times out.
    Retreat,
    /// Step back toward the own army for a moment (an archer keeping its range), ahead
    /// of the attack, which resumes after.
    FallBack,
    /// Hold still for `ticks` ticks (regroup after a retreat).
    Wait {
        /// How long.
        ticks: u32,
    },
}

/// A retreat interrupts anything; a support cast interrupts an attack or an advance,
/// which resume after it.
pub const RETREAT_PRIORITY: u8 = 2;

/// See [`RETREAT_PRIORITY`].
pub const SUPPORT_PRIORITY: u8 = 1;

/// A unit falls back once, the first time its health drops to one `RETREAT_HEALTH_SHARE`th
/// of its maximum (the decision makers in `assets/ai/` say so; the battle's sensor asks
/// for a decision when a unit crosses it).
pub const RETREAT_HEALTH_SHARE: i32 = 4;

/// Seconds a retreat lasts, and the wait after it.
pub const RETREAT_SECONDS: f64 = 1.5;

/// See [`RETREAT_SECONDS`].
pub const REGROUP_SECONDS: f64 = 0.5;

/// Seconds a step back lasts.
pub const FALL_BACK_SECONDS: f64 = 0.5;

/// Whether the unit has already fallen back once.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Morale {
    /// True after its one retreat.
    pub retreated: bool,
    /// True while its health is at or below the retreat share: the sensor asks for a
    /// decision when this turns true, not on every tick after.
    pub wounded: bool,
}

/// Registers the battle's orders, with a pool sized for `units` units: a current order
/// and at most a few queued ones each (a support cast before a resumed attack, a wait
/// after a retreat).
pub(crate) fn add_battle_orders(app: &mut App, units: u32) {
    app.add_action_queue::<Order>(
        ActionQueueConfig::for_units(units, 3).with_unit_capacity(4, QueueOverflow::DropOldest),
    );
}
