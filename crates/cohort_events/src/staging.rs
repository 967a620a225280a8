//! Where writers put events between flushes: one buffer per thread, so writers of one type
//! run in parallel (inside `par_iter` too) and never take a lock.

use std::cell::{RefCell, RefMut};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use bevy::ecs::resource::Resource;
use bevy::ecs::world::World;
use cohort_sim::on_each_compute_thread;
use thread_local::ThreadLocal;

/// An event as written: its key and source, its writer and the tick it was written in.
pub(crate) struct Staged<E> {
    pub key: u64,
    pub source: u64,
    pub rank: u32,
    pub tick: u32,
    pub event: E,
}

/// The per-thread buffers of one event type.
#[derive(Resource)]
pub(crate) struct EventStaging<E: Send + Sync + 'static> {
    buffers: ThreadLocal<RefCell<Vec<Staged<E>>>>,
    /// The next writer's rank: systems take ranks as Bevy initializes them, an order that
    /// does not depend on threads.
    pub next_rank: AtomicU32,
    /// Room each thread's buffer starts with.
    pub per_thread_capacity: usize,
}

impl<E: Send + Sync + 'static> EventStaging<E> {
    pub(crate) fn new(per_thread_capacity: usize) -> Self {
        Self {
            buffers: ThreadLocal::new(),
            next_rank: AtomicU32::new(0),
            per_thread_capacity,
        }
    }

    #[inline]
    pub(crate) fn push(&self, staged: Staged<E>) {
        self.local().push(staged);
    }

    /// This thread's buffer, made on its first use.
    ///
    /// # Panics
    /// If this thread's buffer is already borrowed: by a [`LocalBatchWriter`] held while
    /// the same thread writes again (through a nested parallel loop, say).
    ///
    /// [`LocalBatchWriter`]: crate::LocalBatchWriter
    #[inline]
    pub(crate) fn local(&self) -> RefMut<'_, Vec<Staged<E>>> {
        let capacity = self.per_thread_capacity;
        self.buffers
            .get_or(move || RefCell::new(Vec::with_capacity(capacity)))
            .borrow_mut()
    }

    /// Every thread's buffer.
    pub(crate) fn buffers_mut(&mut self) -> impl Iterator<Item = &mut Vec<Staged<E>>> {
        self.buffers.iter_mut().map(RefCell::get_mut)
    }

    /// Creates this thread's buffer and every compute thread's
    /// ([`on_each_compute_thread`]), so that no thread's first write allocates in the
    /// middle of a game.
    pub(crate) fn prewarm(world: &mut World) {
        if let Some(staging) = world.get_resource::<Self>() {
            on_each_compute_thread(|| drop(staging.local()));
        }
    }

    pub(crate) fn take_rank(&self) -> u32 {
        self.next_rank.fetch_add(1, Relaxed)
    }
}
