//! The bridge to Bevy's messages: batches forwarded into `Messages<E>` in batch order, and
//! messages taken into batches, once each.

use bevy::ecs::message::{Message, MessageReader, MessageWriter};
use bevy::prelude::*;
use cohort_events::{
    BatchReader, BatchWriter, BatchedEventsAppExt, BatchedMessagesAppExt, EventKey,
};
use cohort_sim::{SimAppExt, SimPlugin, SimSchedule, SimSystems, SimTick};

#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
struct Shout(u64);

#[derive(Resource, Default)]
struct Heard(Vec<(u64, u64)>);

fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
        .add_batched_event::<Shout>()
        .init_resource::<Heard>();
    app
}

/// Two shouts an update, out of key order.
fn write_messages(mut shouts: MessageWriter<Shout>, mut next: Local<u64>) {
    *next += 1;
    shouts.write_batch([Shout(*next * 100 + 2), Shout(*next * 100 + 1)]);
}

/// The shouts `read_batch` heard, in order.
fn heard_shouts(app: &App) -> Vec<u64> {
    app.world()
        .resource::<Heard>()
        .0
        .iter()
        .map(|h| h.1)
        .collect()
}

/// Hears each batch of shouts, in batch order.
fn read_batch(mut shouts: BatchReader<Shout>, mut heard: ResMut<Heard>) {
    heard
        .0
        .extend(shouts.read().iter().map(|shout| (0, shout.0)));
}

#[test]
fn batches_are_forwarded_to_message_readers_in_batch_order() {
    fn shout(shouts: BatchWriter<Shout>, tick: Res<SimTick>) {
        // Written out of key order: the batch, and so the messages, come sorted.
        for key in [3u64, 1, 2] {
            shouts.write(key, Shout(tick.0 * 10 + key));
        }
    }
    fn listen(mut shouts: MessageReader<Shout>, tick: Res<SimTick>, mut heard: ResMut<Heard>) {
        heard.0.extend(shouts.read().map(|shout| (tick.0, shout.0)));
    }
    let mut app = app();
    app.forward_batches_to_messages::<Shout>()
        .add_systems(SimSchedule, shout.in_set(SimSystems::Act))
        .add_systems(SimSchedule, listen.in_set(SimSystems::Resolve));
    assert_eq!(app.run_sim_ticks(2), 2);
    assert_eq!(
        app.world().resource::<Heard>().0,
        vec![(0, 1), (0, 2), (0, 3), (1, 11), (1, 12), (1, 13)]
    );
}

#[test]
fn messages_are_taken_into_batches_once() {
    let mut app = app();
    app.take_messages_into_batches::<Shout>(|shout| EventKey(shout.0))
        .add_systems(Update, write_messages)
        .add_systems(SimSchedule, read_batch.in_set(SimSystems::Resolve));
    assert_eq!(app.run_sim_ticks(3), 3);
    let heard = heard_shouts(&app);
    // Each update's two messages, once, sorted by key within each batch.
    let mut expected = heard.clone();
    expected.dedup();
    assert_eq!(heard, expected, "no message taken twice");
    assert!(heard.len() >= 4, "{heard:?}");
    for pair in heard.chunks(2) {
        assert!(pair[0] < pair[1] && pair[1] - pair[0] == 1, "{heard:?}");
    }
}

#[test]
fn a_second_bridge_of_a_type_is_refused() {
    let mut app = app();
    app.take_messages_into_batches::<Shout>(|shout| EventKey(shout.0))
        .take_messages_into_batches::<Shout>(|shout| EventKey(shout.0))
        .forward_batches_to_messages::<Shout>()
        .add_systems(Update, write_messages)
        .add_systems(SimSchedule, read_batch.in_set(SimSystems::Resolve));
    assert_eq!(app.run_sim_ticks(3), 3);
    let heard = heard_shouts(&app);
    assert!(!heard.is_empty());
    assert!(
        heard.windows(2).all(|pair| pair[0] < pair[1]),
        "each message once, none fed back: {heard:?}"
    );
}
