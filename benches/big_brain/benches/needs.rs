//! The needs workload of `benches/benches/ai.rs` on big-brain 0.22: four needs rise 0.1 a
//! tick; a thinker with `FirstToScore { threshold: 0.8 }` over one scorer per need (the
//! need itself) picks an action that satisfies that need, else nothing. One
//! `App::update` per tick, Bevy 0.15's multi-threaded executor, two compute threads (as
//! cohort's benches have: Bevy's own split would leave one on two cores), the game's
//! sensor and scorer systems parallel (`par_iter_mut`), as a big-brain user would write
//! them; big-brain's own thinker and action systems are its own. (cohort's rule takes the
//! best need at 0.8 or more instead of the first; both score every need of every agent
//! every tick.) Each run prints the needs satisfied a tick, a check that the rule runs.
//!
//! ```text
//! cargo bench --manifest-path benches/big_brain/Cargo.toml
//! ```

#![allow(missing_docs)]

use std::time::{Duration, Instant};

use bevy::app::{App, PreUpdate};
use bevy::core::{TaskPoolOptions, TaskPoolPlugin};
use bevy::prelude::*;
use big_brain::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const RISE: f32 = 0.1;

#[derive(Component, Clone, Copy)]
struct Needs([f32; 4]);

#[derive(Clone, Component, Debug, ScorerBuilder)]
struct NeedScorer(usize);

#[derive(Clone, Component, Debug, ActionBuilder)]
struct Satisfy(usize);

fn rise_needs(mut agents: Query<&mut Needs>) {
    agents.par_iter_mut().for_each(|mut needs| {
        for need in &mut needs.0 {
            *need = (*need + RISE).min(1.0);
        }
    });
}

fn score_needs(needs: Query<&Needs>, mut scorers: Query<(&Actor, &mut Score, &NeedScorer)>) {
    scorers
        .par_iter_mut()
        .for_each(|(Actor(actor), mut score, scorer)| {
            if let Ok(needs) = needs.get(*actor) {
                score.set(needs.0[scorer.0]);
            }
        });
}

/// Needs satisfied so far: a check that the rule runs.
#[derive(Resource, Default)]
struct Satisfied(u64);

fn satisfy_needs(
    mut needs: Query<&mut Needs>,
    mut actions: Query<(&Actor, &mut ActionState, &Satisfy)>,
    mut satisfied: ResMut<Satisfied>,
) {
    for (Actor(actor), mut state, action) in &mut actions {
        match *state {
            ActionState::Requested => {
                if let Ok(mut needs) = needs.get_mut(*actor) {
                    needs.0[action.0] = 0.0;
                    satisfied.0 += 1;
                }
                *state = ActionState::Success;
            }
            ActionState::Cancelled => *state = ActionState::Failure,
            _ => {}
        }
    }
}

/// Two compute threads plus one IO and one async thread: `with_num_threads(2)` would give
/// the compute pool one.
fn two_compute_threads() -> TaskPoolOptions {
    let mut options = TaskPoolOptions::with_num_threads(4);
    for pool in [&mut options.io, &mut options.async_compute] {
        pool.min_threads = 1;
        pool.max_threads = 1;
    }
    options
}

fn app(agents: u32) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: two_compute_threads(),
        }),
        BigBrainPlugin::new(PreUpdate),
    ))
    .init_resource::<Satisfied>()
    .add_systems(Update, rise_needs)
    .add_systems(PreUpdate, score_needs.in_set(BigBrainSet::Scorers))
    .add_systems(PreUpdate, satisfy_needs.in_set(BigBrainSet::Actions));
    let world = app.world_mut();
    for index in 0..agents {
        let start = (index % 8) as f32 * RISE;
        let mut thinker = Thinker::build().picker(FirstToScore { threshold: 0.8 });
        for need in 0..4 {
            thinker = thinker.when(NeedScorer(need), Satisfy(need));
        }
        world.spawn((
            Needs([
                start,
                (start + 0.3) % 1.0,
                (start + 0.5) % 1.0,
                (start + 0.7) % 1.0,
            ]),
            thinker,
        ));
    }
    for _ in 0..30 {
        app.update();
    }
    app
}

fn needs(c: &mut Criterion) {
    println!("per tick, after 30 warm-up ticks, over 100 ticks (2 compute threads):");
    for agents in [1_000u32, 10_000, 50_000, 100_000] {
        let mut app = app(agents);
        let before = app.world().resource::<Satisfied>().0;
        let start = Instant::now();
        for _ in 0..100 {
            app.update();
        }
        let elapsed = start.elapsed();
        let satisfied = app.world().resource::<Satisfied>().0 - before;
        println!(
            "  needs {agents} big_brain: {:.3} ms per tick, {:.0} needs satisfied a tick",
            elapsed.as_secs_f64() * 1e3 / 100.0,
            satisfied as f64 / 100.0
        );
    }
    for agents in [1_000u32, 10_000, 50_000, 100_000] {
        let mut group = c.benchmark_group(format!("ai_needs_{}k", agents / 1_000));
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(20);
        let mut app = app(agents);
        group.bench_function(BenchmarkId::from_parameter("big_brain"), |b| {
            b.iter(|| app.update());
        });
        group.finish();
    }
}

criterion_group!(benches, needs);
criterion_main!(benches);
