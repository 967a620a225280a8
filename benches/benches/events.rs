//! A damage storm, five ways: attackers in `par_iter` (or a serial loop) each write 1–3
//! damage events per tick and a consumer applies them to their targets' health. The same
//! workload and the same app shape for every way, one `App::update` per tick, in one run:
//!
//! - `message_writer_serial`: `MessageWriter` in a serial loop (its writer is exclusive,
//!   bevyengine/bevy#2648), `MessageReader` in the consumer. Deterministic.
//! - `parallel_commands`: `par_iter` with `ParallelCommands`, one `write_message` command
//!   per event, applied at the sync point. Order varies with threads.
//! - `parallel_local_write_batch`: `par_iter` into a `Local<Parallel<Vec<_>>>`, then
//!   `MessageWriter::write_batch`. Order varies with threads.
//! - `buffered_channel`: `par_iter` into a `BufferedChannel`, drained into
//!   `write_batch`. Order varies with threads.
//! - `cohort_batch`: `par_iter` with `BatchWriter` keyed by target and source, one
//!   deterministic batch, `BatchReader` in the consumer. Like for like: the same
//!   consumer as the others, event by event on one thread.
//!
//! And two more cohort rows that use what only a keyed batch allows, each labelled:
//!
//! - `cohort_batch_par_groups`: the same writer and flush; the consumer takes each
//!   target's events together and applies them on the compute pool
//!   (`BatchReader::par_for_each_group`). Every event is still applied.
//! - `cohort_batch_coalesced`: the flush sums the damage to each target into one event
//!   (`EventBatchConfig::coalesce`); the shared consumer applies one event per target.
//!
//! And a reference row that is not a way to batch events: `partitioned_floor`, the floor
//! of any parallel way on two threads (`par_iter` writers push 16-byte events into two
//! partitions by target, two tasks apply one each; no key, no order, not deterministic).
//!
//! At about 10k and 100k events per tick, and a spike (100, then 100k, then 100 events,
//! three ticks per iteration). Two compute threads (`EVENTS_THREADS` sets another
//! count). Before the timings it prints each way's heap allocations per tick in steady
//! state and right after spikes.
//!
//! ```text
//! cargo bench -p cohort_benches --bench events
//! EVENTS_INTERLEAVED=200 cargo bench -p cohort_benches --bench events  # ways taking turns
//! EVENTS_THREADS=1 EVENTS_INTERLEAVED=200 cargo bench -p cohort_benches --bench events
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod turns;

use std::time::Duration;

use bevy::app::{App, PluginGroup, TaskPoolPlugin, Update};
use bevy::ecs::message::{Message, MessageReader, MessageWriter};
use bevy::ecs::system::{Local, ParallelCommands, Query, Res, ResMut};
use bevy::prelude::*;
use bevy::tasks::ComputeTaskPool;
use bevy::utils::{BufferedChannel, Parallel};
use cohort_alloc::{AllocSnapshot, CountingAllocator};
use cohort_benches::env_number;
use cohort_events::{
    BatchReader, BatchWriter, BatchedEventsAppExt, EventBatch, EventBatchConfig, EventFlush,
};
use cohort_sim::{finish_plugins, task_pool_options};
use criterion::{BenchmarkId, Criterion, criterion_group};
use turns::take_turns;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[derive(Message, Debug, Clone, Copy)]
struct Damage {
    target: Entity,
    amount: i32,
}

#[derive(Component)]
struct Attacker {
    id: u32,
    target: Entity,
}

#[derive(Component)]
struct Health(i64);

/// The tick, and how many attackers write this tick (the spike changes it).
#[derive(Resource, Default)]
struct Storm {
    tick: u64,
    active: u32,
}

impl Storm {
    /// Events attacker `id` writes this tick: 0 when inactive, else 1 to 3.
    #[inline]
    fn hits(&self, id: u32) -> u32 {
        if id >= self.active {
            return 0;
        }
        let mixed = (u64::from(id) ^ self.tick.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xff51_afd7_ed55_8ccd);
        (mixed >> 61) as u32 % 3 + 1
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    MessageWriterSerial,
    ParallelCommands,
    ParallelLocalWriteBatch,
    BufferedChannel,
    CohortBatch,
    CohortParGroups,
    CohortCoalesced,
    PartitionedFloor,
}

const WAYS: [(&str, Way); 8] = [
    ("message_writer_serial", Way::MessageWriterSerial),
    ("parallel_commands", Way::ParallelCommands),
    ("parallel_local_write_batch", Way::ParallelLocalWriteBatch),
    ("buffered_channel", Way::BufferedChannel),
    ("cohort_batch", Way::CohortBatch),
    ("cohort_batch_par_groups", Way::CohortParGroups),
    ("cohort_batch_coalesced", Way::CohortCoalesced),
    ("partitioned_floor", Way::PartitionedFloor),
];

/// The compute threads of every app: two (the issue's), or `EVENTS_THREADS=<n>` (with
/// 1, how much a second thread buys each way on this machine).
fn compute_threads() -> usize {
    env_number("EVENTS_THREADS")
        .filter(|&threads| threads > 0)
        .unwrap_or(2)
}

/// An app with `attackers` attackers over `attackers / 8` targets, writing the `way`.
fn storm_app(way: Way, attackers: u32) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins.set(TaskPoolPlugin {
        task_pool_options: task_pool_options(compute_threads()),
    }))
    .insert_resource(Storm {
        tick: 0,
        active: attackers,
    })
    .add_systems(Last, next_tick);
    let cohort = |app: &mut App, config: EventBatchConfig<Damage>| {
        app.add_batched_event_flushed_in::<Damage>(
            config.with_capacity(4 * attackers as usize),
            Update,
            EventFlush,
        )
        .configure_sets(Update, EventFlush.after(write_cohort))
        .add_systems(Update, write_cohort);
    };
    let writer = match way {
        Way::CohortBatch => {
            cohort(&mut app, EventBatchConfig::default());
            app.add_systems(Update, apply_cohort.after(EventFlush));
            None
        }
        Way::CohortParGroups => {
            cohort(&mut app, EventBatchConfig::default());
            app.add_systems(Update, apply_cohort_groups.after(EventFlush));
            None
        }
        Way::CohortCoalesced => {
            cohort(
                &mut app,
                EventBatchConfig::default().coalesce(|earlier: &mut Damage, later: &Damage| {
                    earlier.amount += later.amount;
                }),
            );
            app.add_systems(Update, apply_cohort.after(EventFlush));
            None
        }
        Way::MessageWriterSerial => Some(write_serial.into_configs()),
        Way::ParallelCommands => Some(write_commands.into_configs()),
        Way::ParallelLocalWriteBatch => Some(write_parallel_local.into_configs()),
        Way::BufferedChannel => Some(write_buffered_channel.into_configs()),
        Way::PartitionedFloor => {
            app.add_systems(Update, partitioned_floor);
            None
        }
    };
    if let Some(writer) = writer {
        app.add_message::<Damage>()
            .add_systems(Update, (writer, apply_messages).chain());
    }
    let targets: Vec<Entity> = (0..(attackers / 8).max(1))
        .map(|_| app.world_mut().spawn(Health(i64::MAX / 2)).id())
        .collect();
    app.world_mut()
        .spawn_batch((0..attackers).map(|id| Attacker {
            id,
            target: targets[(id as usize * 7919) % targets.len()],
        }));
    finish_plugins(&mut app);
    for _ in 0..30 {
        app.update();
    }
    app
}

fn next_tick(mut storm: ResMut<Storm>) {
    storm.tick += 1;
}

fn damage_of(attacker: &Attacker, hit: u32) -> Damage {
    Damage {
        target: attacker.target,
        amount: (attacker.id % 13 + hit) as i32,
    }
}

fn write_serial(attackers: Query<&Attacker>, storm: Res<Storm>, mut writer: MessageWriter<Damage>) {
    for attacker in &attackers {
        for hit in 0..storm.hits(attacker.id) {
            writer.write(damage_of(attacker, hit));
        }
    }
}

fn write_commands(attackers: Query<&Attacker>, storm: Res<Storm>, commands: ParallelCommands) {
    attackers.par_iter().for_each(|attacker| {
        let hits = storm.hits(attacker.id);
        if hits > 0 {
            commands.command_scope(|mut commands| {
                for hit in 0..hits {
                    commands.write_message(damage_of(attacker, hit));
                }
            });
        }
    });
}

fn write_parallel_local(
    attackers: Query<&Attacker>,
    storm: Res<Storm>,
    mut local: Local<Parallel<Vec<Damage>>>,
    mut writer: MessageWriter<Damage>,
) {
    attackers.par_iter().for_each(|attacker| {
        let hits = storm.hits(attacker.id);
        if hits > 0 {
            let mut buffer = local.borrow_local_mut();
            for hit in 0..hits {
                buffer.push(damage_of(attacker, hit));
            }
        }
    });
    for buffer in local.iter_mut() {
        writer.write_batch(buffer.drain(..));
    }
}

fn write_buffered_channel(
    attackers: Query<&Attacker>,
    storm: Res<Storm>,
    channel: Local<BufferedChannel<Damage>>,
    mut writer: MessageWriter<Damage>,
) {
    let (receiver, sender) = channel.unbounded();
    attackers.par_iter().for_each_init(
        || sender.clone(),
        |sender, attacker| {
            for hit in 0..storm.hits(attacker.id) {
                // The receiver outlives every sender: sending cannot fail.
                let _ = sender.send_blocking(damage_of(attacker, hit));
            }
        },
    );
    drop(sender);
    while let Ok(mut chunk) = receiver.recv_blocking() {
        writer.write_batch(chunk.drain());
    }
}

/// The floor of any parallel way on two threads: `par_iter` writers push into one of two
/// partitions by target (no key, no order), and two tasks apply a partition each.
/// Not deterministic in general (each target's events arrive in thread order).
fn partitioned_floor(
    attackers: Query<&Attacker>,
    storm: Res<Storm>,
    mut local: Local<Parallel<[Vec<Damage>; 2]>>,
    health: Query<&mut Health>,
) {
    attackers.par_iter().for_each(|attacker| {
        let hits = storm.hits(attacker.id);
        if hits > 0 {
            let mut buffers = local.borrow_local_mut();
            let part = &mut buffers[(attacker.target.index_u32() & 1) as usize];
            for hit in 0..hits {
                part.push(damage_of(attacker, hit));
            }
        }
    });
    let mut parts: [[&[Damage]; 8]; 2] = [[&[]; 8]; 2];
    for (thread, buffers) in local.iter_mut().enumerate().take(8) {
        parts[0][thread] = &buffers[0];
        parts[1][thread] = &buffers[1];
    }
    let health = &health;
    let apply_part = |part: &[&[Damage]; 8]| {
        for damage in part.iter().flat_map(|events| events.iter()) {
            // SAFETY: each partition holds other targets, so the two tasks never fetch
            // the same entity; `&mut health` is held by this system.
            if let Ok(mut health) = unsafe { health.get_unchecked(damage.target) } {
                health.0 -= i64::from(damage.amount);
            }
        }
    };
    ComputeTaskPool::get().scope(|scope| {
        let (first, second) = (&parts[0], &parts[1]);
        scope.spawn(async move { apply_part(second) });
        apply_part(first);
    });
    for buffers in local.iter_mut() {
        buffers[0].clear();
        buffers[1].clear();
    }
}

/// The consumer every way shares: each event lowers its target's health.
fn apply<'a>(damage: impl Iterator<Item = &'a Damage>, health: &mut Query<&mut Health>) {
    for damage in damage {
        if let Ok(mut health) = health.get_mut(damage.target) {
            health.0 -= i64::from(damage.amount);
        }
    }
}

fn apply_messages(mut damage: MessageReader<Damage>, mut health: Query<&mut Health>) {
    apply(damage.read(), &mut health);
}

/// One look-up of the thread's buffer per attacker, as `Parallel<Vec>` borrows its own.
fn write_cohort(attackers: Query<&Attacker>, storm: Res<Storm>, writer: BatchWriter<Damage>) {
    attackers.par_iter().for_each(|attacker| {
        let hits = storm.hits(attacker.id);
        if hits > 0 {
            let mut local = writer.local();
            for hit in 0..hits {
                local.write_from(attacker.target, attacker.id, damage_of(attacker, hit));
            }
        }
    });
}

fn apply_cohort(mut damage: BatchReader<Damage>, mut health: Query<&mut Health>) {
    apply(damage.read().iter(), &mut health);
}

/// Each target's events together, targets in parallel: every event still applied.
fn apply_cohort_groups(mut damage: BatchReader<Damage>, mut health: Query<&mut Health>) {
    damage.par_for_each_group(&mut health, |mut health, hits| {
        for hit in hits {
            health.0 -= i64::from(hit.amount);
        }
    });
}

/// One spike: 100 events, then about 100k, then 100 (50 and 50,000 attackers).
fn spike(app: &mut App) {
    for active in [50, 50_000, 50] {
        app.world_mut().resource_mut::<Storm>().active = active;
        app.update();
    }
}

/// Heap allocations per tick, all threads: at 100k events in steady state, and in the
/// 100-event ticks right after spikes.
fn print_allocations() {
    println!("allocations per tick (all threads), after 30 warm-up ticks and 5 spikes:");
    for (name, way) in WAYS {
        let mut app = storm_app(way, 50_000);
        let before = AllocSnapshot::take();
        for _ in 0..20 {
            app.update();
        }
        let steady = AllocSnapshot::take().since(&before).allocating_calls() as f64 / 20.0;
        for _ in 0..5 {
            spike(&mut app);
        }
        let mut after_spike = 0;
        for _ in 0..10 {
            app.world_mut().resource_mut::<Storm>().active = 50_000;
            app.update();
            app.world_mut().resource_mut::<Storm>().active = 50;
            let before = AllocSnapshot::take();
            app.update();
            after_spike += AllocSnapshot::take().since(&before).allocating_calls();
        }
        println!(
            "  {name}: {steady:.1} at 100k events, {:.1} in a 100-event tick after a spike",
            after_spike as f64 / 10.0
        );
        if let Some(batch) = app.world().get_resource::<EventBatch<Damage>>() {
            println!(
                "    its flush (order, deliver): {:.0} us p95 over the last 256 ticks",
                batch.stats().flush_us_p95()
            );
        }
    }
    let mut empty = App::new();
    empty.add_plugins(MinimalPlugins.set(TaskPoolPlugin {
        task_pool_options: task_pool_options(compute_threads()),
    }));
    finish_plugins(&mut empty);
    for _ in 0..30 {
        empty.update();
    }
    let before = AllocSnapshot::take();
    for _ in 0..20 {
        empty.update();
    }
    let floor = AllocSnapshot::take().since(&before).allocating_calls() as f64 / 20.0;
    println!("  an app with no systems of its own (Bevy's floor): {floor:.1}");
}

fn storm(c: &mut Criterion) {
    print_allocations();
    for (label, attackers) in [("10k_events", 5_000), ("100k_events", 50_000)] {
        let mut group = c.benchmark_group(format!("damage_storm_{label}"));
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5))
            .sample_size(30);
        for (name, way) in WAYS {
            let mut app = storm_app(way, attackers);
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| app.update());
            });
        }
        group.finish();
    }
    let mut group = c.benchmark_group("damage_storm_spike");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(30);
    for (name, way) in WAYS {
        let mut app = storm_app(way, 50_000);
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| spike(&mut app));
        });
    }
    group.finish();
}

/// With `EVENTS_INTERLEAVED=<rounds>`: instead of criterion, every way's app at 100k
/// events takes turns, a few ticks each per round, and each way's median and fastest
/// tick are printed. On a machine shared with other work, turns spread the noise
/// evenly over the ways, which one way after another does not.
fn interleaved(rounds: usize) {
    // `EVENTS_ONLY=<name>` keeps the serial way and that one (for a profiler).
    let only = std::env::var("EVENTS_ONLY").ok();
    let mut ways: Vec<(&str, App)> = WAYS
        .iter()
        .filter(|&&(name, way)| {
            way == Way::MessageWriterSerial || only.as_ref().is_none_or(|only| only == name)
        })
        .map(|&(name, way)| (name, storm_app(way, 50_000)))
        .collect();
    let mut apps: Vec<&mut App> = ways.iter_mut().map(|(_, app)| app).collect();
    let times = take_turns(&mut apps, rounds, 5);
    println!("interleaved, {rounds} rounds of 5 ticks, 100k events a tick: median, fastest");
    let serial = times[0].median;
    for ((name, _), times) in ways.iter().zip(&times) {
        println!(
            "  {name}: {:.3} ms, {:.3} ms ({:.2}x the serial MessageWriter's median)",
            times.median.as_secs_f64() * 1e3,
            times.fastest.as_secs_f64() * 1e3,
            times.median.as_secs_f64() / serial.as_secs_f64()
        );
    }
}

criterion_group!(benches, storm);

fn main() {
    if let Some(rounds) = env_number("EVENTS_INTERLEAVED") {
        interleaved(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
