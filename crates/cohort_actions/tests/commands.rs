//! Orders through `ActionWriter`: push, replace, clear, cancel, from `par_iter`, merged in
//! a fixed order; capacity, overflow and dedup; orders for units that are gone.

mod common;

use bevy::ecs::system::ScheduleSystem;
use bevy::prelude::*;
use cohort_actions::{
    ActionQueue, ActionQueueConfig, ActionWriter, ActionsAppExt, PushOutcome, QueueOverflow, Queued,
};
use cohort_sim::{ParIterSystems, SimSchedule, SimSystems};
use common::{Order, orders, pool, push, test_app, tick};

#[derive(Resource, Default)]
struct Script(Vec<(Entity, Cmd)>);

#[derive(Clone, Copy)]
enum Cmd {
    Back(Order),
    Front(Order),
    Replace(Order),
    Clear,
    Cancel,
    Stop,
    CancelMoves,
}

fn is_move(order: &Order) -> bool {
    matches!(order, Order::Move { .. })
}

/// Stages the script's commands once, in `Decide`.
fn write_script(mut script: ResMut<Script>, orders: ActionWriter<Order>) {
    for (unit, cmd) in script.0.drain(..) {
        match cmd {
            Cmd::Back(order) => orders.push_back(unit, order),
            Cmd::Front(order) => orders.push_front(unit, order),
            Cmd::Replace(order) => orders.replace(unit, order),
            Cmd::Clear => orders.clear(unit),
            Cmd::Cancel => orders.cancel_current(unit),
            Cmd::Stop => orders.stop(unit),
            Cmd::CancelMoves => orders.cancel_where(unit, is_move),
        }
    }
}

fn scripted(config: ActionQueueConfig) -> (App, Entity) {
    let mut app = test_app(2, config);
    app.init_resource::<Script>()
        .add_systems(SimSchedule, write_script.in_set(SimSystems::Decide));
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    (app, unit)
}

fn run(app: &mut App, commands: &[(Entity, Cmd)]) {
    app.world_mut()
        .resource_mut::<Script>()
        .0
        .extend_from_slice(commands);
    tick(app);
}

const MOVE: Order = Order::Move { ticks: 9 };
const WAIT: Order = Order::Wait { ticks: 9 };
const FLEE: Order = Order::Flee { ticks: 9 };

#[test]
fn written_orders_arrive_the_same_tick_and_in_write_order() {
    let (mut app, unit) = scripted(ActionQueueConfig::default());
    run(
        &mut app,
        &[
            (unit, Cmd::Back(MOVE)),
            (unit, Cmd::Back(WAIT)),
            (unit, Cmd::Front(FLEE)),
        ],
    );
    assert_eq!(orders(&app, unit), (Some(FLEE), vec![MOVE, WAIT]));
    // Written in `Decide`, started in `Act` of the same tick.
    assert_eq!(pool(&app).latency().quantile(0.95), Some(0));
    run(&mut app, &[]);
    run(&mut app, &[(unit, Cmd::Cancel)]);
    assert_eq!(orders(&app, unit), (Some(MOVE), vec![WAIT]));
    // The move waited 2 ticks behind the flee.
    assert_eq!(pool(&app).latency().quantile(1.0), Some(2));
}

#[test]
fn replace_is_a_click_and_push_back_a_shift_click() {
    let (mut app, unit) = scripted(ActionQueueConfig::default());
    run(
        &mut app,
        &[(unit, Cmd::Back(MOVE)), (unit, Cmd::Back(WAIT))],
    );
    run(&mut app, &[(unit, Cmd::Back(FLEE))]);
    assert_eq!(orders(&app, unit), (Some(MOVE), vec![WAIT, FLEE]));
    run(&mut app, &[(unit, Cmd::Replace(Order::Hold))]);
    assert_eq!(orders(&app, unit), (Some(Order::Hold), vec![]));
    // The move (current) and the wait and flee (queued) were cancelled.
    assert_eq!(pool(&app).counts().cancelled, 3);
    assert_eq!(pool(&app).live(), 1);
}

#[test]
fn clear_cancel_stop_and_cancel_where() {
    let (mut app, unit) = scripted(ActionQueueConfig::default());
    run(
        &mut app,
        &[
            (unit, Cmd::Back(MOVE)),
            (unit, Cmd::Back(WAIT)),
            (unit, Cmd::Back(MOVE)),
            (unit, Cmd::Back(FLEE)),
        ],
    );
    run(&mut app, &[(unit, Cmd::CancelMoves)]);
    // The current move is cancelled and the queued one dropped: the wait starts.
    assert_eq!(orders(&app, unit), (Some(WAIT), vec![FLEE]));
    run(&mut app, &[(unit, Cmd::Cancel)]);
    assert_eq!(orders(&app, unit), (Some(FLEE), vec![]));
    run(&mut app, &[(unit, Cmd::Back(MOVE)), (unit, Cmd::Clear)]);
    assert_eq!(orders(&app, unit), (Some(FLEE), vec![]));
    run(&mut app, &[(unit, Cmd::Back(MOVE)), (unit, Cmd::Stop)]);
    assert_eq!(orders(&app, unit), (None, vec![]));
    assert_eq!(pool(&app).live(), 0);
    let counts = *pool(&app).counts();
    assert_eq!(counts.enqueued, 6);
    assert_eq!(counts.started, 3);
    assert_eq!(
        counts.cancelled, 6,
        "2 moves, the wait, the flee, 2 queued moves"
    );
}

#[test]
fn orders_for_a_despawned_unit_are_counted_not_lost() {
    let (mut app, unit) = scripted(ActionQueueConfig::default());
    let gone = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    app.world_mut().despawn(gone);
    let plain = app.world_mut().spawn_empty().id();
    run(
        &mut app,
        &[
            (gone, Cmd::Back(MOVE)),
            (plain, Cmd::Replace(MOVE)),
            (gone, Cmd::Clear),
            (unit, Cmd::Back(WAIT)),
        ],
    );
    let counts = *pool(&app).counts();
    assert_eq!(
        (counts.rejected, counts.orphaned, counts.enqueued),
        (2, 1, 1)
    );
    assert_eq!(orders(&app, unit), (Some(WAIT), vec![]));
}

#[test]
fn a_full_queue_rejects_drops_the_oldest_or_grows() {
    let config = ActionQueueConfig::default();
    let mut app = test_app(1, config);
    let reject = app
        .world_mut()
        .spawn(ActionQueue::<Order>::with_capacity(
            2,
            QueueOverflow::Reject,
        ))
        .id();
    let drop = app
        .world_mut()
        .spawn(ActionQueue::<Order>::with_capacity(
            2,
            QueueOverflow::DropOldest,
        ))
        .id();
    let grow = app
        .world_mut()
        .spawn(ActionQueue::<Order>::with_capacity(2, QueueOverflow::Grow))
        .id();
    let none = app
        .world_mut()
        .spawn(ActionQueue::<Order>::with_capacity(
            0,
            QueueOverflow::Reject,
        ))
        .id();
    let three = [MOVE, WAIT, FLEE].map(Queued::new);
    for unit in [reject, drop, grow, none] {
        push(&mut app, unit, three.clone());
    }
    assert_eq!(orders(&app, reject).1, vec![MOVE, WAIT]);
    assert_eq!(orders(&app, drop).1, vec![WAIT, FLEE]);
    assert_eq!(orders(&app, grow).1, vec![MOVE, WAIT, FLEE]);
    assert_eq!(orders(&app, none).1, vec![]);
    let counts = *pool(&app).counts();
    assert_eq!(counts.rejected, 1 + 3);
    assert_eq!(counts.dropped, 1);
    assert_eq!(counts.enqueued, 2 + 3 + 3);
    assert_eq!(pool(&app).live(), 2 + 2 + 3);
}

#[test]
fn dedup_ignores_an_order_equal_to_the_one_before() {
    let config = ActionQueueConfig::default().deduplicated();
    let mut app = test_app(1, config);
    let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
    push(&mut app, unit, [MOVE, MOVE, WAIT, MOVE].map(Queued::new));
    assert_eq!(orders(&app, unit).1, vec![MOVE, WAIT, MOVE]);
    tick(&mut app);
    // Equal to the current action with nothing queued: also a repeat click.
    push(&mut app, unit, [MOVE].map(Queued::new));
    assert_eq!(orders(&app, unit), (Some(MOVE), vec![WAIT, MOVE]));
    let queued = app.world_mut().resource_scope(
        |world, mut pool: Mut<cohort_actions::ActionPool<Order>>| {
            let mut queue = world.get_mut::<ActionQueue<Order>>(unit).unwrap();
            pool.push_back(&mut queue, Queued::new(MOVE), &config)
        },
    );
    assert_eq!(queued, PushOutcome::Deduplicated);
    assert_eq!(pool(&app).counts().deduplicated, 3);
}

/// A two-thread app whose `writer` system orders units from `par_iter` in `Decide`.
fn par_writer_app<M>(
    config: ActionQueueConfig,
    writer: impl IntoScheduleConfigs<ScheduleSystem, M>,
) -> App {
    let mut app = test_app(2, config);
    app.add_systems(
        SimSchedule,
        writer.in_set(SimSystems::Decide).in_set(ParIterSystems),
    );
    app
}

/// Spawns `count` units with empty queues.
fn spawn_queues(app: &mut App, count: usize) -> Vec<Entity> {
    (0..count)
        .map(|_| app.world_mut().spawn(ActionQueue::<Order>::new()).id())
        .collect()
}

/// A captain orders 10 squads from `par_iter`: 200 sources write to 10 units in one
/// system, on two threads. Each unit's queue comes out by source, then write order.
#[test]
fn orders_from_many_sources_merge_by_source_whatever_the_threads() {
    #[derive(Component)]
    struct Captain {
        id: u32,
        squad: Entity,
    }

    fn command_squads(captains: Query<(Entity, &Captain)>, orders: ActionWriter<Order>) {
        captains.par_iter().for_each(|(me, captain)| {
            for step in 0..2 {
                orders.command_from(
                    me,
                    captain.squad,
                    cohort_actions::ActionCommand::PushBack(Queued::new(Order::Move {
                        ticks: captain.id * 10 + step,
                    })),
                );
            }
        });
    }

    let config = ActionQueueConfig::default().with_unit_capacity(1000, QueueOverflow::Reject);
    let mut app = par_writer_app(config, command_squads);
    let squads = spawn_queues(&mut app, 10);
    // Captains spawned in a shuffled order of ids.
    let mut captains: Vec<(u64, u32)> = (0..200u32)
        .map(|index| {
            let id = (index * 37) % 200;
            let captain = app.world_mut().spawn(Captain {
                id,
                squad: squads[id as usize % 10],
            });
            (captain.id().to_bits(), id)
        })
        .collect();
    tick(&mut app);
    // By source entity, then write order.
    captains.sort_unstable();
    for (squad_index, squad) in squads.iter().enumerate() {
        let (current, queued) = orders(&app, *squad);
        let all: Vec<Order> = current.into_iter().chain(queued).collect();
        let expected: Vec<Order> = captains
            .iter()
            .filter(|(_, id)| *id as usize % 10 == squad_index)
            .flat_map(|(_, id)| {
                [
                    Order::Move { ticks: id * 10 },
                    Order::Move { ticks: id * 10 + 1 },
                ]
            })
            .collect();
        assert_eq!(all, expected, "squad {squad_index}");
    }
}

/// Orders through `ActionWriter::scope`, between orders through the writer itself, from
/// `par_iter` on two threads: each unit's queue holds them in write order, stamped with
/// the tick, as if all had gone through the writer.
#[test]
fn scoped_orders_merge_in_write_order_with_the_writers_own() {
    fn order_units(units: Query<Entity, With<ActionQueue<Order>>>, orders: ActionWriter<Order>) {
        units.par_iter().for_each(|unit| {
            orders.push_back(unit, Order::Move { ticks: 1 });
            orders.scope(|scoped| {
                scoped.push_back(unit, Order::Wait { ticks: 2 });
                scoped.push_front(unit, Order::Flee { ticks: 3 });
                scoped.command(
                    unit,
                    cohort_actions::ActionCommand::PushBack(Queued::new(Order::Move { ticks: 4 })),
                );
            });
            orders.push_back(unit, Order::Wait { ticks: 5 });
        });
    }

    let mut app = par_writer_app(ActionQueueConfig::default(), order_units);
    let units = spawn_queues(&mut app, 64);
    tick(&mut app);
    for unit in units {
        // The front push goes ahead of the two before it and starts the same tick.
        let (current, queued) = orders(&app, unit);
        assert_eq!(current, Some(Order::Flee { ticks: 3 }));
        assert_eq!(
            queued,
            [
                Order::Move { ticks: 1 },
                Order::Wait { ticks: 2 },
                Order::Move { ticks: 4 },
                Order::Wait { ticks: 5 },
            ]
        );
    }
    assert_eq!(pool(&app).counts().enqueued, 64 * 5);
    assert_eq!(pool(&app).latency().quantile(0.95), Some(0));
}

/// Ordering through the writer itself inside its own scope is a mistake in the game's
/// code: it panics with a message that names the fix, not a bare borrow error.
#[test]
#[should_panic(expected = "write through the scope's argument instead")]
fn ordering_through_the_writer_inside_its_scope_names_the_fix() {
    fn order_twice(units: Query<Entity, With<ActionQueue<Order>>>, orders: ActionWriter<Order>) {
        for unit in &units {
            orders.scope(|_scoped| orders.push_back(unit, MOVE));
        }
    }

    let mut app = test_app(1, ActionQueueConfig::default());
    app.add_systems(SimSchedule, order_twice.in_set(SimSystems::Decide));
    spawn_queues(&mut app, 1);
    tick(&mut app);
}

/// The same, with a writer of another type's scope in between.
#[test]
#[should_panic(expected = "write through the scope's argument instead")]
fn ordering_through_the_writer_inside_another_types_scope_names_the_fix() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Emote;

    fn order_nested(
        units: Query<Entity, With<ActionQueue<Order>>>,
        orders: ActionWriter<Order>,
        emotes: ActionWriter<Emote>,
    ) {
        for unit in &units {
            orders.scope(|_| emotes.scope(|_| orders.push_back(unit, MOVE)));
        }
    }

    let mut app = test_app(1, ActionQueueConfig::default());
    app.add_action_queue::<Emote>(ActionQueueConfig::default())
        .add_systems(SimSchedule, order_nested.in_set(SimSystems::Decide));
    spawn_queues(&mut app, 1);
    tick(&mut app);
}
