//! Queues and whole pools round-trip through RON exactly.

mod common;

use bevy::prelude::*;
use cohort_actions::{
    ActionPool, ActionQueue, ActionQueueConfig, ActionState, PoolSnapshot, QueueOverflow,
    QueueSnapshot, Queued, load_action_queues, save_action_queues,
};
use common::{Order, orders, push, test_app, tick};

fn battle_of_queues() -> (App, Vec<Entity>) {
    let mut app = test_app(2, ActionQueueConfig::default());
    let units: Vec<Entity> = (0..20u32)
        .map(|index| {
            let queue = if index % 3 == 0 {
                ActionQueue::<Order>::with_capacity(4, QueueOverflow::DropOldest)
            } else {
                ActionQueue::new()
            };
            app.world_mut().spawn(queue).id()
        })
        .collect();
    for (index, unit) in units.iter().enumerate() {
        let index = index as u32;
        push(
            &mut app,
            *unit,
            [
                Queued::new(Order::Move {
                    ticks: index % 5 + 1,
                })
                .repeating(),
                Queued::new(Order::Wait { ticks: 2 }).with_priority(index as u8 % 2),
                Queued::new(Order::Hold).with_timeout(index + 3).resumable(),
            ],
        );
    }
    for _ in 0..4 {
        tick(&mut app);
    }
    (app, units)
}

#[test]
fn one_queue_round_trips_through_ron() {
    let (app, units) = battle_of_queues();
    let pool = app.world().resource::<ActionPool<Order>>();
    for unit in units {
        let queue = app.world().get::<ActionQueue<Order>>(unit).unwrap();
        let saved = pool.snapshot(queue).unwrap();
        let text = ron::to_string(&saved).unwrap();
        let loaded: QueueSnapshot<Order> = ron::from_str(&text).unwrap();
        assert_eq!(loaded, saved);
    }
}

#[test]
fn a_whole_pool_loads_into_a_fresh_world_and_runs_on_the_same() {
    let (mut original, units) = battle_of_queues();
    let saved = save_action_queues::<Order>(original.world_mut()).unwrap();
    let text = ron::ser::to_string_pretty(&saved, ron::ser::PrettyConfig::default()).unwrap();

    let mut copy = test_app(2, ActionQueueConfig::default());
    let mut spawned = Vec::new();
    for _ in &units {
        spawned.push(copy.world_mut().spawn_empty().id());
    }
    let loaded: PoolSnapshot<Order> = ron::from_str(&text).unwrap();
    assert_eq!(loaded, saved);
    load_action_queues(copy.world_mut(), loaded, |bits| {
        units
            .iter()
            .position(|unit| unit.to_bits() == bits)
            .map(|index| spawned[index])
    })
    .unwrap();
    // The same queues, the same figures, and the same future.
    let resaved = save_action_queues::<Order>(copy.world_mut()).unwrap();
    assert_eq!(resaved.counts, saved.counts);
    assert_eq!(resaved.pool.live, saved.pool.live);
    for _ in 0..10 {
        tick(&mut original);
        tick(&mut copy);
        for (unit, twin) in units.iter().zip(&spawned) {
            assert_eq!(orders(&original, *unit), orders(&copy, *twin));
        }
    }
}

#[test]
fn a_snapshot_for_missing_units_says_which() {
    let (mut original, _) = battle_of_queues();
    let saved = save_action_queues::<Order>(original.world_mut()).unwrap();
    let mut copy = test_app(1, ActionQueueConfig::default());
    let error = load_action_queues(copy.world_mut(), saved, |_| None).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("20 saved units have no entity"),
        "{error}"
    );
}

/// A corrupt save is loaded as far as it makes sense: no giant pool, no overflowing
/// counter, no current action left idle.
#[test]
fn a_corrupt_snapshot_loads_without_harm() {
    let (mut original, _) = battle_of_queues();
    let mut saved = save_action_queues::<Order>(original.world_mut()).unwrap();
    saved.pool.capacity = u32::MAX - 2;
    saved.counts.started = u64::MAX;
    saved.latency = vec![(3, u64::MAX), (1_000_000, 5)];
    let (_, queue) = saved.queues.first_mut().unwrap();
    queue.current.as_mut().unwrap().state = ActionState::Idle;
    let units: Vec<u64> = saved.queues.iter().map(|(bits, _)| *bits).collect();

    let mut copy = test_app(1, ActionQueueConfig::default());
    let spawned: Vec<Entity> = units
        .iter()
        .map(|_| copy.world_mut().spawn_empty().id())
        .collect();
    load_action_queues(copy.world_mut(), saved, |bits| {
        units
            .iter()
            .position(|&unit| unit == bits)
            .map(|index| spawned[index])
    })
    .unwrap();
    let pool = copy.world().resource::<ActionPool<Order>>();
    let live = pool.live();
    assert!(live > 0);
    assert!(
        pool.capacity() <= live.max(64) * 64,
        "capacity {} for {live} live slots",
        pool.capacity()
    );
    let latency: Vec<(u32, u64)> = pool.latency().nonzero().collect();
    assert_eq!(
        latency,
        [(3, u64::MAX), (255, 5)],
        "long waits share the last bucket"
    );
    let first = copy.world().get::<ActionQueue<Order>>(spawned[0]).unwrap();
    assert_eq!(first.state(), ActionState::Running);
    tick(&mut copy);
    let pool = copy.world().resource::<ActionPool<Order>>();
    assert_eq!(
        pool.counts().started,
        u64::MAX,
        "the counter stops at its limit"
    );
    assert!(pool.latency().quantile(0.5).is_some());
}
