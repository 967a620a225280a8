//! Measuring what one `par_iter` allocates by itself on this machine's compute pool.

use bevy::ecs::component::Component;
use bevy::ecs::world::World;
use bevy::tasks::ComputeTaskPool;
use serde::{Deserialize, Serialize};

/// What Bevy's task pool allocates for one `par_iter` call (the scope, its queue and one
/// task per batch), measured once at start-up on the live compute pool. Zero with one
/// compute thread: `par_iter` then runs serially.
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

#[derive(Component)]
struct ProbeTag<const N: usize>;

/// Calls `par_iter_mut` over 8,192 entities in eight archetypes, warms up, then counts the
/// calling thread's allocations over 64 calls. Needs the compute pool to exist.
pub(crate) fn measure_par_iter_floor() -> ParIterFloor {
    let Some(pool) = ComputeTaskPool::try_get() else {
        return ParIterFloor::default();
    };
    let mut world = World::new();
    for index in 0..8_192u64 {
        let mut entity = world.spawn(Probe(index));
        match index % 8 {
            1 => entity.insert(ProbeTag::<1>),
            2 => entity.insert(ProbeTag::<2>),
            3 => entity.insert(ProbeTag::<3>),
            4 => entity.insert(ProbeTag::<4>),
            5 => entity.insert(ProbeTag::<5>),
            6 => entity.insert(ProbeTag::<6>),
            7 => entity.insert(ProbeTag::<7>),
            _ => &mut entity,
        };
    }
    let mut query = world.query::<&mut Probe>();
    let mut run = |world: &mut World| {
        query
            .par_iter_mut(world)
            .for_each(|mut probe| probe.0 = probe.0.wrapping_mul(3));
    };
    for _ in 0..16 {
        run(&mut world);
    }
    const CALLS: u64 = 64;
    let (mut total, mut max) = (0, 0);
    for _ in 0..CALLS {
        let before = cohort_alloc::thread_counts().allocating_calls();
        run(&mut world);
        let made = cohort_alloc::thread_counts().allocating_calls() - before;
        total += made;
        max = max.max(made);
    }
    ParIterFloor {
        threads: pool.thread_num(),
        mean: total as f64 / CALLS as f64,
        max,
    }
}
