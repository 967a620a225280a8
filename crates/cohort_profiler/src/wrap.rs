//! The wrapper put around every system: times each run and counts what it allocated.

use std::cell::Cell;
use std::sync::Arc;

use bevy::ecs::change_detection::{CheckChangeTicks, Tick};
use bevy::ecs::query::FilteredAccessSet;
use bevy::ecs::schedule::InternedSystemSet;
use bevy::ecs::system::{RunSystemError, ScheduleSystem, System, SystemIn, SystemStateFlags};
use bevy::ecs::world::{DeferredWorld, World, unsafe_world_cell::UnsafeWorldCell};
use bevy::utils::prelude::DebugName;

use crate::cell::SystemCell;
use crate::clock::Stamp;
use crate::shared::Shared;

/// A profiled system: the user's (or Bevy's) system with a stopwatch and an allocation
/// counter around `run_unsafe` and `apply_deferred`. Everything else is forwarded, the
/// system type included, so executors treat it exactly as the system inside.
pub(crate) struct Profiled {
    inner: ScheduleSystem,
    cell: Arc<SystemCell>,
    shared: Arc<Shared>,
    #[cfg(feature = "tracy")]
    zone: crate::tracy::SystemZone,
}

impl Profiled {
    pub(crate) fn new(inner: ScheduleSystem, cell: Arc<SystemCell>, shared: Arc<Shared>) -> Self {
        Self {
            inner,
            #[cfg(feature = "tracy")]
            zone: crate::tracy::SystemZone::new(&cell.identity),
            cell,
            shared,
        }
    }

    #[inline]
    fn measured<R>(
        &mut self,
        counts_as_run: bool,
        body: impl FnOnce(&mut ScheduleSystem) -> R,
    ) -> R {
        if !self.shared.enabled() {
            return body(&mut self.inner);
        }
        let probe = Probe::start();
        let result = body(&mut self.inner);
        probe.finish(&self.cell, counts_as_run);
        result
    }
}

/// What profiled systems that ran inside the current one, on this thread, allocated.
/// Nested runs happen when a system runs schedules, or when a thread waiting on a
/// `par_iter` picks up another system's task.
#[derive(Clone, Copy, Default)]
struct Nested {
    runs: u64,
    allocations: u64,
    bytes: u64,
}

thread_local! {
    static NESTED: Cell<Nested> = const { Cell::new(Nested { runs: 0, allocations: 0, bytes: 0 }) };
}

/// One measurement in flight.
struct Probe {
    outer: Nested,
    allocations: u64,
    bytes: u64,
    start: Stamp,
}

impl Probe {
    #[inline]
    fn start() -> Self {
        let outer = NESTED.with(|nested| nested.replace(Nested::default()));
        let counts = cohort_alloc::thread_counts();
        Self {
            outer,
            allocations: counts.allocating_calls(),
            bytes: counts.bytes_allocated,
            start: Stamp::now(),
        }
    }

    #[inline]
    fn finish(self, cell: &SystemCell, counts_as_run: bool) {
        let nanos = self.start.elapsed_nanos();
        let counts = cohort_alloc::thread_counts();
        let allocations = counts.allocating_calls().wrapping_sub(self.allocations);
        let bytes = counts.bytes_allocated.wrapping_sub(self.bytes);
        let inner = NESTED.with(|nested| {
            nested.replace(Nested {
                runs: self.outer.runs + 1,
                allocations: self.outer.allocations.wrapping_add(allocations),
                bytes: self.outer.bytes.wrapping_add(bytes),
            })
        });
        // Only an exclusive system can run a schedule; others see nested runs when their
        // thread, waiting on a `par_iter`, picks up another system's task.
        if inner.runs > 0 && cell.identity.exclusive {
            cell.mark_runs_schedules();
        }
        cell.add(
            nanos,
            allocations.wrapping_sub(inner.allocations),
            bytes.wrapping_sub(inner.bytes),
            counts_as_run,
        );
    }
}

impl System for Profiled {
    type In = ();
    type Out = ();

    #[inline]
    fn name(&self) -> DebugName {
        self.inner.name()
    }

    #[inline]
    fn system_type(&self) -> core::any::TypeId {
        self.inner.system_type()
    }

    #[inline]
    fn flags(&self) -> SystemStateFlags {
        self.inner.flags()
    }

    #[inline]
    unsafe fn run_unsafe(
        &mut self,
        input: SystemIn<'_, Self>,
        world: UnsafeWorldCell,
    ) -> Result<Self::Out, RunSystemError> {
        // One Tracy zone per run; applying commands later is not a run.
        #[cfg(feature = "tracy")]
        let _zone = self.shared.tracy().then(|| self.zone.enter());
        // SAFETY: the caller upholds `run_unsafe`'s contract for this system, and the
        // inner system has exactly this system's access.
        self.measured(true, |inner| unsafe { inner.run_unsafe(input, world) })
    }

    #[cfg(feature = "hotpatching")]
    #[inline]
    fn refresh_hotpatch(&mut self) {
        self.inner.refresh_hotpatch();
    }

    #[inline]
    fn apply_deferred(&mut self, world: &mut World) {
        // Applying a system's commands is part of that system's cost.
        self.measured(false, |inner| inner.apply_deferred(world));
    }

    #[inline]
    fn queue_deferred(&mut self, world: DeferredWorld) {
        self.inner.queue_deferred(world);
    }

    #[inline]
    fn initialize(&mut self, world: &mut World) -> FilteredAccessSet {
        self.inner.initialize(world)
    }

    #[inline]
    fn check_change_tick(&mut self, check: CheckChangeTicks) {
        self.inner.check_change_tick(check);
    }

    #[inline]
    fn default_system_sets(&self) -> Vec<InternedSystemSet> {
        self.inner.default_system_sets()
    }

    #[inline]
    fn get_last_run(&self) -> Tick {
        self.inner.get_last_run()
    }

    #[inline]
    fn set_last_run(&mut self, last_run: Tick) {
        self.inner.set_last_run(last_run);
    }
}
