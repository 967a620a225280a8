//! Time and allocation budgets per system, per `SimSystems` phase and per frame.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use bevy::log::warn;
use cohort_sim::SimSystems;
use cohort_sim::data::{LoadError, read_ron_file};
use serde::{Deserialize, Serialize};

/// `SimSystems` phases, the length of every per-phase array.
pub(crate) const PHASES: usize = SimSystems::ALL.len();

/// A limit: milliseconds, allocations, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Milliseconds: per frame, per tick (phases) or per run (systems).
    #[serde(default)]
    pub ms: Option<f64>,
    /// Allocations above the floor: per frame, per tick (phases) or per run (systems).
    #[serde(default)]
    pub allocations: Option<u64>,
}

/// The contents of `assets/budgets.ron`.
///
/// ```ron
/// (
///     frame: (ms: 16.7, allocations: 0),
///     phases: { "Sense": (ms: 2.0), "Resolve": (ms: 3.0, allocations: 0) },
///     systems: { "systems::act::attack": (ms: 1.0, allocations: 0) },
/// )
/// ```
///
/// A system is named by its full Bevy name or by its last path segments
/// (`systems::act::attack` matches `cohort_battle::systems::act::attack`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// The whole frame: wall time, and allocations made by systems.
    #[serde(default)]
    pub frame: Option<Budget>,
    /// Per simulation tick, by phase name (`Sense`, `Decide`, `Act`, `Resolve`, `Cleanup`):
    /// the summed time and allocations of the phase's systems.
    #[serde(default)]
    pub phases: BTreeMap<String, Budget>,
    /// Per run of one system.
    #[serde(default)]
    pub systems: BTreeMap<String, Budget>,
}

impl Budgets {
    /// Reads and checks a budgets file. The error names the file, the line and the field.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let budgets: Budgets = read_ron_file(path)?;
        budgets.validate(path)?;
        Ok(budgets)
    }

    /// Checks budgets built in code as [`load`](Self::load) checks a file's: every phase
    /// a `SimSystems` phase, no empty system name, every `ms` a positive number. The
    /// error names `path` as where they came from (a file, or a label of yours).
    pub fn validate(&self, path: &Path) -> Result<(), LoadError> {
        let mut named: Vec<(String, &Budget)> = Vec::new();
        if let Some(frame) = &self.frame {
            named.push(("frame".to_string(), frame));
        }
        for (phase, budget) in &self.phases {
            if !SimSystems::ALL.iter().any(|known| known.name() == phase) {
                return Err(LoadError::at_field(
                    path,
                    format!("phases.{phase}"),
                    "is not a phase; use Sense, Decide, Act, Resolve or Cleanup",
                ));
            }
            named.push((format!("phases.{phase}"), budget));
        }
        for (system, budget) in &self.systems {
            if system.trim().is_empty() {
                return Err(LoadError::at_field(
                    path,
                    "systems",
                    "a system name is empty",
                ));
            }
            named.push((format!("systems.{system}"), budget));
        }
        for (field, budget) in named {
            if let Some(ms) = budget.ms
                && !(ms.is_finite() && ms > 0.0)
            {
                return Err(LoadError::at_field(
                    path,
                    format!("{field}.ms"),
                    format!("must be a positive number of milliseconds, not {ms}"),
                ));
            }
        }
        Ok(())
    }
}

/// What a budget applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum BudgetTarget {
    /// The whole frame.
    Frame,
    /// One `SimSystems` phase, per tick.
    Phase(String),
    /// One system, per run.
    System(String),
}

/// A budget's record: how often it was broken and by how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetRecord {
    /// What the budget applies to.
    pub target: BudgetTarget,
    /// The limit.
    pub budget: Budget,
    /// Frames in which it was broken.
    pub violations: u64,
    /// The worst measured value over the limit, as a ratio (2.0: twice the budget).
    pub worst_ratio: f64,
    /// Warnings not logged because one was logged less than the interval before.
    pub warnings_suppressed: u64,
    /// Systems the name matched (for system budgets); zero means the name matches nothing.
    pub matched_systems: usize,
    #[serde(skip)]
    last_warning: Option<Instant>,
}

impl BudgetRecord {
    fn new(target: BudgetTarget, budget: Budget) -> Self {
        Self {
            target,
            budget,
            violations: 0,
            worst_ratio: 0.0,
            warnings_suppressed: 0,
            matched_systems: 0,
            last_warning: None,
        }
    }

    /// Checks one measurement: `nanos` and `allocations` against the limits.
    pub(crate) fn check(&mut self, nanos: u64, allocations: u64, now: Instant, interval: f64) {
        let ms = nanos as f64 / 1e6;
        let time_ratio = self.budget.ms.map_or(0.0, |limit| ms / limit);
        let alloc_ratio = match self.budget.allocations {
            Some(limit) if allocations > limit => allocations as f64 / limit.max(1) as f64,
            _ => 0.0,
        };
        let ratio = time_ratio.max(alloc_ratio);
        if time_ratio <= 1.0 && alloc_ratio == 0.0 {
            return;
        }
        self.violations += 1;
        self.worst_ratio = self.worst_ratio.max(ratio);
        if self
            .last_warning
            .is_some_and(|last| now.duration_since(last).as_secs_f64() < interval)
        {
            self.warnings_suppressed += 1;
            return;
        }
        self.last_warning = Some(now);
        warn!(
            "over budget: {} took {ms:.3} ms and {allocations} allocations (budget {}; {} times so far)",
            self.target.describe(),
            self.budget.describe(),
            self.violations
        );
    }
}

impl BudgetTarget {
    fn describe(&self) -> String {
        match self {
            BudgetTarget::Frame => "the frame".to_string(),
            BudgetTarget::Phase(phase) => format!("phase {phase} (per tick)"),
            BudgetTarget::System(system) => format!("system {system} (per run)"),
        }
    }
}

impl Budget {
    fn describe(&self) -> String {
        match (self.ms, self.allocations) {
            (Some(ms), Some(allocations)) => format!("{ms} ms, {allocations} allocations"),
            (Some(ms), None) => format!("{ms} ms"),
            (None, Some(allocations)) => format!("{allocations} allocations"),
            (None, None) => "none".to_string(),
        }
    }
}

/// Whether a system budget's `pattern` names the system called `name`: equal, or equal to
/// its last `::`-separated segments.
pub(crate) fn names_system(pattern: &str, name: &str) -> bool {
    name == pattern
        || name
            .strip_suffix(pattern)
            .is_some_and(|head| head.ends_with("::"))
}

/// The budgets in force and their records.
#[derive(Debug, Clone, Default)]
pub(crate) struct BudgetBook {
    pub(crate) records: Vec<BudgetRecord>,
    /// For each system budget (index into `records`), the profiler's system indices.
    pub(crate) system_matches: Vec<(usize, Vec<usize>)>,
    pub(crate) phase_records: [Option<usize>; PHASES],
    pub(crate) frame_record: Option<usize>,
}

impl BudgetBook {
    pub(crate) fn new(budgets: &Budgets) -> Self {
        let mut book = Self::default();
        if let Some(frame) = budgets.frame {
            book.frame_record = Some(book.records.len());
            book.records
                .push(BudgetRecord::new(BudgetTarget::Frame, frame));
        }
        for (index, phase) in SimSystems::ALL.iter().enumerate() {
            if let Some(budget) = budgets.phases.get(phase.name()) {
                book.phase_records[index] = Some(book.records.len());
                book.records.push(BudgetRecord::new(
                    BudgetTarget::Phase(phase.name().to_string()),
                    *budget,
                ));
            }
        }
        for (name, budget) in &budgets.systems {
            book.system_matches.push((book.records.len(), Vec::new()));
            book.records.push(BudgetRecord::new(
                BudgetTarget::System(name.clone()),
                *budget,
            ));
        }
        book
    }

    /// Matches a newly registered system (index `system`, called `name`) to system budgets.
    pub(crate) fn register_system(&mut self, system: usize, name: &str) {
        for (record, systems) in &mut self.system_matches {
            let BudgetTarget::System(pattern) = &self.records[*record].target else {
                continue;
            };
            if names_system(pattern, name) {
                systems.push(system);
                self.records[*record].matched_systems += 1;
            }
        }
    }

    /// The records with violations, most violated first.
    pub(crate) fn worst_offenders(&self) -> Vec<BudgetRecord> {
        let mut broken: Vec<BudgetRecord> = self
            .records
            .iter()
            .filter(|record| record.violations > 0)
            .cloned()
            .collect();
        broken.sort_by(|a, b| {
            b.violations
                .cmp(&a.violations)
                .then(b.worst_ratio.total_cmp(&a.worst_ratio))
        });
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names_match_whole_segments() {
        assert!(names_system("a::b::c", "a::b::c"));
        assert!(names_system("b::c", "a::b::c"));
        assert!(names_system("c", "a::b::c"));
        assert!(!names_system("b::c", "a::bb::c"));
        assert!(!names_system("c", "a::b::cc"));
        assert!(!names_system("b", "a::b::c"));
    }

    fn one_system(ms: f64) -> Budgets {
        let mut budgets = Budgets::default();
        budgets.systems.insert(
            "move_units".to_string(),
            Budget {
                ms: Some(ms),
                allocations: None,
            },
        );
        budgets
    }

    #[test]
    fn budgets_built_in_code_are_checked_as_a_file_is() {
        let code = Path::new("in code");
        assert_eq!(one_system(0.5).validate(code), Ok(()));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let error = one_system(bad).validate(code).unwrap_err();
            assert_eq!(
                error.field.as_deref(),
                Some("systems.move_units.ms"),
                "{bad}"
            );
            assert!(error.to_string().starts_with("in code"), "{error}");
        }
        let mut misspelt = Budgets::default();
        misspelt
            .phases
            .insert("Decision".to_string(), Budget::default());
        let error = misspelt.validate(code).unwrap_err();
        assert!(error.message.contains("is not a phase"), "{error}");
    }

    #[test]
    fn a_record_counts_violations_and_the_worst_ratio() {
        let mut record = BudgetRecord::new(
            BudgetTarget::Frame,
            Budget {
                ms: Some(2.0),
                allocations: Some(0),
            },
        );
        let now = Instant::now();
        record.check(1_000_000, 0, now, 60.0);
        assert_eq!(record.violations, 0);
        record.check(3_000_000, 0, now, 60.0);
        record.check(1_000_000, 5, now, 60.0);
        assert_eq!(record.violations, 2);
        assert_eq!(record.worst_ratio, 5.0);
        assert_eq!(
            record.warnings_suppressed, 1,
            "the second warning came too soon"
        );
    }
}
