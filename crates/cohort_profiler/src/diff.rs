//! Comparing two reports system by system, to catch regressions in CI.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// The fields of a system row that a comparison reads. Accepts rows of the headless
/// runner's report, of a `ProfileReport` and of an export.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ComparedSystem {
    /// The system's name.
    pub name: String,
    /// Its schedule.
    #[serde(default)]
    pub schedule: String,
    /// Mean time per run, in microseconds.
    pub mean_us: f64,
    /// Allocations per run.
    #[serde(default)]
    pub allocs_per_run: f64,
}

/// When a change counts as a regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffThresholds {
    /// Mean time must grow by more than this fraction (0.10: 10%)...
    pub time_fraction: f64,
    /// ...and by more than this many microseconds.
    pub time_us: f64,
    /// Allocations per run must grow by more than this.
    pub allocations: f64,
}

impl Default for DiffThresholds {
    fn default() -> Self {
        Self {
            time_fraction: 0.10,
            time_us: 2.0,
            allocations: 0.5,
        }
    }
}

/// One system that got worse.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// The system in the new report.
    pub new: ComparedSystem,
    /// The same system in the old report.
    pub old: ComparedSystem,
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {:.2} -> {:.2} us per run ({:+.0}%), {:.2} -> {:.2} allocations per run",
            self.new.name,
            self.new.schedule,
            self.old.mean_us,
            self.new.mean_us,
            (self.new.mean_us / self.old.mean_us.max(1e-9) - 1.0) * 100.0,
            self.old.allocs_per_run,
            self.new.allocs_per_run
        )
    }
}

/// What changed between two reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportDiff {
    /// Systems slower or allocating more, worst time change first.
    pub regressions: Vec<Regression>,
    /// Systems only in the new report.
    pub added: Vec<ComparedSystem>,
    /// Systems only in the old report.
    pub removed: Vec<ComparedSystem>,
    /// Systems in both.
    pub compared: usize,
}

/// Finds the system rows in a report's JSON: `systems`, `report.systems` or
/// `profile.systems`.
pub fn systems_of(report: &Value) -> Result<Vec<ComparedSystem>, String> {
    let rows = [
        report.get("systems"),
        report.pointer("/report/systems"),
        report.pointer("/profile/systems"),
    ]
    .into_iter()
    .flatten()
    .next()
    .ok_or("has no `systems` list; is it a cohort report?")?;
    serde_json::from_value(rows.clone()).map_err(|error| format!("`systems`: {error}"))
}

/// Compares `new` against `old`.
pub fn diff_reports(
    old: &[ComparedSystem],
    new: &[ComparedSystem],
    thresholds: DiffThresholds,
) -> ReportDiff {
    let key = |system: &ComparedSystem| (system.schedule.clone(), system.name.clone());
    let mut diff = ReportDiff::default();
    for system in new {
        let Some(before) = old.iter().find(|before| key(before) == key(system)) else {
            diff.added.push(system.clone());
            continue;
        };
        diff.compared += 1;
        let slower = system.mean_us > before.mean_us * (1.0 + thresholds.time_fraction)
            && system.mean_us - before.mean_us > thresholds.time_us;
        let allocates_more = system.allocs_per_run - before.allocs_per_run > thresholds.allocations;
        if slower || allocates_more {
            diff.regressions.push(Regression {
                new: system.clone(),
                old: before.clone(),
            });
        }
    }
    diff.removed = old
        .iter()
        .filter(|before| !new.iter().any(|system| key(system) == key(before)))
        .cloned()
        .collect();
    diff.regressions.sort_by(|a, b| {
        let growth = |r: &Regression| r.new.mean_us - r.old.mean_us;
        growth(b).total_cmp(&growth(a))
    });
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, mean_us: f64, allocs_per_run: f64) -> ComparedSystem {
        ComparedSystem {
            name: name.to_string(),
            schedule: "SimSchedule".to_string(),
            mean_us,
            allocs_per_run,
        }
    }

    #[test]
    fn finds_slower_and_allocating_systems_only() {
        let old = [
            row("a", 100.0, 0.0),
            row("b", 1.0, 0.0),
            row("c", 50.0, 0.0),
            row("gone", 1.0, 0.0),
        ];
        let new = [
            row("a", 130.0, 0.0),
            row("b", 1.5, 0.0),
            row("c", 51.0, 2.0),
            row("new", 1.0, 0.0),
        ];
        let diff = diff_reports(&old, &new, DiffThresholds::default());
        let names: Vec<&str> = diff
            .regressions
            .iter()
            .map(|r| r.new.name.as_str())
            .collect();
        assert_eq!(names, ["a", "c"], "b grew 50% but by under 2 us");
        assert_eq!(diff.compared, 3);
        assert_eq!(diff.added[0].name, "new");
        assert_eq!(diff.removed[0].name, "gone");
    }

    #[test]
    fn reads_rows_from_any_report_shape() {
        let runner = serde_json::json!({"systems": [{"name": "x", "schedule": "S", "mean_us": 1.0, "allocs_per_run": 0.0}]});
        let export = serde_json::json!({"report": {"systems": [{"name": "x", "mean_us": 1.0}]}});
        assert_eq!(systems_of(&runner).unwrap().len(), 1);
        assert_eq!(systems_of(&export).unwrap()[0].allocs_per_run, 0.0);
        assert!(systems_of(&serde_json::json!({"units": 3})).is_err());
    }
}
