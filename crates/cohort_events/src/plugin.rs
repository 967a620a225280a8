//! Registration: `app.add_batched_event::<E>()`.

use std::any::type_name;

use bevy::app::App;
use bevy::ecs::schedule::{IntoScheduleConfigs, SystemSet};
use cohort_sim::{ParIterSystems, SimSchedule, SimSystems, SummaryRegistry};

use crate::batch::EventBatch;
use crate::bridge::FlushSchedule;
use crate::config::EventBatchConfig;
use crate::flush::{
    FlushState, compute_threads, fit_to_threads, flush_events, per_thread_capacity,
};
use crate::staging::EventStaging;
use crate::stats::EventTypeSummary;

/// Where batched events flush: in `SimSchedule`, after [`SimSystems::Act`] and before
/// [`SimSystems::Resolve`], so what `Act` writes, `Resolve` reads in the same tick. Order
/// your own systems against it, or move the flush with
/// [`BatchedEventsAppExt::add_batched_event_flushed_in`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventFlush;

/// Every registered event type's summary, for reports: `EventRegistry::summaries(world)`.
pub type EventRegistry = SummaryRegistry<EventTypeSummary>;

/// Registers batched event types on an [`App`].
pub trait BatchedEventsAppExt {
    /// Registers `E` with the default settings, flushed at [`EventFlush`].
    fn add_batched_event<E: Send + Sync + 'static>(&mut self) -> &mut Self;

    /// Registers `E` with `config`, flushed at [`EventFlush`].
    fn add_batched_event_with<E: Send + Sync + 'static>(
        &mut self,
        config: EventBatchConfig<E>,
    ) -> &mut Self;

    /// Registers `E` with `config`; its flush runs in `schedule` within `set` (order it
    /// there as you need).
    fn add_batched_event_flushed_in<E: Send + Sync + 'static>(
        &mut self,
        config: EventBatchConfig<E>,
        schedule: impl bevy::ecs::schedule::ScheduleLabel,
        set: impl SystemSet,
    ) -> &mut Self;
}

impl BatchedEventsAppExt for App {
    fn add_batched_event<E: Send + Sync + 'static>(&mut self) -> &mut Self {
        self.add_batched_event_with::<E>(EventBatchConfig::default())
    }

    fn add_batched_event_with<E: Send + Sync + 'static>(
        &mut self,
        config: EventBatchConfig<E>,
    ) -> &mut Self {
        self.configure_sets(
            SimSchedule,
            EventFlush
                .after(SimSystems::Act)
                .before(SimSystems::Resolve),
        );
        self.add_batched_event_flushed_in(config, SimSchedule, EventFlush)
    }

    fn add_batched_event_flushed_in<E: Send + Sync + 'static>(
        &mut self,
        config: EventBatchConfig<E>,
        schedule: impl bevy::ecs::schedule::ScheduleLabel,
        set: impl SystemSet,
    ) -> &mut Self {
        if self.world().contains_resource::<FlushState<E>>() {
            bevy::log::warn!(
                "{} is already a batched event; keeping its first registration",
                type_name::<E>()
            );
            return self;
        }
        let capacity = config.capacity;
        let per_thread = per_thread_capacity(capacity, compute_threads());
        let name = self
            .world_mut()
            .get_resource_or_init::<EventRegistry>()
            .register::<E>(|world| {
                world
                    .get_resource::<EventBatch<E>>()
                    .map(|batch| batch.stats().summary())
            });
        let (label, set) = (schedule.intern(), set.intern());
        self.insert_resource(EventStaging::<E>::new(per_thread))
            .insert_resource(FlushSchedule::<E>::new(label, set))
            .insert_resource(FlushState::new(config, name))
            .insert_resource(EventBatch::<E>::with_capacity(capacity))
            .add_systems(bevy::app::PreStartup, fit_to_threads::<E>)
            // A large flush runs on the pool, allocating as one `par_iter` call does.
            .add_systems(label, flush_events::<E>.in_set(set).in_set(ParIterSystems));
        self
    }
}
