//! The simulation schedule and its phases.

use bevy::ecs::schedule::{ScheduleLabel, SystemSet};

/// The schedule that runs one simulation tick.
///
/// [`SimPlugin`](crate::SimPlugin) creates it with Bevy's multi-threaded executor and runs it
/// from its driver schedule ([`FixedUpdate`](bevy::app::FixedUpdate) by default) once per
/// tick. Add simulation systems to it inside one of the [`SimSystems`] phases.
#[derive(ScheduleLabel, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimSchedule;

/// The phases of one tick in [`SimSchedule`], chained in this order.
///
/// Systems inside one phase run in parallel wherever their data does not conflict.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSystems {
    /// Rebuild spatial structures; sensors write each agent's inputs.
    Sense,
    /// Choose what each agent does this tick.
    Decide,
    /// Start, run and finish actions.
    Act,
    /// Merge and apply the tick's effects: damage, healing, timed effects, derived stats.
    Resolve,
    /// Despawn the dead, return pooled slots, roll per-tick counters over.
    Cleanup,
}

impl SimSystems {
    /// Every phase, in the order they run.
    pub const ALL: [SimSystems; 5] = [
        SimSystems::Sense,
        SimSystems::Decide,
        SimSystems::Act,
        SimSystems::Resolve,
        SimSystems::Cleanup,
    ];

    /// The phase's name, as reports and budgets spell it.
    pub const fn name(self) -> &'static str {
        match self {
            SimSystems::Sense => "Sense",
            SimSystems::Decide => "Decide",
            SimSystems::Act => "Act",
            SimSystems::Resolve => "Resolve",
            SimSystems::Cleanup => "Cleanup",
        }
    }
}

/// Marks systems that call `par_iter` once per run.
///
/// Each `par_iter` call makes Bevy's task pool allocate a scope and a task per batch on
/// the calling thread. A system in this set tells the profiler that up to one call's worth
/// of its allocations per run are that floor, not its own.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParIterSystems;
