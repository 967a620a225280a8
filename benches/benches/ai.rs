//! Batched utility AI (`cohort_ai`) beside the same rule written as one plain `par_iter`,
//! one `App::update` per tick on two compute threads:
//!
//! - `needs`: four needs rise 0.1 a tick; the option of the need that scores highest (if
//!   0.8 or more) satisfies it, else idle (`cohort_ai::needs`). Every agent thinks every
//!   tick, as big-brain's agents do. At 1k, 10k, 50k and 100k agents; at 50k and 100k
//!   also as cohort is meant to run, each agent every 8 ticks, staggered, and beside it
//!   a floor (`ai_floor`): the rule staggered by hand in four bare passes.
//! - `targets`: one per-target option weighing each agent's 16 candidates on two target
//!   inputs and one agent input, the cache off. At 10k and 100k agents.
//! - `budget`: 100k needs agents under a 2 ms time budget.
//! - `crossover`: the scoring pass serial against parallel, 128 to 4,096 agents, for
//!   `AiConfig::parallel_from`.
//!
//! big-brain 0.22 (its last release) needs Bevy 0.15, so the same rule through it is a
//! crate of its own, `benches/big_brain`, run right after this one (BENCHMARKS.md).
//! Before the timings the bench prints each case's time per tick, considerations scored
//! per second per core, and allocations per tick, and an empty app's time per update.
//!
//! ```text
//! cargo bench -p cohort_benches --bench ai
//! AI_BENCH_FIGURES=0 cargo bench -p cohort_benches --bench ai -- ai_needs_50k   # timings only
//! AI_BENCH_SYSTEMS=1 cargo bench -p cohort_benches --bench ai    # each system's time, 50k
//! AI_BENCH_INTERLEAVED=200 cargo bench -p cohort_benches --bench ai  # the cache's cost
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod ai_floor;
mod turns;

use std::path::Path;
use std::time::{Duration, Instant};

use bevy::app::{App, PluginGroup, TaskPoolPlugin};
use bevy::prelude::*;
use cohort_ai::needs::{
    NEED_RISE, Needs, SATISFIED_AT, Satisfied, add_needs_systems, needs_makers, needs_plugin,
    spawn_needs_agents,
};
use cohort_ai::{
    AgentToScore, AiAgent, AiCandidates, AiConfig, AiInputs, AiPlugin, AiSchema, AiStats,
    CacheConfig, Choice, DecisionMakers, parse_decision_maker,
};
use cohort_alloc::{AllocSnapshot, CountingAllocator};
use cohort_benches::env_number;
use cohort_profiler::{Profiler, ProfilerPlugin};
use cohort_sim::{
    ParIterSystems, SimIdAllocator, SimPlugin, SimSchedule, SimSystems, finish_plugins,
    task_pool_options,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use turns::take_turns;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const THREADS: usize = 2;

fn base_app() -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(THREADS),
        }),
        SimPlugin::default().fast_forward(1),
    ));
    app
}

fn every_tick() -> AiConfig {
    AiConfig {
        think_every: [1; 4],
        ..AiConfig::default()
    }
}

/// The intended use: each agent thinks every 8 ticks, staggered, the cache on.
fn staggered() -> AiConfig {
    AiConfig {
        think_every: [8; 4],
        ..AiConfig::default()
    }
}

fn warmed(mut app: App) -> App {
    finish_plugins(&mut app);
    for _ in 0..30 {
        app.update();
    }
    app
}

/// The needs rule through `cohort_ai`, not yet warmed up.
fn cold_needs_app(agents: u32, config: AiConfig) -> App {
    let (plugin, id) = needs_plugin(config);
    let mut app = base_app();
    app.add_plugins(plugin);
    add_needs_systems(&mut app);
    spawn_needs_agents(&mut app, id, agents);
    app
}

/// The needs rule through `cohort_ai`.
fn cohort_needs(agents: u32, config: AiConfig) -> App {
    warmed(cold_needs_app(agents, config))
}

/// The same rule by hand: needs rise, the highest at 0.8 or more is satisfied.
fn plain_needs_system(mut agents: Query<(&mut Needs, &mut Satisfied)>) {
    agents
        .par_iter_mut()
        .for_each(|(mut needs, mut satisfied)| {
            for need in &mut needs.0 {
                *need = (*need + NEED_RISE).min(1.0);
            }
            if let (score, Some(index)) = ai_floor::best_need(&needs.0)
                && score >= SATISFIED_AT
            {
                needs.0[index] = 0.0;
                satisfied.0 += 1;
            }
        });
}

fn plain_needs(agents: u32) -> App {
    let mut app = base_app();
    app.add_systems(
        SimSchedule,
        plain_needs_system
            .in_set(SimSystems::Decide)
            .in_set(ParIterSystems),
    );
    app.world_mut()
        .spawn_batch((0..agents).map(|index| (Needs::staggered(u64::from(index)), Satisfied(0))));
    warmed(app)
}

/// The floor beside the staggered case: the rule staggered by hand in four passes.
fn floor_app(agents: u32) -> App {
    warmed(cold_floor_app(agents))
}

/// The floor, not yet warmed up.
fn cold_floor_app(agents: u32) -> App {
    let mut app = base_app();
    ai_floor::add_four_passes(&mut app, agents);
    app
}

/// Agents with 16 candidates each and one per-target option over them.
fn cohort_targets(agents: u32) -> App {
    let schema = AiSchema::new(&["aggression"], &["distance", "health"]).expect("fits");
    let maker = parse_decision_maker(
        Path::new("ai/targets.ai.ron"),
        r#"(options: [
            (name: "attack", per_target: true, considerations: [
                (input: "aggression", curve: Logistic(midpoint: 0.3, steepness: 8.0)),
                (input: "target.distance", range: (0.0, 40.0), curve: Linear(slope: -1.0, intercept: 1.0)),
                (input: "target.health", curve: Polynomial(exponent: 2.0, slope: -1.0, offset: 1.0)),
            ]),
            (name: "hold", weight: 0.1),
        ])"#,
        &schema,
    )
    .expect("valid");
    let mut makers = DecisionMakers::default();
    let maker = makers.insert("ai/targets.ai.ron".into(), maker);
    let mut app = base_app();
    app.add_plugins(
        AiPlugin::new(schema)
            .with_makers(makers)
            .with_config(AiConfig {
                cache: CacheConfig {
                    enabled: false,
                    ..CacheConfig::default()
                },
                ..every_tick()
            }),
    );
    let world = app.world_mut();
    let targets: Vec<Entity> = (0..1_024).map(|_| world.spawn_empty().id()).collect();
    let ids: Vec<_> = {
        let mut allocator = world.resource_mut::<SimIdAllocator>();
        (0..agents).map(|_| allocator.allocate()).collect()
    };
    world.spawn_batch(ids.into_iter().map(move |id| {
        let mut inputs = AiInputs::default();
        inputs.set(0, (id.0 % 10) as f32 / 10.0);
        let mut candidates = AiCandidates::default();
        for slot in 0..16u64 {
            let mix = id.0.wrapping_mul(31).wrapping_add(slot * 7);
            candidates.push(
                targets[(mix % 1_024) as usize],
                &[(mix % 40) as f32, (mix % 13) as f32 / 13.0],
            );
        }
        (id, AiAgent::new(maker), inputs, candidates)
    }));
    warmed(app)
}

/// Needs satisfied so far over every agent (none outside the needs workload).
fn satisfied(app: &mut App) -> u64 {
    let world = app.world_mut();
    let mut agents = world.query::<&Satisfied>();
    agents.iter(world).map(|done| u64::from(done.0)).sum()
}

/// Time per update, allocations per update and the AI's figures over 100 ticks.
fn measure(label: &str, app: &mut App) {
    let stats_before = app.world().get_resource::<AiStats>().map(|s| *s.totals());
    let satisfied_before = satisfied(app);
    let before = AllocSnapshot::take();
    let start = Instant::now();
    for _ in 0..100 {
        app.update();
    }
    let tick = start.elapsed().as_secs_f64() / 100.0;
    let allocations = AllocSnapshot::take().since(&before).allocating_calls() as f64 / 100.0;
    let satisfied_per_tick = (satisfied(app) - satisfied_before) as f64 / 100.0;
    // A check that the rule runs, beside big-brain's own.
    let satisfied = if satisfied_per_tick > 0.0 {
        format!(", {satisfied_per_tick:.0} needs satisfied per tick")
    } else {
        String::new()
    };
    let ai = app.world().get_resource::<AiStats>().map(|stats| {
        let summary = stats.summary();
        let after = *stats.totals();
        let before = stats_before.unwrap_or_default();
        (
            summary,
            after.decisions - before.decisions,
            after.considerations - before.considerations,
        )
    });
    match ai {
        Some((summary, decisions, considerations)) => {
            let eval_seconds = summary.eval_us_p95 * 1e-6 * 100.0;
            println!(
                "  {label}: {:.3} ms per tick, {:.0} decisions per tick{satisfied}, \
                 scoring p95 {:.0} us, \
                 about {:.1} M considerations per second per core (from the p95), \
                 {allocations:.1} allocations",
                tick * 1e3,
                decisions as f64 / 100.0,
                summary.eval_us_p95,
                considerations as f64 / (eval_seconds * THREADS as f64) / 1e6,
            );
        }
        None => println!(
            "  {label}: {:.3} ms per tick, {allocations:.1} allocations",
            tick * 1e3
        ),
    }
}

/// `agents` sets of needs, varied so the winning option changes from agent to agent.
fn needs_inputs(agents: usize) -> Vec<AiInputs> {
    (0..agents)
        .map(|index| {
            let mut inputs = AiInputs::default();
            for need in 0..4 {
                inputs.set(need, ((index * 7 + need * 3) % 10) as f32 / 10.0);
            }
            inputs
        })
        .collect()
}

/// `DecisionMaker::decide` over every set of `inputs` once; the considerations scored.
fn decide_all(maker: &cohort_ai::DecisionMaker, inputs: &[AiInputs]) -> u64 {
    let candidates = AiCandidates::default();
    let mut scores = [0.0; cohort_ai::MAX_OPTIONS];
    let mut considerations = 0u64;
    for inputs in inputs {
        let choice = maker.decide(inputs, &candidates, None, &mut scores);
        considerations += u64::from(choice.evaluations);
        std::hint::black_box(choice);
    }
    considerations
}

/// `DecisionMaker::decide` alone on one thread, over `agents` sets of needs: the scoring
/// core's speed without the ECS passes around it.
fn print_scoring_core(agents: usize) {
    let (makers, id) = needs_makers();
    let maker = makers.get(id).expect("registered");
    let inputs = needs_inputs(agents);
    let start = Instant::now();
    let considerations: u64 = (0..20).map(|_| decide_all(maker, &inputs)).sum();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "  scoring core, one thread: {:.1} ns per decision, {:.1} M considerations per second",
        seconds * 1e9 / (20 * agents) as f64,
        considerations as f64 / seconds / 1e6
    );
}

/// The scoring core in criterion: one thread deciding 10k agents' needs; criterion's
/// time over 10,000 is the time per decision, and each decision scores 4 considerations.
fn scoring_core(c: &mut Criterion) {
    let (makers, id) = needs_makers();
    let maker = makers.get(id).expect("registered");
    let inputs = needs_inputs(10_000);
    let mut group = c.benchmark_group("ai_scoring_core");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    group.bench_function("needs_10k_decisions", |b| {
        b.iter(|| decide_all(maker, &inputs));
    });
    let candidates = AiCandidates::default();
    let agents: Vec<_> = inputs
        .iter()
        .map(|inputs| AgentToScore {
            inputs,
            candidates: &candidates,
            current: None,
        })
        .collect();
    let mut scores = vec![[0.0; cohort_ai::MAX_OPTIONS]; agents.len()];
    let mut choices = vec![Choice::default(); agents.len()];
    group.bench_function("needs_10k_decisions_batched", |b| {
        b.iter(|| {
            maker.decide_batch(&agents, &mut scores, &mut choices);
            std::hint::black_box(&choices);
        });
    });
    group.finish();
}

fn print_figures() {
    print_scoring_core(50_000);
    println!("per tick, after 30 warm-up ticks, over 100 ticks ({THREADS} threads):");
    for agents in [1_000, 10_000, 50_000, 100_000] {
        measure(
            &format!("needs {agents} cohort_ai"),
            &mut cohort_needs(agents, every_tick()),
        );
        measure(
            &format!("needs {agents} plain par_iter"),
            &mut plain_needs(agents),
        );
    }
    for agents in [50_000, 100_000] {
        measure(
            &format!("needs {agents} cohort_ai, every 8 ticks"),
            &mut cohort_needs(agents, staggered()),
        );
        measure(
            &format!("needs {agents} four passes by hand, every 8 ticks"),
            &mut floor_app(agents),
        );
    }
    for agents in [10_000, 100_000] {
        measure(
            &format!("targets {agents} cohort_ai"),
            &mut cohort_targets(agents),
        );
    }
    let budget = AiConfig {
        max_micros_per_tick: Some(2_000.0),
        ..every_tick()
    };
    measure(
        "budget 100k (2 ms) cohort_ai",
        &mut cohort_needs(100_000, budget),
    );
    let mut empty = warmed(base_app());
    measure("an app with no systems of its own", &mut empty);
}

/// A benchmark group timing whole updates: 1 s of warm-up, 3 s measured, 20 samples.
fn update_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    group
}

/// Times one `App::update` of `app` as `name` in `group`.
fn bench_updates(group: &mut BenchmarkGroup<'_, WallTime>, name: BenchmarkId, mut app: App) {
    group.bench_function(name, |b| b.iter(|| app.update()));
}

/// Each system's mean time per tick at 50k agents, thinking every tick and every 8 ticks,
/// and the floor's, through cohort's profiler (its wrapping included): where a tick goes.
fn print_systems() {
    let cases: [(&str, fn() -> App); 3] = [
        ("every tick", || cold_needs_app(50_000, every_tick())),
        ("every 8 ticks", || cold_needs_app(50_000, staggered())),
        ("every 8 ticks, four passes by hand", || {
            cold_floor_app(50_000)
        }),
    ];
    for (label, cold_app) in cases {
        let mut app = cold_app();
        app.add_plugins(ProfilerPlugin::default().warmup_frames(30));
        let mut app = warmed(app);
        for _ in 0..200 {
            app.update();
        }
        println!("needs 50k, {label}: mean per tick of each system over 1 us");
        let report = app.world().resource::<Profiler>().report();
        for row in report.systems.iter().filter(|row| row.mean_us >= 1.0) {
            println!("  {:>8.1} us  {}", row.mean_us, row.name);
        }
    }
}

/// With `AI_BENCH_INTERLEAVED=<rounds>`: instead of criterion, the needs workload at 50k
/// agents every 8 ticks with the cache on (the default), the same with the cache off,
/// and the four-pass floor take turns, 5 updates each per round; each one's median and
/// fastest update are printed. The needs rise every tick, so the cache never hits here:
/// the difference is what checking it costs.
fn interleaved(rounds: usize) {
    let mut uncached = staggered();
    uncached.cache.enabled = false;
    let mut cases = [
        ("cache on", cohort_needs(50_000, staggered())),
        ("cache off", cohort_needs(50_000, uncached)),
        ("four passes by hand", floor_app(50_000)),
    ];
    let mut apps: Vec<&mut App> = cases.iter_mut().map(|(_, app)| app).collect();
    let times = take_turns(&mut apps, rounds, 5);
    println!("needs 50k, every 8 ticks, {rounds} rounds of 5 updates: median, fastest");
    for ((label, _), times) in cases.iter().zip(&times) {
        println!(
            "  {label}: {:.3} ms, {:.3} ms",
            times.median.as_secs_f64() * 1e3,
            times.fastest.as_secs_f64() * 1e3
        );
    }
}

/// Runs the needs workload at 50k agents, thinking every 8 ticks, for `ticks` updates
/// after the warm-up and nothing else: a fixed amount of work for tools that count
/// instructions or simulate caches (`valgrind --tool=cachegrind`), where criterion's
/// timed loop would not end. `AI_BENCH_CASE=floor` runs the floor beside it instead,
/// `AI_BENCH_CASE=every_tick` the agents thinking every tick.
fn run_ticks(ticks: u32) {
    let (label, mut app) = match std::env::var("AI_BENCH_CASE").as_deref() {
        Ok("floor") => ("four passes by hand", floor_app(50_000)),
        Ok("every_tick") => ("every tick", cohort_needs(50_000, every_tick())),
        _ => ("every 8 ticks", cohort_needs(50_000, staggered())),
    };
    let start = Instant::now();
    for _ in 0..ticks {
        app.update();
    }
    println!(
        "needs 50k, {label}: {ticks} updates in {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}

fn ai(c: &mut Criterion) {
    // `AI_BENCH_FIGURES=0` skips the printed figures (for profiling one case);
    // `AI_BENCH_SYSTEMS=1` prints where a tick goes, system by system, instead of the
    // update timings (the scoring core, a group of its own, still runs);
    // `AI_BENCH_TICKS=n` runs n updates of the every-8-ticks case at 50k and no bench
    // (`AI_BENCH_CASE=floor` or `every_tick`: of another case, see `run_ticks`).
    if std::env::var("AI_BENCH_SYSTEMS").as_deref() == Ok("1") {
        print_systems();
        return;
    }
    if let Some(rounds) = env_number("AI_BENCH_INTERLEAVED") {
        interleaved(rounds);
        return;
    }
    if let Some(ticks) = env_number("AI_BENCH_TICKS") {
        run_ticks(ticks);
        return;
    }
    if std::env::var("AI_BENCH_FIGURES").as_deref() != Ok("0") {
        print_figures();
    }
    for agents in [1_000u32, 10_000, 50_000, 100_000] {
        let mut group = update_group(c, &format!("ai_needs_{}k", agents / 1_000));
        let id = BenchmarkId::from_parameter;
        bench_updates(
            &mut group,
            id("cohort_ai"),
            cohort_needs(agents, every_tick()),
        );
        bench_updates(&mut group, id("plain_par_iter"), plain_needs(agents));
        if agents >= 50_000 {
            let app = cohort_needs(agents, staggered());
            bench_updates(&mut group, id("cohort_ai_every_8_ticks"), app);
            let floor = floor_app(agents);
            bench_updates(&mut group, id("four_passes_by_hand_every_8_ticks"), floor);
        }
        group.finish();
    }
    for agents in [10_000u32, 100_000] {
        let mut group = update_group(c, &format!("ai_targets_{}k", agents / 1_000));
        let app = cohort_targets(agents);
        bench_updates(&mut group, BenchmarkId::from_parameter("cohort_ai"), app);
        group.finish();
    }
    let mut group = update_group(c, "ai_budget_100k_2ms");
    let app = cohort_needs(
        100_000,
        AiConfig {
            max_micros_per_tick: Some(2_000.0),
            ..every_tick()
        },
    );
    bench_updates(&mut group, BenchmarkId::from_parameter("cohort_ai"), app);
    group.finish();
    let mut group = c.benchmark_group("ai_crossover");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    for agents in [128u32, 256, 512, 1_024, 2_048, 4_096] {
        for (name, parallel_from) in [("serial", usize::MAX), ("parallel", 0)] {
            let config = AiConfig {
                parallel_from,
                ..every_tick()
            };
            let app = cohort_needs(agents, config);
            bench_updates(&mut group, BenchmarkId::new(name, agents), app);
        }
    }
    group.finish();
}

criterion_group!(benches, scoring_core, ai);
criterion_main!(benches);
