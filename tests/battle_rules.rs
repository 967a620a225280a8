//! The battle's rules, checked on outcomes: who wins, how much health is lost, when stats
//! are recomputed.

mod common;

use bevy::prelude::*;
use cohort_battle::{BattleLedger, BattleStatus, EndReason, Health, UnitTypes, load_scenario};
use cohort_sim::SimAppExt;
use common::{ScratchAssets, battle_app, repo_scenario, run_to_end, two_teams, unit_ron};

fn total_health(app: &mut App) -> i64 {
    let mut query = app.world_mut().query::<&Health>();
    query
        .iter(app.world())
        .map(|health| i64::from(health.current))
        .sum()
}

/// Σ health at spawn + healing − health lost = Σ health of the living, and health lost
/// = damage after armor − shields − overkill, exactly, in hundredths of a point.
fn assert_health_is_conserved(app: &mut App, spawned: i64, context: &str) {
    let living = total_health(app);
    let ledger = app.world().resource::<BattleLedger>().clone();
    assert_eq!(
        spawned + ledger.healing - ledger.health_lost,
        living,
        "{context}: spawn health + healing - lost must be the living's health; {ledger:?}"
    );
    assert_eq!(
        ledger.health_lost,
        ledger.damage_after_armor - ledger.absorbed_by_shields - ledger.overkill,
        "{context}: health lost must equal damage dealt after armor and shields; {ledger:?}"
    );
}

#[test]
fn fifty_against_fifty_ends_with_a_winner_and_health_is_conserved() {
    let scenario = repo_scenario("duel");
    assert_eq!(scenario.total_units(), 100);
    let limit = scenario.scenario.tick_limit;
    let mut app = battle_app(scenario);
    app.update(); // Startup spawns the teams.
    let spawned = total_health(&mut app);
    let mut units = app.world_mut().query::<&Health>();
    assert_eq!(units.iter(app.world()).count(), 100, "spawned");

    let ticks = run_to_end(&mut app, limit + 1);
    let status = app.world().resource::<BattleStatus>().clone();
    let outcome = status.outcome.expect("the duel ends");
    assert_eq!(
        outcome.reason,
        EndReason::Victory,
        "after {ticks} ticks: {status:?}"
    );
    assert!(
        outcome.ticks < limit,
        "won inside the limit, at tick {}",
        outcome.ticks
    );
    let winner = usize::from(outcome.winner.expect("a victory has a winner"));
    assert!(
        status.alive[winner] > 0 && status.alive[1 - winner] == 0,
        "{status:?}"
    );
    let deaths: u32 = app.world().resource::<BattleLedger>().deaths.iter().sum();
    assert_eq!(
        u64::from(deaths) + status.total_alive(),
        100,
        "every unit is alive or dead"
    );
    assert_health_is_conserved(&mut app, spawned, "duel");
}

#[test]
fn health_is_conserved_with_shields_heals_and_burns() {
    // The skirmish uses every effect: slows, burns, heals and shields.
    let scenario = repo_scenario("skirmish").scaled_to(600).expect("600 fits");
    let mut app = battle_app(scenario);
    app.update();
    let spawned = total_health(&mut app);
    app.run_sim_ticks(700);
    let ledger = app.world().resource::<BattleLedger>().clone();
    assert!(ledger.healing > 0, "clerics healed: {ledger:?}");
    assert!(
        ledger.absorbed_by_shields > 0,
        "guardians shielded: {ledger:?}"
    );
    assert!(
        ledger.effects_applied > 100,
        "effects were applied: {ledger:?}"
    );
    assert_health_is_conserved(&mut app, spawned, "skirmish at 600 units");
}

#[test]
fn armor_is_subtracted_from_each_attack() {
    let assets = ScratchAssets::new("armor");
    assets.unit("striker", &unit_ron(100.0, 0.0, 14.0, 1.0, ""));
    assets.unit("wall", &unit_ron(1000.0, 4.0, 0.0, 1.0, ""));
    let path = assets.scenario(
        "armor",
        &two_teams(
            &[("striker", 1)],
            &[("wall", 1)],
            "damage_variance: 0.0, tick_limit: 1000,",
        ),
    );
    let mut app = battle_app(load_scenario(&path).expect("valid scenario"));
    // About 90 ticks to walk 10 units at 3 per second, then one attack a second.
    app.run_sim_ticks(300);
    let ledger = app.world().resource::<BattleLedger>().clone();
    assert!(
        ledger.attacks >= 3,
        "the striker reached the wall: {ledger:?}"
    );
    // 14 damage - 4 armor = 10 points = 1000 hundredths per attack.
    assert_eq!(ledger.damage_after_armor, 1000 * ledger.attacks as i64);
    let mut query = app.world_mut().query::<&Health>();
    let wall = query.iter(app.world()).map(|health| health.current).max();
    assert_eq!(
        wall,
        Some(100_000 - 1000 * ledger.attacks as i32),
        "the wall's health"
    );
}

#[test]
fn stats_are_recomputed_only_when_effects_start_or_end() {
    let assets = ScratchAssets::new("slow");
    assets.unit(
        "slinger",
        &unit_ron(
            100.0,
            0.0,
            1.0,
            6.0,
            "on_hit: Some(Slow(factor: 0.5, seconds: 0.5)),",
        ),
    );
    assets.unit("wall", &unit_ron(100_000.0, 0.0, 0.0, 1.0, ""));
    let path = assets.scenario(
        "slow",
        &two_teams(&[("slinger", 1)], &[("wall", 1)], "tick_limit: 1000,"),
    );
    let mut app = battle_app(load_scenario(&path).expect("valid scenario"));
    assert_eq!(app.run_sim_ticks(300), 300);
    let ledger = app.world().resource::<BattleLedger>().clone();
    // Each slow lasts 15 ticks and the cooldown is 30: every slow starts and ends once.
    assert!(ledger.effects_applied >= 8, "slows landed: {ledger:?}");
    let changes = 2 * ledger.effects_applied;
    assert!(
        (changes - 1..=changes).contains(&(ledger.stat_recomputes - 2)),
        "2 at spawn plus one per start and end, not one per tick: {ledger:?}"
    );
    let types = app.world().resource::<UnitTypes>();
    assert_eq!(types.0.len(), 2);
}
