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

/// Connects batched event types to Bevy's messages. Use one direction per type: a type
/// both forwarded and taken would feed its own batches back in.
pub trait BatchedMessagesAppExt {
    /// After each flush of `E`, writes the batch, in its order, into `Messages<E>` (adding
    /// the message type if needed), for systems that read `MessageReader<E>`.
    fn forward_batches_to_messages<E: Message + Clone>(&mut self) -> &mut Self;

    /// Before each flush of `E`, takes every `E` message not yet taken into the batch,
    /// under `key(&message)`, in the order the messages were written.
    fn take_messages_into_batches<E: Message + Clone>(
        &mut self,
        key: fn(&E) -> EventKey,
    ) -> &mut Self;
}

impl BatchedMessagesAppExt for App {
    fn forward_batches_to_messages<E: Message + Clone>(&mut self) -> &mut Self {
        let Some((schedule, set)) = flush_schedule::<E>(self) else {
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
        let Some((schedule, set)) = flush_schedule::<E>(self) else {
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

fn flush_schedule<E: Send + Sync + 'static>(
    app: &App,
) -> Option<(InternedScheduleLabel, InternedSystemSet)> {
    let schedule = app
        .world()
        .get_resource::<FlushSchedule<E>>()
        .map(|flush| (flush.label, flush.set));
    if schedule.is_none() {
        bevy::log::error!(
            "{} is not a batched event: call add_batched_event::<{0}>() before bridging it to messages",
            type_name::<E>()
        );
    }
    schedule
}

fn forward_batch<E: Message + Clone>(mut batch: BatchReader<E>, mut messages: MessageWriter<E>) {
    messages.write_batch(batch.read().iter().cloned());
}
