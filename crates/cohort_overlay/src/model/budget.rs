//! Budget states and the colours they are drawn in.

use cohort_profiler::{Budget, BudgetRecord, BudgetTarget};

/// How a system stands against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum BudgetState {
    /// No budget names the system.
    #[default]
    None,
    /// Under 80% of every limit.
    Within,
    /// Between 80% and 100% of a limit.
    Near,
    /// Over a limit.
    Over,
}

/// Share of a limit from which a system counts as [`BudgetState::Near`].
pub const NEAR_SHARE: f64 = 0.8;

impl BudgetState {
    /// The state of a system whose p95 run takes `p95_ms` and which allocates
    /// `allocations_per_run` above the floor, against `budget`.
    pub fn of(budget: &Budget, p95_ms: f64, allocations_per_run: f64) -> Self {
        let time = budget.ms.map_or(0.0, |limit| p95_ms / limit);
        let allocations = match budget.allocations {
            Some(0) if allocations_per_run > 0.0 => f64::INFINITY,
            Some(limit) if limit > 0 => allocations_per_run / limit as f64,
            _ => 0.0,
        };
        let share = time.max(allocations);
        if share > 1.0 {
            BudgetState::Over
        } else if share >= NEAR_SHARE {
            BudgetState::Near
        } else {
            BudgetState::Within
        }
    }

    /// The colour to draw it in, as sRGB: green, amber, red; `None` for the default text
    /// colour.
    pub fn color(self) -> Option<[u8; 3]> {
        match self {
            BudgetState::None => None,
            BudgetState::Within => Some(GOOD),
            BudgetState::Near => Some(WARN),
            BudgetState::Over => Some(BAD),
        }
    }

    /// A word for it.
    pub fn label(self) -> &'static str {
        match self {
            BudgetState::None => "–",
            BudgetState::Within => "ok",
            BudgetState::Near => "near",
            BudgetState::Over => "over",
        }
    }
}

/// Green, for figures within budget and a steady heap.
pub const GOOD: [u8; 3] = [90, 200, 110];
/// Amber, for figures near a limit.
pub const WARN: [u8; 3] = [235, 180, 60];
/// Red, for figures over a limit.
pub const BAD: [u8; 3] = [235, 85, 75];

/// The colour of a frame time against the frame budgets (ascending, in milliseconds):
/// within the first, between the first and the last, or over the last.
pub fn frame_time_color(ms: f64, budget_lines_ms: &[f64]) -> [u8; 3] {
    match (budget_lines_ms.first(), budget_lines_ms.last()) {
        (Some(&first), _) if ms <= first => GOOD,
        (_, Some(&last)) if ms <= last => WARN,
        (None, None) => GOOD,
        _ => BAD,
    }
}

/// The system budget that names `name` (fully, or by its last `::` segments), if any.
pub fn budget_for<'a>(records: &'a [BudgetRecord], name: &str) -> Option<&'a Budget> {
    records.iter().find_map(|record| match &record.target {
        BudgetTarget::System(pattern) if names_system(pattern, name) => Some(&record.budget),
        _ => None,
    })
}

/// Whether a budget's `pattern` names the system called `name`, as the profiler matches.
fn names_system(pattern: &str, name: &str) -> bool {
    name == pattern
        || name
            .strip_suffix(pattern)
            .is_some_and(|head| head.ends_with("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(ms: Option<f64>, allocations: Option<u64>) -> Budget {
        Budget { ms, allocations }
    }

    #[test]
    fn states_follow_the_worst_limit() {
        let time = budget(Some(1.0), None);
        assert_eq!(BudgetState::of(&time, 0.5, 10.0), BudgetState::Within);
        assert_eq!(BudgetState::of(&time, 0.8, 0.0), BudgetState::Near);
        assert_eq!(BudgetState::of(&time, 1.0, 0.0), BudgetState::Near);
        assert_eq!(BudgetState::of(&time, 1.01, 0.0), BudgetState::Over);
        let none = budget(Some(1.0), Some(0));
        assert_eq!(BudgetState::of(&none, 0.1, 0.0), BudgetState::Within);
        assert_eq!(BudgetState::of(&none, 0.1, 0.01), BudgetState::Over);
        let four = budget(None, Some(4));
        assert_eq!(BudgetState::of(&four, 9.0, 3.5), BudgetState::Near);
        assert_eq!(BudgetState::of(&four, 9.0, 5.0), BudgetState::Over);
    }

    #[test]
    fn colours_and_labels() {
        assert_eq!(BudgetState::None.color(), None);
        assert_eq!(BudgetState::Within.color(), Some(GOOD));
        assert_eq!(BudgetState::Near.color(), Some(WARN));
        assert_eq!(BudgetState::Over.color(), Some(BAD));
        assert_eq!(BudgetState::Over.label(), "over");
        let lines = [16.7, 33.3];
        assert_eq!(frame_time_color(10.0, &lines), GOOD);
        assert_eq!(frame_time_color(20.0, &lines), WARN);
        assert_eq!(frame_time_color(40.0, &lines), BAD);
        assert_eq!(frame_time_color(40.0, &[]), GOOD);
    }

    #[test]
    fn budgets_are_found_by_their_last_segments() {
        let budgets = cohort_profiler::Budgets {
            systems: [("act::attack_targets".to_string(), budget(Some(1.0), None))].into(),
            ..Default::default()
        };
        let records: Vec<BudgetRecord> = {
            // Records come from a profiler; build one through its public path.
            let mut app = bevy::app::App::new();
            app.add_plugins(cohort_profiler::ProfilerPlugin::default().budgets(budgets));
            app.world()
                .resource::<cohort_profiler::Profiler>()
                .budget_records()
                .to_vec()
        };
        let name = "cohort_battle::systems::act::attack_targets";
        assert_eq!(budget_for(&records, name).and_then(|b| b.ms), Some(1.0));
        assert!(budget_for(&records, "cohort_battle::systems::act::xattack_targets").is_none());
    }
}
