//! The same decisions on 1 and 4 threads, under a budget that defers most agents: every
//! tick's decisions hash the same.
//!
//! Bevy's task pools are global to a process, so each thread count runs in a child
//! process: this test binary started again with `COHORT_AI_THREADS` set.

mod common;

use bevy::prelude::*;
use cohort_ai::needs::Needs;
use cohort_ai::{AiConfig, Decision};
use cohort_sim::{SimAppExt, SimId, StateHasher, run_test_in_child};
use common::needs_app;

const CHILD_ENV: &str = "COHORT_AI_THREADS";

/// Runs in the child only: prints a hash of every agent's decision and needs, each tick.
#[test]
fn child_needs() {
    let Ok(threads) = std::env::var(CHILD_ENV) else {
        return;
    };
    let threads: usize = threads.parse().expect("thread count");
    let config = AiConfig {
        max_decisions_per_tick: Some(3_000),
        parallel_from: 64,
        ..AiConfig::default()
    };
    let (mut app, _) = needs_app(threads, 20_000, config);
    let mut hasher = StateHasher::new();
    let mut agents = app.world_mut().query::<(&SimId, &Decision, &Needs)>();
    for _ in 0..30 {
        app.run_sim_ticks(1);
        let mut rows: Vec<_> = agents
            .iter(app.world())
            .map(|(id, decision, needs)| {
                (
                    id.0,
                    decision.option(),
                    decision.decided_at(),
                    decision.score().to_bits(),
                    needs.0.map(f32::to_bits),
                )
            })
            .collect();
        rows.sort_unstable_by_key(|row| row.0);
        for (id, option, at, score, needs) in rows {
            hasher.write_u64(id);
            hasher.write_u64(option.map_or(u64::MAX, u64::from));
            hasher.write_u64(at.unwrap_or(u64::MAX));
            hasher.write_u64(u64::from(score));
            for need in needs {
                hasher.write_u64(u64::from(need));
            }
        }
    }
    assert_eq!(bevy::tasks::ComputeTaskPool::get().thread_num(), threads);
    println!("digest threads={threads} {:016x}", hasher.finish());
}

fn digest_on(threads: usize) -> String {
    let stdout = run_test_in_child("child_needs", &[(CHILD_ENV, threads.to_string())]);
    stdout
        .lines()
        .find_map(|line| line.split_once(&format!("digest threads={threads} ")))
        .map(|(_, digest)| digest.to_string())
        .unwrap_or_else(|| panic!("no digest from the child on {threads} threads:\n{stdout}"))
}

#[test]
fn decisions_are_the_same_on_1_and_4_threads() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    assert_eq!(digest_on(1), digest_on(4));
}
