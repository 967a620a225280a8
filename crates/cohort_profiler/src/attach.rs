//! Putting the profiler's wrapper around systems, before Bevy initializes them.
//!
//! Bevy keeps a schedule's built systems in its executable; the graph holds only systems
//! added since the last build, not yet initialized. Wrapping those (in `finish`, then at
//! the start and end of every frame) means Bevy initializes the wrapper and records the
//! access of the system inside, exactly as it would have for the system alone.

use std::sync::Arc;

use bevy::ecs::resource::Resource;
use bevy::ecs::schedule::graph::Direction;
use bevy::ecs::schedule::{
    ApplyDeferred, InternedScheduleLabel, InternedSystemSet, NodeId, ScheduleGraph, Schedules,
    SystemKey, SystemSet, SystemWithAccess,
};
use bevy::ecs::system::System;
use bevy::ecs::world::{Mut, World};
use bevy::platform::collections::{HashMap, HashSet};
use cohort_sim::{ParIterSystems, SimSystems};

use crate::ProfilerHandle;
use crate::cell::{SystemCell, SystemIdentity};
use crate::shared::Shared;
use crate::wrap::Profiled;

/// The systems already wrapped, per schedule.
#[derive(Resource, Default)]
pub(crate) struct WrappedSystems(HashMap<InternedScheduleLabel, HashSet<SystemKey>>);

/// Wraps every system added to any schedule since it was last built. Schedules that are
/// running now (`Main` and the caller's own) are away from `Schedules`; they are caught
/// at the next call. Cheap when nothing changed: it looks only at changed schedules.
pub(crate) fn wrap_new_systems(world: &mut World) {
    let Some(shared) = world
        .get_resource::<ProfilerHandle>()
        .map(|handle| Arc::clone(&handle.0))
    else {
        return;
    };
    world.resource_scope(|world, mut wrapped: Mut<WrappedSystems>| {
        let Some(mut schedules) = world.get_resource_mut::<Schedules>() else {
            return;
        };
        for (_, schedule) in schedules.iter_mut() {
            if !schedule.is_changed() {
                continue;
            }
            let label = schedule.label();
            let seen = wrapped.0.entry(label).or_default();
            wrap_schedule(schedule.graph_mut(), label, seen, &shared);
        }
    });
}

fn wrap_schedule(
    graph: &mut ScheduleGraph,
    label: InternedScheduleLabel,
    seen: &mut HashSet<SystemKey>,
    shared: &Arc<Shared>,
) {
    let fresh: Vec<SystemKey> = graph
        .systems
        .iter()
        .map(|(key, _, _)| key)
        .filter(|key| !seen.contains(key))
        .collect();
    if fresh.is_empty() {
        return;
    }
    let phases = phase_of_systems(graph);
    let par_iter = systems_in_set(graph, ParIterSystems.intern());
    let schedule = format!("{label:?}");
    for key in fresh {
        let Some(slot) = graph.systems.get_mut(key) else {
            continue;
        };
        let inner = core::mem::replace(slot, SystemWithAccess::new(Box::new(ApplyDeferred)));
        let identity = SystemIdentity {
            name: inner.name().to_string(),
            schedule: schedule.clone(),
            phase: phases.get(&key).map(|&index| SimSystems::ALL[index].name()),
            phase_index: phases.get(&key).copied(),
            exclusive: inner.is_exclusive(),
            par_iter: par_iter.contains(&key),
        };
        let cell = Arc::new(SystemCell::new(identity));
        shared.register(Arc::clone(&cell));
        let profiled = Profiled::new(Box::new(inner), cell, Arc::clone(shared));
        *slot = SystemWithAccess::new(Box::new(profiled));
        seen.insert(key);
    }
}

/// Which `SimSystems` phase each system of the graph sits in.
fn phase_of_systems(graph: &ScheduleGraph) -> HashMap<SystemKey, usize> {
    let mut phases = HashMap::default();
    for (index, phase) in SimSystems::ALL.into_iter().enumerate() {
        for key in systems_in_set(graph, phase.intern()) {
            phases.entry(key).or_insert(index);
        }
    }
    phases
}

/// The systems in `set`, through nested sets too.
fn systems_in_set(graph: &ScheduleGraph, set: InternedSystemSet) -> HashSet<SystemKey> {
    let mut systems = HashSet::default();
    let Some(set_key) = graph.system_sets.get_key(set) else {
        return systems;
    };
    let mut stack = vec![NodeId::Set(set_key)];
    while let Some(node) = stack.pop() {
        for child in graph
            .hierarchy()
            .neighbors_directed(node, Direction::Outgoing)
        {
            match child {
                NodeId::System(key) => {
                    systems.insert(key);
                }
                NodeId::Set(_) => stack.push(child),
            }
        }
    }
    systems
}
