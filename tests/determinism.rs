//! The same scenario and seed end in the same world hash on 1 and on 4 threads, and on two
//! runs in a row.
//!
//! Bevy's task pools are global to a process, so each thread count runs in a child process:
//! this test binary started again with `COHORT_CHILD_THREADS` set, running only
//! `child_battle`.

mod common;

use cohort_battle::headless::{HeadlessArgs, run_battle};
use cohort_sim::run_test_in_child;

const CHILD_ENV: &str = "COHORT_CHILD_THREADS";

fn child_args(threads: usize) -> HeadlessArgs {
    HeadlessArgs {
        scenario: common::repo_assets().join("scenarios/skirmish.ron"),
        units: Some(3_000),
        ticks: Some(400),
        threads: Some(threads),
        progress: false,
        ..HeadlessArgs::default()
    }
}

/// Runs in the child only: two battles in a row, printing each world hash.
#[test]
fn child_battle() {
    let Ok(threads) = std::env::var(CHILD_ENV) else {
        return;
    };
    let threads: usize = threads.parse().expect("thread count");
    for run in 0..2 {
        let report = run_battle(&child_args(threads), |_| {}).expect("skirmish runs");
        assert_eq!(report.threads, threads, "compute pool size");
        assert!(
            report.ledger.attacks > 1_000,
            "the armies met: {:?}",
            report.ledger
        );
        println!("hash run={run} threads={threads} {}", report.world_hash);
    }
}

fn hashes_on(threads: usize) -> Vec<String> {
    run_test_in_child("child_battle", &[(CHILD_ENV, threads.to_string())])
        .lines()
        .filter(|line| line.contains("hash run="))
        .map(|line| line.rsplit(' ').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn same_world_hash_on_one_and_four_threads_and_twice_in_a_row() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let one = hashes_on(1);
    let four = hashes_on(4);
    assert_eq!(one.len(), 2, "two runs on 1 thread: {one:?}");
    assert_eq!(four.len(), 2, "two runs on 4 threads: {four:?}");
    assert!(
        one.iter().all(|hash| hash.len() == 16),
        "16 hex digits: {one:?}"
    );
    assert_eq!(one[0], one[1], "twice in a row on 1 thread");
    assert_eq!(four[0], four[1], "twice in a row on 4 threads");
    assert_eq!(one[0], four[0], "1 thread against 4");
}
