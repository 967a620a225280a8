//! The headless runner's report and CSV carry the profiler's figures: Bevy's and cohort's
//! systems with time and allocations per run, the allocation floor apart, hitches and
//! budget violations.

mod common;

use cohort_alloc::CountingAllocator;
use cohort_battle::headless::{HeadlessArgs, run_battle};
use common::{ScratchAssets, repo_assets};
use serde_json::Value;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[test]
fn the_report_and_csv_list_every_system_and_the_floor() {
    let out = ScratchAssets::new("runner-report");
    let report_path = out.root.join("report.json");
    let csv_path = out.root.join("systems.csv");
    let args = HeadlessArgs {
        scenario: repo_assets().join("scenarios/skirmish.ron"),
        units: Some(1_000),
        ticks: Some(120),
        threads: Some(2),
        report: Some(report_path.clone()),
        csv: Some(csv_path.clone()),
        budgets: repo_assets().join("budgets.ron"),
        progress: false,
        ..HeadlessArgs::default()
    };
    let report = run_battle(&args, |_| {}).unwrap_or_else(|error| panic!("{error}"));
    assert!(report.profile.allocations.counting);
    assert!(
        report.profile.allocations.floor_per_tick > 0.0,
        "the executors allocate"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    for field in [
        "per_tick_steady",
        "bytes_per_tick_steady",
        "floor_per_tick",
        "above_floor_per_tick",
    ] {
        assert!(
            json["allocations"][field].is_number(),
            "allocations.{field}"
        );
    }
    // Every batched event type, with nothing lost: sent = delivered + dropped, no drops.
    for event in ["Damage", "EffectCast", "Death"] {
        let stats = &json["events"][event];
        let sent = stats["sent"]
            .as_u64()
            .unwrap_or_else(|| panic!("events.{event}"));
        assert_eq!(stats["dropped"].as_u64(), Some(0), "{event}");
        assert_eq!(stats["delivered"].as_u64(), Some(sent), "{event}");
    }
    assert!(
        json["events"]["Damage"]["sent"].as_u64() > Some(100),
        "the armies met"
    );
    // The orders: every field, and every slot back after the teardown.
    for field in [
        "capacity",
        "live",
        "high_water",
        "growths",
        "live_before_teardown",
    ] {
        assert!(
            json["pools"]["actions"][field].is_u64(),
            "pools.actions.{field}"
        );
    }
    assert_eq!(json["pools"]["actions"]["live"].as_u64(), Some(0));
    for field in [
        "enqueued",
        "started",
        "finished",
        "cancelled",
        "timed_out",
        "rejected",
        "latency_ticks_p95",
    ] {
        assert!(json["actions"][field].is_u64(), "actions.{field}");
    }
    assert!(
        report.actions.counts.started >= 1_000,
        "every unit got an order"
    );
    assert_eq!(
        report.actions.latency_ticks_p95, 0,
        "decided and started in one tick"
    );
    // The AI: every field, every unit decided, within the battle's staleness bound.
    for field in [
        "decisions",
        "due",
        "evaluated",
        "staleness_ticks_max",
        "decisions_per_tick_p95",
        "considerations",
        "deferred",
        "forced",
    ] {
        assert!(json["ai"][field].is_u64(), "ai.{field}");
    }
    for field in ["cache_hit_ratio", "budget_used_p95", "eval_us_p95"] {
        assert!(json["ai"][field].is_number(), "ai.{field}");
    }
    assert!(
        report.ai.decisions >= report.units,
        "every unit decided: {:?}",
        report.ai
    );
    assert!(report.ai.evaluated <= report.ai.decisions);
    let bound = cohort_battle::ai::battle_ai_config(report.units).max_staleness_ticks;
    assert!(
        report.ai.staleness_ticks_max <= u64::from(bound),
        "{:?}",
        report.ai
    );
    assert!(
        report.ai.budget_used_p95.is_some_and(|used| used <= 1.0),
        "{:?}",
        report.ai
    );
    assert!(json["hitches"].is_u64());
    assert!(json["budget_violations"].is_u64());
    let systems = json["systems"].as_array().unwrap();
    let names: Vec<&str> = systems
        .iter()
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().any(|name| name.starts_with("bevy_time::")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|name| name.ends_with("rebuild_spatial_grid"))
    );
    for row in systems {
        for field in ["runs", "mean_us", "p95_us", "max_us", "allocs_per_run"] {
            assert!(row[field].is_number(), "{row}: {field}");
        }
    }
    let totals: Vec<f64> = systems
        .iter()
        .map(|row| row["total_ms"].as_f64().unwrap())
        .collect();
    assert!(
        totals.windows(2).all(|pair| pair[0] >= pair[1]),
        "sorted by total time"
    );

    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with("name,schedule,phase,runs,"));
    assert_eq!(csv.lines().count(), systems.len() + 1);
    let frames = std::fs::read_to_string(out.root.join("systems.frames.csv")).unwrap();
    assert_eq!(
        frames.lines().count(),
        120 + 1,
        "one line per frame after the first"
    );
}

/// A battle fought to the end: the dead gave their order slots back as they fell, the
/// survivors hold one current order (and few queued) each, and after the teardown none is
/// live.
#[test]
fn a_battle_to_the_end_leaves_no_live_order_slot() {
    let args = HeadlessArgs {
        scenario: repo_assets().join("scenarios/duel.ron"),
        threads: Some(2),
        budgets: repo_assets().join("budgets.ron"),
        progress: false,
        ..HeadlessArgs::default()
    };
    let report = run_battle(&args, |_| {}).unwrap_or_else(|error| panic!("{error}"));
    assert!(report.winner.is_some(), "the duel ends: {:?}", report.end);
    let survivors: u64 = report
        .survivors
        .values()
        .filter_map(|alive| alive.as_u64())
        .sum();
    let pool = report.pools.actions;
    assert!(
        u64::from(pool.live_before_teardown) <= survivors * 5,
        "{} slots live for {survivors} survivors",
        pool.live_before_teardown
    );
    assert_eq!(pool.pool.live, 0);
    assert_eq!(pool.pool.growths, 0);
    assert!(
        report.actions.counts.discarded > 0,
        "the dead gave slots back"
    );
    assert_eq!(report.actions.counts.rejected, 0);
}
