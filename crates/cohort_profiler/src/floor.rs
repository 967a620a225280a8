//! Measuring what one `par_iter` allocates by itself on this machine's compute pool.

use bevy::ecs::component::Component;
use bevy::ecs::resource::Resource;
use bevy::ecs::schedule::{MultiThreadedExecutor, Schedule};
use bevy::ecs::system::{Query, ResMut};
use bevy::ecs::world::World;
use bevy::tasks::ComputeTaskPool;
use serde::{Deserialize, Serialize};

/// What Bevy's task pool allocates for one `par_iter` call (the scope, its queue and one
/// task per batch), measured once at start-up on the live compute pool, from inside a
/// system run by the multi-threaded executor, over one table. Zero with one compute
/// thread: `par_iter` then runs serially.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ParIterFloor {
    /// Compute threads when measured.
    pub threads: usize,
    /// Mean allocations per call.
    pub mean: f64,
    /// Most allocations seen in one call.
    pub max: u64,
}

#[derive(Component)]
struct Probe(u64);

/// Calls measured, and what they allocated.
#[derive(Resource, Default)]
struct Tally {
    calls: u64,
    total: u64,
    max: u64,
}

const WARM_UP_RUNS: u64 = 16;
const MEASURED_RUNS: u64 = 256;

fn probe(mut probes: Query<&mut Probe>, mut tally: ResMut<Tally>) {
    let before = cohort_alloc::thread_counts().allocating_calls();
    probes
        .par_iter_mut()
        .for_each(|mut probe| probe.0 = probe.0.wrapping_mul(3));
    let made = cohort_alloc::thread_counts().allocating_calls() - before;
    tally.calls += 1;
    if tally.calls > WARM_UP_RUNS {
        tally.total += made;
        tally.max = tally.max.max(made);
    }
}

/// Runs a system that calls `par_iter_mut` over 8,192 entities in one table, warms up,
/// then counts the system's own allocations over 256 runs. A query over several tables
/// spawns tasks for each table, so it can allocate a few more. Needs the compute pool,
/// and nothing else running on it: a thread waiting on its `par_iter` may run other
/// tasks, whose allocations would count here (at start-up, nothing else runs).
pub(crate) fn measure_par_iter_floor() -> ParIterFloor {
    let Some(pool) = ComputeTaskPool::try_get() else {
        return ParIterFloor::default();
    };
    let mut world = World::new();
    world.init_resource::<Tally>();
    world.spawn_batch((0..8_192u64).map(Probe));
    let mut schedule = Schedule::default();
    schedule.set_executor(MultiThreadedExecutor::new());
    schedule.add_systems(probe);
    for _ in 0..WARM_UP_RUNS + MEASURED_RUNS {
        schedule.run(&mut world);
    }
    let tally = world.resource::<Tally>();
    ParIterFloor {
        threads: pool.thread_num(),
        mean: tally.total as f64 / MEASURED_RUNS as f64,
        max: tally.max,
    }
}
