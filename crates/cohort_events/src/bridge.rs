//! The bridge to Bevy's messages: forward each batch into `Messages<E>` for code that reads
//! messages, or take `E` messages into the batch.

use std::any::type_name;

use crate::flush::flush_events;
use crate::key::EventKey;
use crate::reader::BatchReader;
use crate::writer::BatchWriter;
use bevy::app::App;
use bevy::ecs::message::{Message, MessageReader, MessageWriter};
use bevy::ecs::resource::Resource;
use bevy::ecs::schedule::{InternedScheduleLabel, InternedSystemSet, IntoScheduleConfigs};

/// The schedule and set a batched event type flushes in, so that bridges run beside it,
/// ordered as the flush is against the rest of the schedule.
#[derive(Resource)]
pub(crate) struct FlushSchedule<E> {
    pub label: InternedScheduleLabel,
    pub set: InternedSystemSet,
    _event: std::marker::PhantomData<fn() -> E>,
}

impl<E> FlushSchedule<E> {
    pub(crate) fn new(label: InternedScheduleLabel, set: InternedSystemSet) -> Self {
        Self {
            label,
            set,
            _event: std::marker::PhantomData,
        }
    }
}

/// Which way a type is bridged, once it is: a second bridge is refused.
#[derive(Resource)]
struct Bridged<E> {
    direction: &'static str,
    _event: std::marker::PhantomData<fn() -> E>,
}

/// Connects batched event types to Bevy's messages. One bridge per type: a second call,
/// either way, is refused with an error in the log (a type both forwarded and taken would
/// feed its own batches back in; the same bridge twice would deliver every event twice).
pub trait BatchedMessagesAppExt {
    /// After each flush of `E`, writes the batch, in its order, into `Messages<E>` (adding
    /// the message type if needed), for systems that read `MessageReader<E>`.
    fn forward_batches_to_messages<E: Message + Clone>(&mut self) -> &mut Self;

    /// Before each flush of `E`, takes every `E` message not yet taken into the batch,
    /// under `key(&message)`, in the order the messages were written.
    ///
    /// Bevy keeps a message for two frames. Messages written while the flush's schedule
    /// does not run (the sim paused, or slower than the frame rate) expire before they
    /// are taken, uncounted: write into a [`BatchWriter`] directly when that matters.
    fn take_messages_into_batches<E: Message + Clone>(
        &mut self,
        key: fn(&E) -> EventKey,
    ) -> &mut Self;
}

impl BatchedMessagesAppExt for App {
    fn forward_batches_to_messages<E: Message + Clone>(&mut self) -> &mut Self {
        let Some((schedule, set)) = flush_schedule::<E>(self, "forwarded to messages") else {
            return self;
        };
        self.add_message::<E>().add_systems(
            schedule,
            forward_batch::<E>.in_set(set).after(flush_events::<E>),
        )
    }

    fn take_messages_into_batches<E: Message + Clone>(
        &mut self,
        key: fn(&E) -> EventKey,
    ) -> &mut Self {
        let Some((schedule, set)) = flush_schedule::<E>(self, "taken from messages") else {
            return self;
        };
        let take = move |mut messages: MessageReader<E>, batch: BatchWriter<E>| {
            for message in messages.read() {
                batch.write(key(message), message.clone());
            }
        };
        self.add_message::<E>()
            .add_systems(schedule, take.in_set(set).before(flush_events::<E>))
    }
}

/// Where `E` flushes, and marks it bridged `direction`; `None`, with an error in the log,
/// if `E` is not a batched event or is bridged already.
fn flush_schedule<E: Send + Sync + 'static>(
    app: &mut App,
    direction: &'static str,
) -> Option<(InternedScheduleLabel, InternedSystemSet)> {
    let name = type_name::<E>();
    let Some(flush) = app.world().get_resource::<FlushSchedule<E>>() else {
        bevy::log::error!(
            "{name} is not a batched event: call add_batched_event::<{name}>() before bridging it to messages"
        );
        return None;
    };
    let schedule = (flush.label, flush.set);
    if let Some(bridged) = app.world().get_resource::<Bridged<E>>() {
        bevy::log::error!(
            "{name} is already {}: a second bridge is ignored (it would deliver events twice or feed batches back in)",
            bridged.direction
        );
        return None;
    }
    app.insert_resource(Bridged::<E> {
        direction,
        _event: std::marker::PhantomData,
    });
    Some(schedule)
}

fn forward_batch<E: Message + Clone>(mut batch: BatchReader<E>, mut messages: MessageWriter<E>) {
    messages.write_batch(batch.read().iter().cloned());
}
