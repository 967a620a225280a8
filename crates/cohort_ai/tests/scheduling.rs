//! Budget, staggering, staleness, urgency and the cache, tick by tick.

mod common;

use std::collections::HashMap;

use bevy::prelude::*;
use cohort_ai::needs::Satisfied;
use cohort_ai::{AiAgent, AiConfig, AiInputs, AiStats, CacheConfig, Decision, DecisionMakerId};
use cohort_sim::{SimAppExt, SimIdAllocator, SimTick};
use common::{bare_app, needs_app};

fn no_cache() -> CacheConfig {
    CacheConfig {
        enabled: false,
        ..CacheConfig::default()
    }
}

/// Ticks of each agent's decisions, keyed by entity, over `ticks` ticks.
fn decision_ticks(app: &mut App, ticks: u64) -> HashMap<Entity, Vec<u64>> {
    let mut seen: HashMap<Entity, Vec<u64>> = HashMap::new();
    for _ in 0..ticks {
        app.run_sim_ticks(1);
        let tick = app.world().resource::<SimTick>().get() - 1;
        let mut decisions = app.world_mut().query::<(Entity, &Decision)>();
        for (entity, decision) in decisions.iter(app.world()) {
            if decision.is_fresh(tick) {
                seen.entry(entity).or_default().push(tick);
            }
        }
    }
    seen
}

#[test]
fn staggered_agents_think_every_n_ticks_with_a_flat_load() {
    let config = AiConfig {
        think_every: [8, 8, 8, 8],
        cache: no_cache(),
        ..AiConfig::default()
    };
    let (mut app, _) = needs_app(1, 2_000, config);
    let seen = decision_ticks(&mut app, 80);
    assert_eq!(seen.len(), 2_000, "every agent decided");
    for (entity, ticks) in &seen {
        assert_eq!(ticks[0], 0, "{entity}: the first decision comes at once");
        for pair in ticks[1..].windows(2) {
            assert_eq!(pair[1] - pair[0], 8, "{entity}: every 8 ticks: {ticks:?}");
        }
        assert!(
            ticks[1] <= 8,
            "{entity}: second decision within 8 ticks: {ticks:?}"
        );
    }
    // After the first tick, each tick takes about an eighth of the agents.
    let mut per_tick = [0u32; 80];
    for ticks in seen.values() {
        for &tick in ticks {
            per_tick[tick as usize] += 1;
        }
    }
    assert_eq!(per_tick[0], 2_000);
    for (tick, count) in per_tick.iter().enumerate().skip(9) {
        assert!(
            (170..=330).contains(count),
            "tick {tick}: {count} decisions"
        );
    }
}

#[test]
fn a_budget_defers_the_rest_and_nobody_waits_past_the_bound() {
    let config = AiConfig {
        max_decisions_per_tick: Some(100),
        think_every: [1, 1, 1, 1],
        max_staleness_ticks: 40,
        cache: no_cache(),
        ..AiConfig::default()
    };
    // 1,000 agents want a decision every tick; 100 fit.
    let (mut app, _) = needs_app(1, 1_000, config);
    let seen = decision_ticks(&mut app, 120);
    let stats = app.world().resource::<AiStats>();
    let figures = *stats.last_tick();
    assert_eq!(figures.due, 1_000);
    assert_eq!(figures.limit, Some(100));
    // The budget's 100, or the forced alone when more than that waited the bound.
    assert_eq!(figures.selected, figures.forced.max(100), "{figures:?}");
    assert_eq!(seen.len(), 1_000, "every agent decided");
    let mut worst = 0;
    for ticks in seen.values() {
        assert!(ticks[0] < 40, "first decision within the bound: {ticks:?}");
        for pair in ticks.windows(2) {
            worst = worst.max(pair[1] - pair[0]);
        }
    }
    assert!(
        worst <= 40,
        "the longest wait {worst} ticks is within the bound"
    );
    assert!(worst >= 9, "the budget made agents wait: {worst}");
    let summary = stats.summary();
    assert!(summary.staleness_ticks_max <= 40, "{summary:?}");
    assert_eq!(summary.budget_used_p95, Some(1.0), "{summary:?}");
    assert_eq!(
        summary.decisions,
        seen.values().map(|t| t.len() as u64).sum::<u64>()
    );
    assert!(summary.deferred > 100_000, "{summary:?}");
}

#[test]
fn urgent_agents_jump_the_line() {
    let config = AiConfig {
        max_decisions_per_tick: Some(10),
        think_every: [1, 1, 1, 1],
        cache: no_cache(),
        ..AiConfig::default()
    };
    let (mut app, _) = needs_app(1, 500, config);
    app.run_sim_ticks(5);
    let mut agents = app.world_mut().query::<(Entity, &mut AiAgent)>();
    let chosen: Vec<Entity> = agents
        .iter_mut(app.world_mut())
        .step_by(50)
        .map(|(entity, mut agent)| {
            agent.make_urgent();
            entity
        })
        .collect();
    assert_eq!(chosen.len(), 10);
    app.run_sim_ticks(1);
    let tick = app.world().resource::<SimTick>().get() - 1;
    for entity in chosen {
        let decision = app.world().get::<Decision>(entity).unwrap();
        assert!(
            decision.is_fresh(tick),
            "{entity} was urgent and decided on tick {tick}"
        );
    }
}

#[test]
fn the_cache_reuses_decisions_until_inputs_change_or_they_age() {
    let config = AiConfig {
        think_every: [1, 1, 1, 1],
        cache: CacheConfig {
            enabled: true,
            quantum: 0.1,
            max_age_ticks: 4,
        },
        ..AiConfig::default()
    };
    let (mut app, maker) = bare_app(1, config);
    // Agents whose inputs nobody changes: scored, then reused until the decision is 4
    // ticks old.
    let agents: Vec<Entity> = (0..100)
        .map(|index| {
            let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
            let mut inputs = AiInputs::default();
            inputs.set(index % 4, 0.9);
            app.world_mut()
                .spawn((id, AiAgent::new(maker), inputs))
                .id()
        })
        .collect();
    app.run_sim_ticks(40);
    let summary = app.world().resource::<AiStats>().summary();
    assert_eq!(summary.decisions, 100 * 40);
    assert_eq!(
        summary.evaluated,
        100 * 10,
        "scored on ticks 0, 4, 8, ...: {summary:?}"
    );
    assert!((summary.cache_hit_ratio - 0.75).abs() < 1e-9, "{summary:?}");
    // Tick 40 scores everyone again (age 4); then a change within the quantum keeps the
    // cache and a larger one does not.
    app.run_sim_ticks(1);
    for (index, entity) in agents.iter().enumerate() {
        let mut inputs = app.world_mut().get_mut::<AiInputs>(*entity).unwrap();
        let slot = index % 4;
        let nudge = if index < 50 { 0.02 } else { -0.5 };
        inputs.set(slot, 0.9 + nudge);
    }
    let before = *app.world().resource::<AiStats>().totals();
    app.run_sim_ticks(1);
    let after = *app.world().resource::<AiStats>().totals();
    assert_eq!(
        after.evaluated - before.evaluated,
        50,
        "the changed half was scored"
    );
    // Urgency drops the cached decision.
    for entity in &agents {
        app.world_mut()
            .get_mut::<AiAgent>(*entity)
            .unwrap()
            .make_urgent();
    }
    let before = after;
    app.run_sim_ticks(1);
    let after = *app.world().resource::<AiStats>().totals();
    assert_eq!(
        after.evaluated - before.evaluated,
        100,
        "every urgent agent was scored"
    );
    assert_eq!(after.cache_hits, before.cache_hits);
}

#[test]
fn an_unknown_decision_maker_is_counted_not_a_panic() {
    let (mut app, _) = bare_app(1, AiConfig::default());
    let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
    let agent = app
        .world_mut()
        .spawn((id, AiAgent::new(DecisionMakerId(42))))
        .id();
    app.run_sim_ticks(3);
    assert_eq!(app.world().resource::<AiStats>().totals().unknown_makers, 3);
    assert_eq!(
        app.world().get::<Decision>(agent).unwrap().decided_at(),
        None
    );
}

#[test]
fn agents_of_an_unknown_decision_maker_take_no_place_in_the_budget() {
    let config = AiConfig {
        max_decisions_per_tick: Some(10),
        think_every: [1, 1, 1, 1],
        max_staleness_ticks: 2,
        cache: no_cache(),
        ..AiConfig::default()
    };
    let (mut app, _) = needs_app(1, 10, config);
    for _ in 0..50 {
        let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
        app.world_mut()
            .spawn((id, AiAgent::new(DecisionMakerId(42))));
    }
    app.run_sim_ticks(20);
    let stats = app.world().resource::<AiStats>();
    let last = *stats.last_tick();
    assert_eq!(
        (last.due, last.selected, last.forced),
        (10, 10, 0),
        "{last:?}"
    );
    assert_eq!(last.evaluated + last.cache_hits, 10, "the ten known agents");
    assert_eq!(last.unknown_makers, 50);
    assert_eq!(stats.totals().forced, 0, "never past the bound: never due");
    assert_eq!(stats.totals().unknown_makers, 50 * 20);
}

#[test]
fn the_needs_rule_satisfies_needs() {
    let (mut app, _) = needs_app(
        1,
        100,
        AiConfig {
            think_every: [1, 1, 1, 1],
            ..AiConfig::default()
        },
    );
    app.run_sim_ticks(50);
    let mut satisfied = app.world_mut().query::<&Satisfied>();
    let total: u32 = satisfied.iter(app.world()).map(|s| s.0).sum();
    // Each need reaches 0.8 in at most 8 ticks and four needs compete for one choice a
    // tick: every agent is satisfied many times.
    assert!(total >= 100 * 15, "{total}");
    assert!(satisfied.iter(app.world()).all(|s| s.0 >= 10));
}
