//! `AiStats`: what the AI did, per tick and since the start, for reports and the overlay.

use bevy::ecs::resource::Resource;
use cohort_sim::nearest_rank;
use serde::Serialize;

/// Ticks the per-tick percentiles look back over.
pub const STATS_WINDOW: usize = 256;

/// Counters since the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AiTotals {
    /// Decisions made: scored, or confirmed from the cache.
    pub decisions: u64,
    /// Of those, scored.
    pub evaluated: u64,
    /// Of those, reused from the cache.
    pub cache_hits: u64,
    /// Considerations scored.
    pub considerations: u64,
    /// Agents due on a tick whose budget was spent, so they waited (counted per tick):
    /// past the decision limit, or left when the time budget ran out.
    pub deferred: u64,
    /// Agents scored over the budget because they had waited the staleness bound.
    pub forced: u64,
    /// Agents skipped because their decision maker id names none (counted per tick).
    pub unknown_makers: u64,
}

/// One tick's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AiTickFigures {
    /// The tick.
    pub tick: u64,
    /// Agents due.
    pub due: u32,
    /// Agents selected (the budget's share of the due, plus the forced).
    pub selected: u32,
    /// Of the selected, scored.
    pub evaluated: u32,
    /// Of the selected, from the cache.
    pub cache_hits: u32,
    /// Of the selected, forced past the staleness bound, whatever the budget.
    pub forced: u32,
    /// Agents whose decision maker id names none: never due, never scored.
    pub unknown_makers: u32,
    /// The decision limit in force, `None` for none.
    pub limit: Option<u32>,
    /// Microseconds the scoring pass took.
    pub eval_us: f32,
    /// The longest any selected agent had waited since its last decision, in ticks.
    pub staleness_ticks: u64,
    /// Of the selected, left for a later tick because the time budget ran out during the
    /// pass (the decision count it was turned into was too many this tick).
    pub out_of_time: u32,
}

impl AiTickFigures {
    /// Agents due that waited for a later tick: past the decision limit, or left when the
    /// time budget ran out.
    pub fn deferred(&self) -> u32 {
        self.due.saturating_sub(self.selected) + self.out_of_time
    }
}

/// The AI's figures as a report shows them: `ai {decisions, due, cache_hit_ratio,
/// budget_used_p95, staleness_ticks_max, eval_us_p95}` and more.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AiSummary {
    /// Decisions since the start.
    pub decisions: u64,
    /// Agents due since the start (an agent deferred for two ticks counts twice).
    pub due: u64,
    /// Scored decisions since the start.
    pub evaluated: u64,
    /// Cache hits over decisions.
    pub cache_hit_ratio: f64,
    /// Selected over the decision limit, 95th percentile over the window; `None` with no
    /// limit.
    pub budget_used_p95: Option<f64>,
    /// The longest wait between two decisions of one agent since the start, in ticks.
    pub staleness_ticks_max: u64,
    /// Microseconds per scoring pass, 95th percentile over the window.
    pub eval_us_p95: f64,
    /// Decisions per tick, 95th percentile over the window.
    pub decisions_per_tick_p95: u32,
    /// Considerations scored since the start.
    pub considerations: u64,
    /// Agents deferred by the budget, summed over ticks.
    pub deferred: u64,
    /// Agents scored over the budget at the staleness bound.
    pub forced: u64,
}

/// The AI's figures: totals, the last tick, and a window of recent ticks.
#[derive(Resource, Debug, Clone)]
pub struct AiStats {
    totals: AiTotals,
    due_total: u64,
    last: AiTickFigures,
    staleness_max: u64,
    eval_us: [f32; STATS_WINDOW],
    budget_used: [f32; STATS_WINDOW],
    decisions: [u32; STATS_WINDOW],
    recorded: usize,
}

impl Default for AiStats {
    fn default() -> Self {
        Self {
            totals: AiTotals::default(),
            due_total: 0,
            last: AiTickFigures::default(),
            staleness_max: 0,
            eval_us: [0.0; STATS_WINDOW],
            budget_used: [f32::NAN; STATS_WINDOW],
            decisions: [0; STATS_WINDOW],
            recorded: 0,
        }
    }
}

impl AiStats {
    /// Counters since the start.
    pub fn totals(&self) -> &AiTotals {
        &self.totals
    }

    /// The last tick's figures.
    pub fn last_tick(&self) -> &AiTickFigures {
        &self.last
    }

    /// Adds one tick's figures (and its considerations, forced agents and skips).
    pub(crate) fn record(&mut self, figures: AiTickFigures, considerations: u64) {
        let decisions = figures.evaluated + figures.cache_hits;
        self.totals.decisions += u64::from(decisions);
        self.totals.evaluated += u64::from(figures.evaluated);
        self.totals.cache_hits += u64::from(figures.cache_hits);
        self.totals.considerations += considerations;
        self.totals.deferred += u64::from(figures.deferred());
        self.totals.forced += u64::from(figures.forced);
        self.totals.unknown_makers += u64::from(figures.unknown_makers);
        self.due_total += u64::from(figures.due);
        self.staleness_max = self.staleness_max.max(figures.staleness_ticks);
        let slot = self.recorded % STATS_WINDOW;
        self.eval_us[slot] = figures.eval_us;
        self.budget_used[slot] = figures.limit.map_or(f32::NAN, |limit| {
            figures.selected as f32 / limit.max(1) as f32
        });
        self.decisions[slot] = decisions;
        self.recorded += 1;
        self.last = figures;
    }

    /// The figures a report shows. Sorts a copy of the window on the stack: no allocation.
    pub fn summary(&self) -> AiSummary {
        let filled = self.recorded.min(STATS_WINDOW);
        let mut eval = self.eval_us;
        let eval = &mut eval[..filled];
        eval.sort_by(f32::total_cmp);
        let mut used = self.budget_used;
        let used = &mut used[..filled];
        used.sort_by(f32::total_cmp);
        let limited = used.iter().take_while(|value| !value.is_nan()).count();
        let mut decisions = self.decisions;
        let decisions = &mut decisions[..filled];
        decisions.sort_unstable();
        let totals = &self.totals;
        AiSummary {
            decisions: totals.decisions,
            due: self.due_total,
            evaluated: totals.evaluated,
            cache_hit_ratio: if totals.decisions == 0 {
                0.0
            } else {
                totals.cache_hits as f64 / totals.decisions as f64
            },
            budget_used_p95: nearest_rank(&used[..limited], 0.95).map(f64::from),
            staleness_ticks_max: self.staleness_max,
            eval_us_p95: nearest_rank(eval, 0.95).map_or(0.0, f64::from),
            decisions_per_tick_p95: nearest_rank(decisions, 0.95).unwrap_or(0),
            considerations: totals.considerations,
            deferred: totals.deferred,
            forced: totals.forced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_adds_up() {
        let mut stats = AiStats::default();
        for tick in 0..100u32 {
            stats.record(
                AiTickFigures {
                    tick: u64::from(tick),
                    due: 12,
                    selected: 10,
                    forced: 1,
                    evaluated: 6,
                    cache_hits: 4,
                    limit: Some(10),
                    eval_us: tick as f32,
                    staleness_ticks: u64::from(tick % 7),
                    out_of_time: 1,
                    ..AiTickFigures::default()
                },
                30,
            );
        }
        let summary = stats.summary();
        assert_eq!(summary.decisions, 1_000);
        assert_eq!(summary.due, 1_200);
        assert_eq!(
            summary.deferred, 300,
            "2 over the limit and 1 out of time a tick"
        );
        assert_eq!(summary.forced, 100);
        assert!((summary.cache_hit_ratio - 0.4).abs() < 1e-9);
        assert_eq!(summary.budget_used_p95, Some(1.0));
        assert_eq!(summary.eval_us_p95, 94.0);
        assert_eq!(summary.staleness_ticks_max, 6);
        assert_eq!(summary.decisions_per_tick_p95, 10);
        assert_eq!(summary.considerations, 3_000);
    }

    #[test]
    fn no_limit_reports_no_budget_use() {
        let mut stats = AiStats::default();
        stats.record(AiTickFigures::default(), 0);
        assert_eq!(stats.summary().budget_used_p95, None);
    }
}
