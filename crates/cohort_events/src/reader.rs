//! `BatchReader`: each reader system sees every batch exactly once.

use bevy::ecs::system::{Local, Res, SystemParam};

use crate::batch::{EventBatch, Groups};

/// Reads batches of `E`: [`read`](Self::read) returns the latest batch the first time
/// this system calls it after a flush, and nothing after that until the next flush.
/// Any number of readers read the same batch in parallel.
#[derive(SystemParam)]
pub struct BatchReader<'w, 's, E: Send + Sync + 'static> {
    batch: Res<'w, EventBatch<E>>,
    seen: Local<'s, u64>,
}

impl<E: Send + Sync + 'static> BatchReader<'_, '_, E> {
    /// The batch's events if this reader has not seen them, else an empty slice.
    pub fn read(&mut self) -> &[E] {
        if self.take_new() {
            self.batch.events()
        } else {
            &[]
        }
    }

    /// Like [`read`](Self::read), as runs of events with the same key.
    pub fn read_groups(&mut self) -> Groups<'_, E> {
        if self.take_new() {
            self.batch.groups()
        } else {
            self.batch.groups_empty()
        }
    }

    /// Whether a batch this reader has not seen is waiting.
    pub fn has_new(&self) -> bool {
        self.batch.flush_number() > *self.seen
    }

    fn take_new(&mut self) -> bool {
        let new = self.has_new();
        *self.seen = self.batch.flush_number();
        new
    }
}
