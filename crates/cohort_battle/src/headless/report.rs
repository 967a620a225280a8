//! The runner's JSON report.

use std::collections::BTreeMap;

use cohort_actions::{ActionCounts, PoolSummary};
use cohort_ai::AiSummary;
use cohort_events::EventTypeSummary;
use cohort_profiler::{ProfileReport, nearest_rank};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::health::hp_to_points;
use crate::outcome::BattleLedger;

/// Tick times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct TickTimes {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest tick.
    pub max: f64,
}

impl TickTimes {
    /// Summarizes tick times given in milliseconds; sorts them in place.
    pub fn from_millis(times: &mut [f64]) -> Self {
        if times.is_empty() {
            return Self::default();
        }
        times.sort_by(f64::total_cmp);
        Self {
            mean: times.iter().sum::<f64>() / times.len() as f64,
            p50: nearest_rank(times, 0.50).unwrap_or_default(),
            p95: nearest_rank(times, 0.95).unwrap_or_default(),
            p99: nearest_rank(times, 0.99).unwrap_or_default(),
            max: times[times.len() - 1],
        }
    }
}

/// How the battle ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReport {
    /// One team was left.
    Victory,
    /// Nobody was left.
    Draw,
    /// The tick limit came first.
    TickLimit,
}

/// The battle's books, in points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerReport {
    /// Attacks that landed.
    pub attacks: u64,
    /// Damage after armor, including damage over time.
    pub damage_after_armor: f64,
    /// Of that, absorbed by shields.
    pub absorbed_by_shields: f64,
    /// Of that, past zero health.
    pub overkill: f64,
    /// Health lost.
    pub health_lost: f64,
    /// Health healed.
    pub healing: f64,
    /// Effects put on units.
    pub effects_applied: u64,
    /// Times derived stats were recomputed.
    pub stat_recomputes: u64,
}

impl From<&BattleLedger> for LedgerReport {
    fn from(ledger: &BattleLedger) -> Self {
        Self {
            attacks: ledger.attacks,
            damage_after_armor: hp_to_points(ledger.damage_after_armor),
            absorbed_by_shields: hp_to_points(ledger.absorbed_by_shields),
            overkill: hp_to_points(ledger.overkill),
            health_lost: hp_to_points(ledger.health_lost),
            healing: hp_to_points(ledger.healing),
            effects_applied: ledger.effects_applied,
            stat_recomputes: ledger.stat_recomputes,
        }
    }
}

/// The pools' use. Taken after the battle is torn down (every unit despawned): a `live`
/// of 0 says every slot came back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PoolsReport {
    /// The battle's order pool.
    pub actions: ActionPoolReport,
}

/// The order pool after the teardown, and its live slots just before it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ActionPoolReport {
    /// Size and use after the teardown.
    #[serde(flatten)]
    pub pool: PoolSummary,
    /// Slots in use when the battle ended, before its units despawned.
    pub live_before_teardown: u32,
}

/// What happened to the battle's orders.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ActionsReport {
    /// Counters since the start.
    #[serde(flatten)]
    pub counts: ActionCounts,
    /// Ticks from an order's writing to its start, 95th percentile.
    pub latency_ticks_p95: u64,
}

/// What `--report` writes. Later plugins add fields; existing ones keep their names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file.
    pub scenario_path: String,
    /// Units at the start.
    pub units: u64,
    /// Ticks run.
    pub ticks: u64,
    /// The tick limit in force.
    pub tick_limit: u64,
    /// Threads in Bevy's compute task pool.
    pub threads: usize,
    /// The seed in force.
    pub seed: u64,
    /// The winning team's name, on victory.
    pub winner: Option<String>,
    /// Why the battle ended.
    pub end: EndReport,
    /// Living units per team, by team name, in scenario order.
    pub survivors: Map<String, Value>,
    /// The world hash at the end, 16 hex digits.
    pub world_hash: String,
    /// Simulation tick times in milliseconds.
    pub tick_ms: TickTimes,
    /// Ticks per second of wall-clock time, frame overhead included.
    pub ticks_per_second: f64,
    /// Wall-clock seconds of the tick loop.
    pub wall_seconds: f64,
    /// The battle's books.
    pub ledger: LedgerReport,
    /// Each batched event type's figures, by type name: `sent`, `delivered`, `dropped`
    /// (`sent = delivered + dropped`), `coalesced`, `per_tick_p95`, `batch_max`,
    /// `flush_us_p95`, `latency_ticks_p95`, `growths`.
    pub events: BTreeMap<String, EventTypeSummary>,
    /// `actions`: the order pool's `capacity`, `live`, `high_water`, `growths`, after the
    /// teardown, and `live_before_teardown`.
    pub pools: PoolsReport,
    /// The orders' counts (`enqueued`, `started`, `finished`, `cancelled`, `timed_out`,
    /// `interrupted`, `rejected`, ...) and `latency_ticks_p95`.
    pub actions: ActionsReport,
    /// The AI's figures: `decisions`, `due`, `evaluated`, `cache_hit_ratio`,
    /// `budget_used_p95`, `staleness_ticks_max`, `eval_us_p95`, `decisions_per_tick_p95`,
    /// `considerations`, `deferred`, `forced`.
    pub ai: AiSummary,
    /// The profiler's figures, at the report's top level: `frame_ms`, `allocations`,
    /// `systems` (Bevy's and cohort's, slowest first), `schedules`, `hitches`,
    /// `budget_violations`, `worst_offenders` and the rest of [`ProfileReport`].
    #[serde(flatten)]
    pub profile: ProfileReport,
}

impl RunReport {
    /// A short summary for people, a few lines.
    pub fn summary(&self) -> String {
        let survivors: Vec<String> = self
            .survivors
            .iter()
            .map(|(team, count)| format!("{team} {count}"))
            .collect();
        let ending = match (&self.end, &self.winner) {
            (EndReport::Victory, Some(winner)) => {
                format!("{winner} won after {} ticks", self.ticks)
            }
            (EndReport::Draw, _) => format!("draw: nobody left after {} ticks", self.ticks),
            _ => format!("undecided at the tick limit of {} ticks", self.ticks),
        };
        let t = &self.tick_ms;
        let a = &self.profile.allocations;
        let slowest: Vec<String> = self
            .profile
            .systems
            .iter()
            .filter(|system| !system.runs_schedules)
            .take(3)
            .map(|system| format!("{} {:.0} us", short_name(&system.name), system.mean_us))
            .collect();
        format!(
            "{}: {} units, {} threads, seed {}\n{ending}; survivors: {}\n\
             tick {:.3} ms mean, {:.3} p50, {:.3} p95, {:.3} p99, {:.3} max; {:.0} ticks/s\n\
             slowest systems: {}\n\
             allocations per tick {:.1}: floor {:.1}, by systems {:.1} (one par_iter allocates {:.1}); \
             {} hitches, {} budget violations\n\
             orders: {} started, {} finished, {} cancelled, {} timed out, {} interrupted, {} rejected; \
             pool {} of {} slots at the end, {} after teardown, {} growths\n\
             ai: {} decisions ({:.0}% from cache), budget used p95 {:.0}%, longest wait {} ticks, \
             scoring p95 {:.0} us\n\
             world hash {}",
            self.scenario,
            self.units,
            self.threads,
            self.seed,
            survivors.join(", "),
            t.mean,
            t.p50,
            t.p95,
            t.p99,
            t.max,
            self.ticks_per_second,
            slowest.join(", "),
            a.per_tick_steady,
            a.floor_per_tick,
            a.above_floor_per_tick,
            a.par_iter.mean,
            self.profile.hitches,
            self.profile.budget_violations,
            self.actions.counts.started,
            self.actions.counts.finished,
            self.actions.counts.cancelled,
            self.actions.counts.timed_out,
            self.actions.counts.interrupted,
            self.actions.counts.rejected,
            self.pools.actions.live_before_teardown,
            self.pools.actions.pool.capacity,
            self.pools.actions.pool.live,
            self.pools.actions.pool.growths,
            self.ai.decisions,
            self.ai.cache_hit_ratio * 100.0,
            self.ai.budget_used_p95.unwrap_or(0.0) * 100.0,
            self.ai.staleness_ticks_max,
            self.ai.eval_us_p95,
            self.world_hash,
        )
    }
}

/// `cohort_battle::systems::act::attack` as `act::attack`.
fn short_name(name: &str) -> &str {
    // A generic system's type arguments go: `advance_action_queues<..Order>` reads as
    // `systems::advance_action_queues`.
    let name = name.split('<').next().unwrap_or(name);
    let mut cuts = name.rmatch_indices("::").map(|(at, _)| at);
    match (cuts.next(), cuts.next()) {
        (Some(_), Some(second)) => &name[second + 2..],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn short_names_keep_the_module_and_drop_type_arguments() {
        assert_eq!(
            short_name("cohort_battle::ai::sense_battle"),
            "ai::sense_battle"
        );
        assert_eq!(
            short_name(
                "cohort_actions::systems::advance_action_queues<cohort_battle::orders::Order>"
            ),
            "systems::advance_action_queues"
        );
        assert_eq!(short_name("run"), "run");
    }
}
