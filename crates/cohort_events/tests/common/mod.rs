//! A damage storm for the tests: sources hit targets from `par_iter` through batched
//! events, keyed by target and summed per target, and a second writer adds bonus hits.

#![allow(dead_code)]

use bevy::app::{App, PluginGroup, TaskPoolPlugin};
use bevy::prelude::*;
use cohort_events::{BatchReader, BatchWriter, BatchedEventsAppExt, EventBatchConfig};
use cohort_sim::{ParIterSystems, SimPlugin, SimSchedule, SimSystems, SimTick, task_pool_options};

/// One hit on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub target: Entity,
    pub amount: i64,
    /// Hits merged into this one (1 when none).
    pub hits: u32,
}

/// A source of hits and its target.
#[derive(Component)]
pub struct Source {
    pub id: u32,
    pub target: Entity,
}

/// A target's health.
#[derive(Component, Debug, PartialEq, Eq)]
pub struct Health(pub i64);

/// Hits by this source in this tick: 1 to 3, from a hash of both.
pub fn hits_of(id: u32, tick: u64) -> u32 {
    let mixed = (u64::from(id) ^ tick.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_mul(0xff51_afd7_ed55_8ccd);
    (mixed >> 61) as u32 % 3 + 1
}

pub fn merge_hits(earlier: &mut Hit, later: &Hit) {
    earlier.amount += later.amount;
    earlier.hits += later.hits;
}

/// An app with `sources` sources over `sources / 10` targets on `threads` compute
/// threads; `config` sets up the `Hit` batch. Not finished: add plugins, then run.
pub fn storm_app(threads: usize, sources: u32, config: EventBatchConfig<Hit>) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(threads),
        }),
        SimPlugin::default().fast_forward(1),
    ))
    .add_batched_event_with::<Hit>(config)
    .add_systems(
        SimSchedule,
        (
            (write_hits, write_bonus_hits)
                .in_set(SimSystems::Act)
                .in_set(ParIterSystems),
            apply_hits.in_set(SimSystems::Resolve),
        ),
    );
    let targets: Vec<Entity> = (0..(sources / 10).max(1))
        .map(|_| app.world_mut().spawn(Health(1_000_000)).id())
        .collect();
    for id in 0..sources {
        let target = targets[(id as usize * 7919) % targets.len()];
        app.world_mut().spawn(Source { id, target });
    }
    app
}

fn write_hits(sources: Query<&Source>, hits: BatchWriter<Hit>, tick: Res<SimTick>) {
    let tick = tick.0;
    sources.par_iter().for_each(|source| {
        for hit in 0..hits_of(source.id, tick) {
            hits.write_from(
                source.target,
                source.id,
                Hit {
                    target: source.target,
                    amount: i64::from(source.id % 13 + hit),
                    hits: 1,
                },
            );
        }
    });
}

fn write_bonus_hits(sources: Query<&Source>, hits: BatchWriter<Hit>) {
    sources.par_iter().for_each(|source| {
        if source.id % 7 == 0 {
            hits.write_from(
                source.target,
                source.id,
                Hit {
                    target: source.target,
                    amount: 100,
                    hits: 1,
                },
            );
        }
    });
}

fn apply_hits(mut hits: BatchReader<Hit>, mut health: Query<&mut Health>) {
    for hit in hits.read() {
        if let Ok(mut health) = health.get_mut(hit.target) {
            health.0 -= hit.amount;
        }
    }
}
