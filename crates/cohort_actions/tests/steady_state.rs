//! After warm-up, merging orders, advancing queues and running them allocates nothing
//! above Bevy's floor: a patrol, order spam and a despawn storm together.

mod common;

use bevy::prelude::*;
use cohort_actions::{ActionQueue, ActionQueueConfig, ActionWriter, Queued};
use cohort_alloc::CountingAllocator;
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};
use cohort_sim::{ParIterSystems, SimSchedule, SimSystems, SimTick, finish_plugins};
use common::{Order, test_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[derive(Component)]
struct Soldier(u32);

/// A tenth of the soldiers get new orders each tick: a click and four shift-clicks.
fn spam_orders(
    tick: Res<SimTick>,
    soldiers: Query<(Entity, &Soldier)>,
    orders: ActionWriter<Order>,
) {
    let tick = tick.get() as u32;
    soldiers.par_iter().for_each(|(unit, soldier)| {
        if !(soldier.0 + tick).is_multiple_of(10) {
            return;
        }
        orders.replace(unit, Queued::new(Order::Move { ticks: 2 }).repeating());
        for step in 0..4 {
            orders.push_back(unit, Order::Wait { ticks: step + 1 });
        }
    });
}

/// Despawns two soldiers a tick and spawns two with full queues, through the pool.
fn despawn_and_respawn(world: &mut World, soldiers: &mut QueryState<(Entity, &Soldier)>) {
    let tick = world.resource::<SimTick>().get() as u32;
    let doomed: [Option<Entity>; 2] = {
        let mut found = soldiers
            .iter(world)
            .filter(|(_, soldier)| soldier.0 % 97 == tick % 97)
            .map(|(entity, _)| entity);
        [found.next(), found.next()]
    };
    for entity in doomed.into_iter().flatten() {
        let id = world.get::<Soldier>(entity).map_or(0, |soldier| soldier.0);
        world.despawn(entity);
        let new = world.spawn((Soldier(id), ActionQueue::<Order>::new())).id();
        world.resource_scope(|world, mut pool: Mut<cohort_actions::ActionPool<Order>>| {
            let mut queue = world
                .get_mut::<ActionQueue<Order>>(new)
                .expect("just spawned");
            for step in 0..8 {
                pool.push_back(
                    &mut queue,
                    Queued::new(Order::Move {
                        ticks: step % 3 + 1,
                    }),
                    &ActionQueueConfig::default(),
                );
            }
        });
    }
}

#[test]
fn patrol_spam_and_despawns_allocate_nothing_above_the_floor() {
    let mut app = test_app(2, ActionQueueConfig::for_units(2_000, 8));
    app.add_plugins(ProfilerPlugin::default()).add_systems(
        SimSchedule,
        (
            spam_orders
                .in_set(SimSystems::Decide)
                .in_set(ParIterSystems),
            despawn_and_respawn.in_set(SimSystems::Cleanup),
        ),
    );
    for id in 0..2_000 {
        app.world_mut()
            .spawn((Soldier(id), ActionQueue::<Order>::new()));
    }
    finish_plugins(&mut app);
    // A long warm-up: Bevy's own despawn bookkeeping grows to the most despawns seen.
    SteadyState::new(200, 120)
        .only(&["cohort_actions::", "steady_state::", "common::"])
        .assert(&mut app);
    let profiler = app.world().resource::<Profiler>();
    for name in [
        "cohort_actions::systems::merge_action_commands",
        "cohort_actions::systems::advance_action_queues",
        "cohort_actions::systems::reclaim_action_slots",
        "steady_state::spam_orders",
        "steady_state::common::run_timed_orders",
    ] {
        let runs = profiler
            .runs_of(name)
            .unwrap_or_else(|| panic!("{name} is profiled"));
        assert!(runs >= 310, "{name} ran each tick: {runs}");
    }
    let pool = app.world().resource::<cohort_actions::ActionPool<Order>>();
    let counts = pool.counts();
    assert!(counts.enqueued > 100_000, "order spam: {}", counts.enqueued);
    assert!(counts.started > 50_000, "transitions: {}", counts.started);
    assert!(counts.discarded > 0, "the despawn storm gave slots back");
    assert_eq!(pool.summary().growths, 0, "sized from the config");
}
