//! Slots go back to the pool when a unit despawns or loses its queue: after every unit is
//! gone, nothing is live. Bad input is counted, never a panic.

mod common;

use bevy::prelude::*;
use cohort_actions::{
    ActionPool, ActionQueue, ActionQueueConfig, QueueOverflow, QueueSnapshot, Queued,
    SnapshotError, load_action_queues, save_action_queues,
};
use common::{Order, pool, push, test_app, tick};

#[test]
fn despawned_and_stripped_units_give_every_slot_back() {
    let mut app = test_app(2, ActionQueueConfig::default().with_pool_capacity(64));
    let units: Vec<Entity> = (0..100)
        .map(|_| app.world_mut().spawn(ActionQueue::<Order>::new()).id())
        .collect();
    for (index, unit) in units.iter().enumerate() {
        let orders = (0..5).map(|step| {
            Queued::new(Order::Move {
                ticks: (index + step) as u32 % 4 + 1,
            })
            .repeating()
        });
        push(&mut app, *unit, orders);
    }
    assert_eq!(pool(&app).live(), 500);
    assert!(pool(&app).summary().growths > 0, "64 slots were too few");
    for _ in 0..7 {
        tick(&mut app);
    }
    assert_eq!(pool(&app).live(), 500, "repeats keep their slots");
    // Half despawn, a quarter lose the queue mid-action, a quarter are replaced by a new
    // (empty) queue.
    for (index, unit) in units.iter().enumerate() {
        match index % 4 {
            0 | 1 => {
                app.world_mut().despawn(*unit);
            }
            2 => {
                app.world_mut()
                    .entity_mut(*unit)
                    .remove::<ActionQueue<Order>>();
            }
            _ => {
                app.world_mut()
                    .entity_mut(*unit)
                    .insert(ActionQueue::<Order>::new());
            }
        }
    }
    assert_eq!(pool(&app).live(), 0);
    assert_eq!(pool(&app).counts().discarded, 500);
    tick(&mut app);
    assert_eq!(pool(&app).live(), 0);
}

#[test]
fn queues_assigned_over_or_dropped_give_their_slots_back_at_the_next_tick() {
    let mut app = test_app(2, ActionQueueConfig::default());
    let units: Vec<Entity> = (0..40)
        .map(|_| app.world_mut().spawn(ActionQueue::<Order>::new()).id())
        .collect();
    for unit in &units {
        let timed = Queued::new(Order::Hold).with_timeout(1_000);
        push(
            &mut app,
            *unit,
            [timed, Order::Hold.into(), Order::Hold.into()],
        );
    }
    tick(&mut app);
    assert_eq!(pool(&app).live(), 120, "one current and two queued each");
    // A system assigns a fresh queue over half; the other half's queues are swapped out
    // and dropped by hand.
    let assign = |mut units: Query<&mut ActionQueue<Order>>| {
        for (index, mut queue) in units.iter_mut().enumerate() {
            if index % 2 == 0 {
                *queue = ActionQueue::new();
            }
        }
    };
    app.world_mut()
        .run_system_cached(assign)
        .expect("the system runs");
    for unit in units.iter().skip(1).step_by(2) {
        let mut queue = app
            .world_mut()
            .get_mut::<ActionQueue<Order>>(*unit)
            .expect("it has a queue");
        drop(std::mem::take(&mut *queue));
    }
    tick(&mut app);
    assert_eq!(
        pool(&app).live(),
        0,
        "every dropped queue's slots came back"
    );
    assert_eq!(pool(&app).counts().discarded, 120);
    // The slots are free for new orders, the pool not grown.
    let growths = pool(&app).summary().growths;
    for unit in &units {
        push(&mut app, *unit, [Order::Hold.into(), Order::Hold.into()]);
    }
    tick(&mut app);
    assert_eq!(pool(&app).live(), 80);
    assert_eq!(pool(&app).summary().growths, growths);
}

#[test]
fn a_taken_queue_comes_back_empty_and_its_slots_stay_in_the_pool() {
    let mut app = test_app(1, ActionQueueConfig::default());
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(&mut app, unit, [Order::Hold.into(), Order::Hold.into()]);
    let taken = app
        .world_mut()
        .entity_mut(unit)
        .take::<ActionQueue<Order>>()
        .expect("it had a queue");
    assert!(taken.is_idle() && taken.is_empty());
    assert_eq!(pool(&app).live(), 0);
    // Putting it on another unit is harmless: it links nothing.
    let other = app.world_mut().spawn(taken).id();
    push(&mut app, other, [Order::Hold.into()]);
    assert_eq!(pool(&app).live(), 1);
}

#[test]
fn a_queue_emptied_by_taking_it_works_in_another_world() {
    let mut first = test_app(1, ActionQueueConfig::default());
    let mut second = test_app(1, ActionQueueConfig::default());
    let unit = first.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(&mut first, unit, [Order::Hold.into()]);
    let moved = first
        .world_mut()
        .entity_mut(unit)
        .take::<ActionQueue<Order>>()
        .unwrap();
    // Taking emptied it (the hook gave its slots back first), so it links nothing.
    let stranger = second.world_mut().spawn(moved).id();
    push(&mut second, stranger, [Order::Hold.into()]);
    tick(&mut second);
    assert_eq!(
        second
            .world()
            .get::<ActionQueue<Order>>(stranger)
            .unwrap()
            .current(),
        Some(&Order::Hold)
    );
}

#[test]
fn a_queue_moved_to_another_world_with_slots_is_left_alone_there_and_freed_at_home() {
    let mut home = test_app(1, ActionQueueConfig::default());
    let mut away = test_app(1, ActionQueueConfig::default());
    let unit = home.world_mut().spawn(ActionQueue::<Order>::new()).id();
    let timed = Queued::new(Order::Wait { ticks: 2 }).with_timeout(1);
    push(&mut home, unit, [timed, Order::Hold.into()]);
    tick(&mut home);
    // Swapped out through `Mut`, no hook runs: the queue still links home's slots.
    let moved = std::mem::take(
        &mut *home
            .world_mut()
            .get_mut::<ActionQueue<Order>>(unit)
            .expect("it has a queue"),
    );
    assert_eq!(moved.len(), 1);
    assert_eq!(moved.current(), Some(&Order::Wait { ticks: 2 }));
    let stranger = away.world_mut().spawn(moved).id();
    push(&mut away, stranger, [Order::Wait { ticks: 1 }.into()]);
    for _ in 0..4 {
        tick(&mut away);
    }
    assert_eq!(pool(&away).counts().rejected, 1, "not away's to push into");
    away.world_mut()
        .get_mut::<ActionQueue<Order>>(stranger)
        .unwrap()
        .finish();
    tick(&mut away);
    // Asked to finish, and past its timeout: away's advance leaves it be.
    let queue = away.world().get::<ActionQueue<Order>>(stranger).unwrap();
    assert_eq!(queue.current(), Some(&Order::Wait { ticks: 2 }));
    assert_eq!(queue.len(), 1);
    let counts = *pool(&away).counts();
    assert_eq!(
        (counts.started, counts.finished, counts.timed_out),
        (0, 0, 0)
    );
    assert_eq!(pool(&away).live(), 0);
    assert_eq!(pool(&home).live(), 2, "still linked by the moved queue");

    // Nor can away save it, or load over it: its slots are home's.
    let queue = away.world().get::<ActionQueue<Order>>(stranger).unwrap();
    assert_eq!(
        pool(&away).snapshot(queue),
        Err(SnapshotError::ForeignQueue)
    );
    assert_eq!(
        save_action_queues::<Order>(away.world_mut()),
        Err(SnapshotError::ForeignQueue)
    );
    let other = home.world_mut().spawn(ActionQueue::<Order>::new()).id();
    let saved = save_action_queues::<Order>(home.world_mut()).unwrap();
    assert_eq!(saved.queues.len(), 2);
    let fresh = away.world_mut().spawn_empty().id();
    let mut targets = [fresh, stranger].into_iter();
    let loaded = load_action_queues(away.world_mut(), saved, |_| targets.next());
    assert_eq!(loaded, Err(SnapshotError::ForeignQueue));
    assert!(
        away.world().get::<ActionQueue<Order>>(fresh).is_none(),
        "a refused load changes nothing"
    );
    assert_eq!(pool(&away).live(), 0);
    home.world_mut().despawn(other);
    away.world_mut().despawn(stranger);
    tick(&mut home);
    assert_eq!(pool(&home).live(), 0, "home took its slots back");
    assert_eq!(pool(&home).counts().discarded, 2);
    assert_eq!(pool(&away).counts().discarded, 0);
}

#[test]
fn an_idle_queue_that_ran_in_one_world_is_adopted_by_another() {
    let mut first = test_app(1, ActionQueueConfig::default());
    let mut second = test_app(1, ActionQueueConfig::default());
    let unit = first.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(&mut first, unit, [Order::Wait { ticks: 1 }.into()]);
    for _ in 0..4 {
        tick(&mut first);
    }
    let moved = first
        .world_mut()
        .entity_mut(unit)
        .take::<ActionQueue<Order>>()
        .unwrap();
    assert!(moved.is_idle() && moved.is_empty(), "it ran its order");
    let stranger = second.world_mut().spawn(moved).id();
    let second_pool = second.world().resource::<ActionPool<Order>>();
    let queue = second.world().get::<ActionQueue<Order>>(stranger).unwrap();
    assert!(second_pool.owns(queue), "it links no slots");
    push(&mut second, stranger, [Order::Hold.into()]);
    tick(&mut second);
    let queue = second.world().get::<ActionQueue<Order>>(stranger).unwrap();
    assert_eq!(queue.current(), Some(&Order::Hold));
    assert_eq!(second.world().resource::<ActionPool<Order>>().live(), 1);
}

#[test]
fn drop_oldest_with_no_room_at_all_refuses_without_looping() {
    let mut app = test_app(1, ActionQueueConfig::default());
    // A save loaded past capacity 0: two actions queued where none fit.
    let saved = QueueSnapshot {
        current: None,
        queued: vec![Order::Hold.into(), Order::Hold.into()],
        capacity: Some(0),
        overflow: Some(QueueOverflow::DropOldest),
        last_end: None,
    };
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    app.world_mut()
        .resource_scope(|world, mut pool: Mut<ActionPool<Order>>| {
            let mut queue = world.get_mut::<ActionQueue<Order>>(unit).unwrap();
            pool.restore(&mut queue, saved).unwrap();
        });
    push(&mut app, unit, [Order::Wait { ticks: 1 }.into()]);
    let queue = app.world().get::<ActionQueue<Order>>(unit).unwrap();
    assert_eq!(queue.len(), 2, "capacity 0 refuses, the saved two stay");
    assert_eq!(pool(&app).counts().rejected, 1);
}

#[test]
fn huge_timeouts_and_zero_capacity_pools_work() {
    let mut app = test_app(1, ActionQueueConfig::default().with_pool_capacity(0));
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(
        &mut app,
        unit,
        [Queued::new(Order::Hold)
            .with_timeout(u32::MAX)
            .with_priority(u8::MAX)],
    );
    for _ in 0..5 {
        tick(&mut app);
    }
    let queue = app.world().get::<ActionQueue<Order>>(unit).unwrap();
    assert_eq!(queue.current(), Some(&Order::Hold));
    assert_eq!(queue.ticks_running(), 5);
    let summary = app.world().resource::<ActionPool<Order>>().summary();
    assert_eq!((summary.growths, summary.live), (1, 1));
}
