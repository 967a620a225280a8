//! The batch is the same on 1, 2 and 4 threads, with the flush on its own thread or on
//! the compute pool: the same events in the same order each tick, and the same health at
//! the end.
//!
//! Bevy's task pools are global to a process, so each thread count runs in a child
//! process: this test binary started again with `COHORT_EVENTS_THREADS` set.

mod common;

use std::hash::{DefaultHasher, Hash, Hasher};

use bevy::prelude::*;
use cohort_events::{EventBatch, EventBatchConfig};
use cohort_sim::{SimAppExt, SimSchedule, SimSystems, run_test_in_child};
use common::{Health, Hit, storm_app};

const CHILD_ENV: &str = "COHORT_EVENTS_THREADS";
/// Set in a child whose flush runs on the compute pool from the first event.
const PARALLEL_ENV: &str = "COHORT_EVENTS_PARALLEL_FLUSH";
const TICKS: u64 = 12;

#[derive(Resource, Default)]
struct Digest(DefaultHasher);

/// Hashes every batch in order: keys, targets, amounts.
fn digest_batch(batch: Res<EventBatch<Hit>>, mut digest: ResMut<Digest>) {
    for (key, hit) in batch.iter() {
        (key, hit.target.to_bits(), hit.amount).hash(&mut digest.0);
    }
    batch.len().hash(&mut digest.0);
}

/// Runs in the child only: prints the digest of every batch and of the final health.
#[test]
fn child_storm() {
    let Ok(threads) = std::env::var(CHILD_ENV) else {
        return;
    };
    let threads: usize = threads.parse().expect("thread count");
    let config = if std::env::var(PARALLEL_ENV).is_ok() {
        EventBatchConfig::default().parallel_from(1)
    } else {
        EventBatchConfig::default().parallel_from(usize::MAX)
    };
    let mut app = storm_app(threads, 20_000, config);
    app.init_resource::<Digest>()
        .add_systems(SimSchedule, digest_batch.in_set(SimSystems::Resolve));
    assert_eq!(app.run_sim_ticks(TICKS), TICKS);
    let pool = bevy::tasks::ComputeTaskPool::get().thread_num();
    assert_eq!(pool, threads, "compute pool size");
    let world = app.world_mut();
    let mut health = world.query::<&Health>();
    let mut digest = world.resource::<Digest>().0.clone();
    for health in health.iter(world) {
        health.0.hash(&mut digest);
    }
    println!("digest threads={threads} {:016x}", digest.finish());
}

fn digest_on(threads: usize, parallel_flush: bool) -> String {
    let mut env = vec![(CHILD_ENV, threads.to_string())];
    if parallel_flush {
        env.push((PARALLEL_ENV, "1".to_string()));
    }
    run_test_in_child("child_storm", &env)
        .lines()
        .find_map(|line| {
            line.split_once("digest threads=")
                .map(|(_, rest)| rest.to_string())
        })
        .and_then(|rest| rest.split_whitespace().nth(1).map(str::to_string))
        .expect("the child printed its digest")
}

#[test]
fn the_same_batches_on_1_2_and_4_threads() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let one = digest_on(1, false);
    assert_eq!(digest_on(2, false), one, "2 threads");
    assert_eq!(digest_on(4, false), one, "4 threads");
    for threads in [1, 2, 4] {
        assert_eq!(
            digest_on(threads, true),
            one,
            "{threads} threads, flushed on the pool"
        );
    }
}
