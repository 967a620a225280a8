//! Delivery: every reader sees every event once, coalescing sums per key, overflow is
//! counted, and `sent = delivered + dropped` always holds.

mod common;

use bevy::prelude::*;
use cohort_events::{
    BatchReader, BatchWriter, BatchedEventsAppExt, EventBatch, EventBatchConfig, EventRegistry,
};
use cohort_sim::{SimAppExt, SimPlugin, SimSchedule, SimSystems, SimTick, finish_plugins};
use common::{Hit, Source, hits_of, merge_hits, storm_app};

/// Hits the storm's writers send in `tick`.
fn expected_hits(sources: u32, tick: u64) -> u64 {
    (0..sources)
        .map(|id| u64::from(hits_of(id, tick)) + u64::from(id % 7 == 0))
        .sum()
}

#[derive(Resource, Default)]
struct Seen(Vec<(u64, usize)>);

#[test]
fn every_reader_sees_every_batch_once() {
    fn reader_a(mut hits: BatchReader<Hit>, tick: Res<SimTick>, mut seen: ResMut<SeenA>) {
        let count = hits.read().len();
        seen.0.0.push((tick.0, count));
        // A second read in the same run sees nothing new.
        assert!(hits.read().is_empty());
    }
    fn reader_b(mut hits: BatchReader<Hit>, tick: Res<SimTick>, mut seen: ResMut<SeenB>) {
        let count = hits.read().len();
        seen.0.0.push((tick.0, count));
    }
    #[derive(Resource, Default)]
    struct SeenA(Seen);
    #[derive(Resource, Default)]
    struct SeenB(Seen);

    let mut app = storm_app(2, 500, EventBatchConfig::default());
    app.init_resource::<SeenA>()
        .init_resource::<SeenB>()
        .add_systems(
            SimSchedule,
            (reader_a, reader_b).in_set(SimSystems::Resolve),
        );
    assert_eq!(app.run_sim_ticks(5), 5);

    let a = &app.world().resource::<SeenA>().0.0;
    let b = &app.world().resource::<SeenB>().0.0;
    assert_eq!(a, b);
    let expected: Vec<(u64, usize)> = (0..5)
        .map(|tick| (tick, expected_hits(500, tick) as usize))
        .collect();
    assert_eq!(*a, expected);
    let stats = app.world().resource::<EventBatch<Hit>>().stats().clone();
    let sent: u64 = (0..5).map(|tick| expected_hits(500, tick)).sum();
    assert_eq!(
        (stats.sent, stats.delivered, stats.dropped),
        (sent, sent, 0)
    );
    assert_eq!(stats.flushes, 5);
    assert_eq!(
        stats.latency_ticks_p95(),
        0,
        "written in Act, delivered in Resolve"
    );
}

#[test]
fn coalescing_sums_per_target_and_keeps_the_total() {
    let mut app = storm_app(2, 1_000, EventBatchConfig::default().coalesce(merge_hits));
    assert_eq!(app.run_sim_ticks(1), 1);
    let world = app.world_mut();
    let batch = world.resource::<EventBatch<Hit>>();
    // One event per target, in key order, each the sum of that target's hits.
    let keys = batch.keys().to_vec();
    assert!(
        keys.windows(2).all(|pair| pair[0] < pair[1]),
        "one per key, sorted"
    );
    assert_eq!(batch.len(), 100, "every target was hit");
    let merged: u64 = batch.events().iter().map(|hit| u64::from(hit.hits)).sum();
    assert_eq!(merged, expected_hits(1_000, 0));
    let stats = batch.stats().clone();
    assert_eq!(stats.coalesced, merged - 100);
    assert_eq!(stats.sent, stats.delivered + stats.dropped);

    let mut by_target = std::collections::BTreeMap::<u64, i64>::new();
    let mut sources = world.query::<&Source>();
    for source in sources.iter(world) {
        let key = source.target.to_bits();
        for hit in 0..hits_of(source.id, 0) {
            *by_target.entry(key).or_default() += i64::from(source.id % 13 + hit);
        }
        if source.id % 7 == 0 {
            *by_target.entry(key).or_default() += 100;
        }
    }
    let batch = world.resource::<EventBatch<Hit>>();
    let got: Vec<(u64, i64)> = batch.iter().map(|(key, hit)| (key, hit.amount)).collect();
    assert_eq!(got, by_target.into_iter().collect::<Vec<_>>());
}

#[test]
fn overflow_drops_past_capacity_and_counts_it() {
    let mut app = storm_app(
        2,
        300,
        EventBatchConfig::default()
            .with_capacity(100)
            .drop_past_capacity(),
    );
    assert_eq!(app.run_sim_ticks(3), 3);
    let batch = app.world().resource::<EventBatch<Hit>>();
    assert_eq!(batch.len(), 100);
    let stats = batch.stats();
    let sent: u64 = (0..3).map(|tick| expected_hits(300, tick)).sum();
    assert_eq!(stats.sent, sent);
    assert_eq!(stats.delivered, 300);
    assert_eq!(stats.dropped, sent - 300);
    assert_eq!(stats.sent, stats.delivered + stats.dropped);
    // The batch keeps the first 100 in key order.
    assert!(batch.keys().windows(2).all(|pair| pair[0] <= pair[1]));
}

#[test]
fn growth_past_capacity_is_counted_once_not_every_tick() {
    let mut app = storm_app(2, 2_000, EventBatchConfig::default().with_capacity(16));
    assert_eq!(app.run_sim_ticks(20), 20);
    let stats = app.world().resource::<EventBatch<Hit>>().stats().clone();
    assert!(stats.growths > 0, "16 is too small for 4,000 hits a tick");
    let after_warmup = stats.growths;
    assert_eq!(app.run_sim_ticks(20), 20);
    let stats = app.world().resource::<EventBatch<Hit>>().stats();
    assert!(
        stats.growths <= after_warmup + 1,
        "{} then {}",
        after_warmup,
        stats.growths
    );
    assert_eq!(stats.dropped, 0);
}

#[test]
fn events_written_after_the_flush_arrive_the_next_tick() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Late(u64);
    fn write_late(late: BatchWriter<Late>, tick: Res<SimTick>) {
        late.write(0u64, Late(tick.0));
    }
    fn read_late(mut late: BatchReader<Late>, tick: Res<SimTick>, mut seen: ResMut<Seen>) {
        for event in late.read() {
            seen.0.push((tick.0, event.0 as usize));
        }
    }
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
        .add_batched_event::<Late>()
        .init_resource::<Seen>()
        .add_systems(SimSchedule, write_late.in_set(SimSystems::Cleanup))
        .add_systems(SimSchedule, read_late.in_set(SimSystems::Resolve));
    finish_plugins(&mut app);
    assert_eq!(app.run_sim_ticks(4), 4);
    // Written in Cleanup of tick t, read in Resolve of tick t + 1.
    assert_eq!(
        app.world().resource::<Seen>().0,
        vec![(1, 0), (2, 1), (3, 2)]
    );
    let batch = app.world().resource::<EventBatch<Late>>();
    assert_eq!(batch.stats().latency_ticks_p95(), 1);
    let summaries = EventRegistry::summaries(app.world());
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].0, "Late");
    assert_eq!(
        summaries[0].1.sent, 3,
        "the fourth tick's event waits for a fifth flush"
    );
}

#[test]
fn groups_are_runs_of_one_key() {
    let mut app = storm_app(1, 200, EventBatchConfig::default());
    assert_eq!(app.run_sim_ticks(1), 1);
    let batch = app.world().resource::<EventBatch<Hit>>();
    let mut total = 0;
    let mut previous = None;
    for (key, hits) in batch.groups() {
        assert!(previous < Some(key), "keys ascend, each once");
        previous = Some(key);
        assert!(hits.iter().all(|hit| hit.target.to_bits() == key));
        total += hits.len();
    }
    assert_eq!(total, batch.len());
}

#[test]
fn types_sharing_a_short_name_keep_apart_in_reports() {
    mod red {
        pub struct Ping;
    }
    mod blue {
        pub struct Ping;
    }
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin::default()))
        .add_batched_event::<red::Ping>()
        .add_batched_event::<blue::Ping>();
    let names: Vec<&str> = EventRegistry::summaries(app.world())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0], "Ping");
    assert!(names[1].ends_with("blue::Ping"), "{names:?}");
}
