//! The life of an action: queued, started, running, then finished, cancelled, timed out
//! or interrupted; repeats; and every count that goes with it.

mod common;

use bevy::prelude::*;
use cohort_actions::{ActionEnd, ActionQueue, ActionQueueConfig, ActionState, Queued};
use common::{Order, orders, pool, push, queue, test_app, tick};

fn one_unit() -> (App, Entity) {
    let mut app = test_app(2, ActionQueueConfig::default());
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    (app, unit)
}

#[test]
fn actions_run_in_order_each_for_its_ticks() {
    let (mut app, unit) = one_unit();
    push(
        &mut app,
        unit,
        [
            Order::Move { ticks: 2 }.into(),
            Order::Wait { ticks: 1 }.into(),
        ],
    );
    // (current, state, ticks running) after each tick.
    let expected = [
        (Some(Order::Move { ticks: 2 }), ActionState::Started, 1),
        (
            Some(Order::Move { ticks: 2 }),
            ActionState::Ending(ActionEnd::Finished),
            2,
        ),
        (
            Some(Order::Wait { ticks: 1 }),
            ActionState::Ending(ActionEnd::Finished),
            1,
        ),
        (None, ActionState::Idle, 0),
    ];
    for (tick_number, (current, state, runs)) in expected.into_iter().enumerate() {
        tick(&mut app);
        let queue = queue(&app, unit);
        assert_eq!(queue.current().copied(), current, "tick {tick_number}");
        assert_eq!(queue.state(), state, "tick {tick_number}");
        assert_eq!(queue.ticks_running(), runs, "tick {tick_number}");
    }
    assert_eq!(queue(&app, unit).last_end(), Some(ActionEnd::Finished));
    let counts = *pool(&app).counts();
    assert_eq!(
        (counts.enqueued, counts.started, counts.finished),
        (2, 2, 2)
    );
    assert_eq!(pool(&app).live(), 0, "both slots are back");
}

#[test]
fn a_patrol_repeats_forever_in_the_same_two_slots() {
    let (mut app, unit) = one_unit();
    push(
        &mut app,
        unit,
        [
            Queued::new(Order::Move { ticks: 4 }).repeating(),
            Queued::new(Order::Wait { ticks: 2 }).repeating(),
        ],
    );
    let mut starts = Vec::new();
    for tick_number in 0..24 {
        tick(&mut app);
        if queue(&app, unit).is_starting() {
            starts.push((tick_number, queue(&app, unit).current().copied().unwrap()));
        }
        assert_eq!(pool(&app).live(), 2, "tick {tick_number}");
    }
    // Move 4 ticks, Wait 2, again: a 6-tick cycle.
    let expected: Vec<(i32, Order)> = (0..4)
        .flat_map(|cycle| {
            [
                (cycle * 6, Order::Move { ticks: 4 }),
                (cycle * 6 + 4, Order::Wait { ticks: 2 }),
            ]
        })
        .collect();
    assert_eq!(starts, expected);
    assert_eq!(pool(&app).summary().growths, 0);
}

#[test]
fn a_timeout_ends_an_action_that_does_not_finish() {
    let (mut app, unit) = one_unit();
    push(
        &mut app,
        unit,
        [
            Queued::new(Order::Hold).with_timeout(3),
            Order::Wait { ticks: 1 }.into(),
        ],
    );
    for _ in 0..3 {
        tick(&mut app);
        assert_eq!(queue(&app, unit).current(), Some(&Order::Hold));
    }
    tick(&mut app);
    assert_eq!(queue(&app, unit).current(), Some(&Order::Wait { ticks: 1 }));
    assert_eq!(queue(&app, unit).last_end(), Some(ActionEnd::TimedOut));
    assert_eq!(pool(&app).counts().timed_out, 1);
}

#[test]
fn a_higher_priority_interrupts_and_the_interrupted_one_is_dropped() {
    let (mut app, unit) = one_unit();
    push(&mut app, unit, [Order::Hold.into()]);
    tick(&mut app);
    push(
        &mut app,
        unit,
        [Queued::new(Order::Flee { ticks: 2 }).with_priority(5)],
    );
    tick(&mut app);
    assert_eq!(orders(&app, unit), (Some(Order::Flee { ticks: 2 }), vec![]));
    assert_eq!(queue(&app, unit).last_end(), Some(ActionEnd::Interrupted));
    tick(&mut app);
    tick(&mut app);
    assert_eq!(orders(&app, unit), (None, vec![]));
    let counts = *pool(&app).counts();
    assert_eq!((counts.interrupted, counts.finished), (1, 1));
    assert_eq!(pool(&app).live(), 0);
}

#[test]
fn a_higher_priority_queued_behind_the_one_started_interrupts_it_at_once() {
    // No action has a timeout, so later ticks skip queues nothing changed: the interrupt
    // must come in the tick that started the lower one.
    let (mut app, unit) = one_unit();
    push(
        &mut app,
        unit,
        [
            Queued::new(Order::Hold).resumable(),
            Queued::new(Order::Wait { ticks: 100 }).with_priority(5),
        ],
    );
    tick(&mut app);
    assert_eq!(queue(&app, unit).last_end(), Some(ActionEnd::Interrupted));
    assert_eq!(
        orders(&app, unit),
        (Some(Order::Wait { ticks: 100 }), vec![Order::Hold])
    );
    let counts = *pool(&app).counts();
    assert_eq!((counts.started, counts.interrupted), (2, 1));
    for _ in 0..3 {
        tick(&mut app);
    }
    assert_eq!(
        pool(&app).counts().interrupted,
        1,
        "the resumed one waits its turn"
    );
}

#[test]
fn a_resumable_action_goes_on_after_its_interrupter() {
    let (mut app, unit) = one_unit();
    push(
        &mut app,
        unit,
        [
            Queued::new(Order::Move { ticks: 3 }).resumable(),
            Order::Wait { ticks: 1 }.into(),
        ],
    );
    tick(&mut app);
    // Equal priority does not interrupt.
    push(&mut app, unit, [Order::Flee { ticks: 1 }.into()]);
    tick(&mut app);
    assert_eq!(queue(&app, unit).current(), Some(&Order::Move { ticks: 3 }));
    app.world_mut()
        .resource_scope(|world, mut pool: Mut<cohort_actions::ActionPool<Order>>| {
            let mut queue = world.get_mut::<ActionQueue<Order>>(unit).unwrap();
            pool.push_front(
                &mut queue,
                Queued::new(Order::Flee { ticks: 1 }).with_priority(1),
                &ActionQueueConfig::default(),
            );
        });
    tick(&mut app);
    assert_eq!(
        orders(&app, unit),
        (
            Some(Order::Flee { ticks: 1 }),
            vec![
                Order::Move { ticks: 3 },
                Order::Wait { ticks: 1 },
                Order::Flee { ticks: 1 }
            ]
        )
    );
    tick(&mut app);
    // The move starts over: its ticks count from its new start.
    assert_eq!(queue(&app, unit).current(), Some(&Order::Move { ticks: 3 }));
    assert!(queue(&app, unit).is_starting());
}

#[test]
fn a_kind_system_can_cancel_its_action() {
    let (mut app, unit) = one_unit();
    app.add_systems(
        cohort_sim::SimSchedule,
        (|mut units: Query<&mut ActionQueue<Order>>| {
            for mut queue in &mut units {
                if queue.current() == Some(&Order::Hold) {
                    queue.cancel();
                }
            }
        })
        .in_set(cohort_actions::ActionSystems::Run)
        .after(common::run_timed_orders),
    );
    push(
        &mut app,
        unit,
        [
            Queued::new(Order::Hold).repeating(),
            Order::Wait { ticks: 1 }.into(),
        ],
    );
    tick(&mut app);
    tick(&mut app);
    // Cancelled, and a cancelled repeat does not come back.
    assert_eq!(orders(&app, unit), (Some(Order::Wait { ticks: 1 }), vec![]));
    assert_eq!(queue(&app, unit).last_end(), Some(ActionEnd::Cancelled));
    assert_eq!(pool(&app).counts().cancelled, 1);
}

#[test]
fn a_running_action_ages_without_changing_its_queue() {
    let (mut app, unit) = one_unit();
    push(&mut app, unit, [Order::Hold.into()]);
    tick(&mut app);
    assert_eq!(queue(&app, unit).state(), ActionState::Started);
    assert_eq!(queue(&app, unit).ticks_running(), 1);
    let changed = app
        .world()
        .entity(unit)
        .get_ref::<ActionQueue<Order>>()
        .expect("the unit has a queue")
        .last_changed();
    for _ in 0..3 {
        tick(&mut app);
    }
    let queue_ref = app
        .world()
        .entity(unit)
        .get_ref::<ActionQueue<Order>>()
        .expect("the unit has a queue");
    assert_eq!(queue_ref.last_changed(), changed);
    assert_eq!(queue_ref.state(), ActionState::Running);
    assert_eq!(queue_ref.ticks_running(), 4);
}

#[test]
fn timeouts_fire_beside_untouched_units_and_after_a_cancel() {
    let (mut app, holder) = one_unit();
    let timed = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(&mut app, holder, [Order::Hold.into()]);
    for _ in 0..3 {
        tick(&mut app);
    }
    // A timed action that is cancelled before its time, then one that runs out.
    push(&mut app, timed, [Queued::new(Order::Hold).with_timeout(5)]);
    tick(&mut app);
    app.world_mut()
        .resource_scope(|world, mut pool: Mut<cohort_actions::ActionPool<Order>>| {
            let mut queue = world.get_mut::<ActionQueue<Order>>(timed).expect("queue");
            assert!(pool.cancel_current(&mut queue));
        });
    push(&mut app, timed, [Queued::new(Order::Hold).with_timeout(2)]);
    tick(&mut app);
    tick(&mut app);
    assert_eq!(queue(&app, timed).current(), Some(&Order::Hold));
    tick(&mut app);
    assert!(queue(&app, timed).is_idle());
    assert_eq!(queue(&app, timed).last_end(), Some(ActionEnd::TimedOut));
    // Untimed again: the holder goes on untouched.
    push(&mut app, timed, [Order::Wait { ticks: 1 }.into()]);
    for _ in 0..3 {
        tick(&mut app);
    }
    assert!(queue(&app, timed).is_idle());
    assert_eq!(queue(&app, holder).current(), Some(&Order::Hold));
    assert_eq!(queue(&app, holder).ticks_running(), 10);
    let counts = *pool(&app).counts();
    assert_eq!(
        (counts.timed_out, counts.cancelled, counts.finished),
        (1, 1, 1)
    );
}
