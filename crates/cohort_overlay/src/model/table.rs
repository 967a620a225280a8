//! The systems table: one row per profiled system, sorted, filtered, pinned and cut to
//! the rows on screen.

use core::cmp::Ordering;
use core::ops::Range;

use super::budget::BudgetState;
use super::format::contains_ignore_ascii_case;

/// One system's figures as the table shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemRow {
    /// Index into `Profiler::systems`.
    pub index: usize,
    /// The short name (`act::attack_targets`).
    pub name: String,
    /// The full name, for the tooltip.
    pub full_name: String,
    /// The schedule's label.
    pub schedule: String,
    /// Mean time per run, in microseconds (steady state once there is one).
    pub mean_us: f64,
    /// 95th-percentile run time over the whole run, in microseconds.
    pub p95_us: f64,
    /// The longest run, in microseconds.
    pub max_us: f64,
    /// Share of the frame's wall time spent in this system over the window (0 to 1).
    pub frame_share: f64,
    /// Allocations per run (steady state once there is one).
    pub allocs_per_run: f64,
    /// Of those, above the floor.
    pub above_floor_per_run: f64,
    /// Allocations per frame over the window.
    pub allocs_per_frame: f64,
    /// How it stands against its budget.
    pub budget: BudgetState,
    /// Whether it runs schedules (its time includes theirs).
    pub runs_schedules: bool,
    /// Whether it has run at all.
    pub has_run: bool,
    /// Pinned rows stay at the top and pass every filter.
    pub pinned: bool,
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortColumn {
    /// By short name.
    Name,
    /// By schedule, then name.
    Schedule,
    /// By mean time per run.
    #[default]
    Mean,
    /// By p95 run time.
    P95,
    /// By the longest run.
    Max,
    /// By share of the frame.
    FrameShare,
    /// By allocations per run.
    Allocations,
    /// By budget state.
    Budget,
}

impl SortColumn {
    /// Every column, in the order they are drawn.
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Name,
        SortColumn::Schedule,
        SortColumn::Mean,
        SortColumn::P95,
        SortColumn::Max,
        SortColumn::FrameShare,
        SortColumn::Allocations,
        SortColumn::Budget,
    ];

    /// The column's header.
    pub fn header(self) -> &'static str {
        match self {
            SortColumn::Name => "system",
            SortColumn::Schedule => "schedule",
            SortColumn::Mean => "mean",
            SortColumn::P95 => "p95",
            SortColumn::Max => "max",
            SortColumn::FrameShare => "% frame",
            SortColumn::Allocations => "alloc/run",
            SortColumn::Budget => "budget",
        }
    }

    /// Whether a first click sorts it largest first (numbers) rather than A to Z.
    pub fn descending_first(self) -> bool {
        !matches!(self, SortColumn::Name | SortColumn::Schedule)
    }
}

/// Which column the table is sorted by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder {
    /// The column.
    pub column: SortColumn,
    /// Largest (or Z) first.
    pub descending: bool,
}

impl Default for SortOrder {
    fn default() -> Self {
        Self {
            column: SortColumn::Mean,
            descending: true,
        }
    }
}

impl SortOrder {
    /// The order after a click on `column`'s header: the other way round if it is the
    /// current column, else that column its natural way.
    pub fn clicked(self, column: SortColumn) -> Self {
        if self.column == column {
            Self {
                column,
                descending: !self.descending,
            }
        } else {
            Self {
                column,
                descending: column.descending_first(),
            }
        }
    }

    fn compare(self, a: &SystemRow, b: &SystemRow) -> Ordering {
        let ordering = match self.column {
            SortColumn::Name => a.name.cmp(&b.name),
            SortColumn::Schedule => a.schedule.cmp(&b.schedule).then(a.name.cmp(&b.name)),
            SortColumn::Mean => a.mean_us.total_cmp(&b.mean_us),
            SortColumn::P95 => a.p95_us.total_cmp(&b.p95_us),
            SortColumn::Max => a.max_us.total_cmp(&b.max_us),
            SortColumn::FrameShare => a.frame_share.total_cmp(&b.frame_share),
            SortColumn::Allocations => a.allocs_per_run.total_cmp(&b.allocs_per_run),
            SortColumn::Budget => a.budget.cmp(&b.budget),
        };
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

/// The rows of every system, and the order in which the visible ones are drawn.
#[derive(Debug, Clone, Default)]
pub struct SystemTable {
    rows: Vec<SystemRow>,
    order: Vec<u32>,
    /// Whether systems that only run schedules (`run_main`, the fixed-step loop) are
    /// shown; their time holds every system they run.
    pub show_schedule_runners: bool,
}

impl SystemTable {
    /// Every row, by profiler index.
    pub fn rows(&self) -> &[SystemRow] {
        &self.rows
    }

    /// The row of profiler system `index`, added (with `make`) if new; only a new row
    /// allocates.
    pub fn row_mut(&mut self, index: usize, make: impl FnOnce() -> SystemRow) -> &mut SystemRow {
        while self.rows.len() < index {
            let index = self.rows.len();
            self.rows.push(SystemRow {
                index,
                ..SystemRow::default()
            });
        }
        if self.rows.len() == index {
            let mut row = make();
            row.index = index;
            self.rows.push(row);
        }
        &mut self.rows[index]
    }

    /// The row drawn at `position` (0 is the top), after [`arrange`](Self::arrange).
    pub fn visible_row(&self, position: usize) -> Option<&SystemRow> {
        self.order
            .get(position)
            .map(|&index| &self.rows[index as usize])
    }

    /// How many rows pass the filter.
    pub fn visible_len(&self) -> usize {
        self.order.len()
    }

    /// Pins or unpins system `index`.
    pub fn toggle_pin(&mut self, index: usize) {
        if let Some(row) = self.rows.get_mut(index) {
            row.pinned = !row.pinned;
        }
    }

    /// Picks the rows that pass `filter` (a case-insensitive part of the name, full
    /// name or schedule) and sorts them: pinned rows first, then by `sort`, ties by the
    /// order the systems appeared. Allocates only when rows were added since last time.
    pub fn arrange(&mut self, filter: &str, sort: SortOrder) {
        self.order.clear();
        let show_runners = self.show_schedule_runners;
        self.order.extend(
            self.rows
                .iter()
                .filter(|row| {
                    row.pinned
                        || (row.has_run
                            && (show_runners || !row.runs_schedules)
                            && (contains_ignore_ascii_case(&row.full_name, filter)
                                || contains_ignore_ascii_case(&row.schedule, filter)))
                })
                .map(|row| row.index as u32),
        );
        let rows = &self.rows;
        // Unstable sort: no buffer is allocated; the index decides ties.
        self.order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&rows[a as usize], &rows[b as usize]);
            b.pinned
                .cmp(&a.pinned)
                .then_with(|| sort.compare(a, b))
                .then(a.index.cmp(&b.index))
        });
    }
}

/// The rows to draw in a scrolled list of `total` rows of `row_height` pixels, when the
/// viewport shows `viewport_height` pixels from `offset` down: the rows it touches plus
/// `overscan` on each side, clamped to the list.
pub fn visible_rows(
    offset: f32,
    viewport_height: f32,
    row_height: f32,
    total: usize,
    overscan: usize,
) -> Range<usize> {
    if total == 0 || row_height <= 0.0 || !offset.is_finite() || !viewport_height.is_finite() {
        return 0..0;
    }
    let first = (offset.max(0.0) / row_height).floor() as usize;
    let last = ((offset.max(0.0) + viewport_height.max(0.0)) / row_height).ceil() as usize;
    let start = first.saturating_sub(overscan).min(total);
    let end = last.saturating_add(overscan).min(total).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SystemTable {
        let mut table = SystemTable::default();
        let rows = [
            (
                "act::attack_targets",
                "SimSchedule",
                120.0,
                2.0,
                BudgetState::Over,
            ),
            (
                "sense::rebuild_spatial_grid",
                "SimSchedule",
                260.0,
                0.0,
                BudgetState::Within,
            ),
            ("time::time_system", "First", 0.6, 0.0, BudgetState::None),
            (
                "act::move_units",
                "SimSchedule",
                17.0,
                0.5,
                BudgetState::Near,
            ),
        ];
        for (index, (name, schedule, mean_us, allocs, budget)) in rows.into_iter().enumerate() {
            table.row_mut(index, || SystemRow {
                name: name.to_string(),
                full_name: format!("crate::{name}"),
                schedule: schedule.to_string(),
                mean_us,
                p95_us: mean_us * 1.5,
                max_us: mean_us * 3.0,
                frame_share: mean_us / 1000.0,
                allocs_per_run: allocs,
                budget,
                has_run: true,
                ..SystemRow::default()
            });
        }
        table
    }

    fn names(table: &SystemTable) -> Vec<&str> {
        (0..table.visible_len())
            .map(|at| table.visible_row(at).unwrap().name.as_str())
            .collect()
    }

    #[test]
    fn sorts_by_each_column_both_ways() {
        let mut table = table();
        table.arrange("", SortOrder::default());
        assert_eq!(
            names(&table),
            [
                "sense::rebuild_spatial_grid",
                "act::attack_targets",
                "act::move_units",
                "time::time_system"
            ]
        );
        let by_name = SortOrder::default().clicked(SortColumn::Name);
        assert!(!by_name.descending, "names sort A to Z first");
        table.arrange("", by_name);
        assert_eq!(names(&table)[0], "act::attack_targets");
        table.arrange("", by_name.clicked(SortColumn::Name));
        assert_eq!(names(&table)[0], "time::time_system");
        let by_allocs = by_name.clicked(SortColumn::Allocations);
        assert!(by_allocs.descending, "numbers sort largest first");
        table.arrange("", by_allocs);
        assert_eq!(names(&table)[0], "act::attack_targets");
        table.arrange("", SortOrder::default().clicked(SortColumn::Budget));
        assert_eq!(
            names(&table),
            [
                "act::attack_targets",
                "act::move_units",
                "sense::rebuild_spatial_grid",
                "time::time_system"
            ]
        );
        table.arrange("", by_name.clicked(SortColumn::Schedule));
        assert_eq!(
            names(&table)[0],
            "time::time_system",
            "First before SimSchedule"
        );
    }

    #[test]
    fn filters_by_name_or_schedule_and_keeps_pins() {
        let mut table = table();
        table.arrange("ACT::", SortOrder::default());
        assert_eq!(names(&table), ["act::attack_targets", "act::move_units"]);
        table.arrange("first", SortOrder::default());
        assert_eq!(names(&table), ["time::time_system"]);
        table.toggle_pin(1);
        table.arrange("act::", SortOrder::default());
        assert_eq!(
            names(&table),
            [
                "sense::rebuild_spatial_grid",
                "act::attack_targets",
                "act::move_units"
            ],
            "a pinned row comes first and passes the filter"
        );
        table.arrange("", SortOrder::default().clicked(SortColumn::Name));
        assert_eq!(names(&table)[0], "sense::rebuild_spatial_grid");
        table.toggle_pin(1);
        table.arrange("nothing matches", SortOrder::default());
        assert_eq!(table.visible_len(), 0);
    }

    #[test]
    fn schedule_runners_and_idle_systems_are_hidden_unless_asked() {
        let mut table = table();
        table.row_mut(4, || SystemRow {
            name: "main_schedule::run_main".into(),
            runs_schedules: true,
            has_run: true,
            mean_us: 1e6,
            ..SystemRow::default()
        });
        table.row_mut(5, || SystemRow {
            name: "never_ran".into(),
            ..SystemRow::default()
        });
        table.arrange("", SortOrder::default());
        assert_eq!(table.visible_len(), 4);
        table.show_schedule_runners = true;
        table.arrange("", SortOrder::default());
        assert_eq!(
            table.visible_row(0).unwrap().name,
            "main_schedule::run_main"
        );
        assert_eq!(table.visible_len(), 5);
    }

    #[test]
    fn arranging_again_does_not_allocate() {
        let mut table = table();
        table.arrange("", SortOrder::default());
        let capacity = table.order.capacity();
        for column in SortColumn::ALL {
            table.arrange("a", SortOrder::default().clicked(column));
        }
        assert_eq!(table.order.capacity(), capacity);
    }

    #[test]
    fn visible_rows_cover_the_viewport_plus_overscan() {
        assert_eq!(visible_rows(0.0, 100.0, 20.0, 1000, 0), 0..5);
        assert_eq!(visible_rows(0.0, 100.0, 20.0, 1000, 2), 0..7);
        assert_eq!(visible_rows(210.0, 100.0, 20.0, 1000, 1), 9..17);
        assert_eq!(visible_rows(19_990.0, 100.0, 20.0, 1000, 2), 997..1000);
        assert_eq!(visible_rows(0.0, 100.0, 20.0, 3, 2), 0..3);
        assert_eq!(visible_rows(500.0, 100.0, 20.0, 3, 2), 3..3);
        assert_eq!(visible_rows(0.0, 100.0, 20.0, 0, 2), 0..0);
        assert_eq!(visible_rows(0.0, 100.0, 0.0, 10, 2), 0..0);
        assert_eq!(visible_rows(f32::NAN, 100.0, 20.0, 10, 2), 0..0);
        // Thousands of systems: still a screenful.
        assert_eq!(visible_rows(40_000.0, 300.0, 18.0, 5000, 2).len(), 21);
    }
}
