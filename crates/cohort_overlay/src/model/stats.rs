//! [`OverlayStats`]: named rows of figures that any plugin or the app fills, shown in the
//! overlay's Simulation panel.

use std::fmt::{self, Write as _};

use bevy::ecs::resource::Resource;

use super::format::{write_count, write_duration_us};

/// How a row's value is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatLevel {
    /// The default text colour.
    #[default]
    Normal,
    /// Green.
    Good,
    /// Amber.
    Warn,
    /// Red.
    Bad,
}

/// One figure: a label and its value, already formatted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatRow {
    /// What the figure is.
    pub label: String,
    /// The value as shown; rewritten in place, so it stops allocating once long enough.
    pub value: String,
    /// A share from 0 to 1 drawn as a bar beside the value (pool use, units left).
    pub fraction: Option<f32>,
    /// Its colour.
    pub level: StatLevel,
    /// A colour swatch before the label (a team's colour), as sRGB.
    pub swatch: Option<[u8; 3]>,
    /// Cut by [`StatSection::hide_rows`] or [`StatSection::truncate`] until set again.
    hidden: bool,
}

/// A titled group of rows (`Orders`, `AI`, `Selected unit`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatSection {
    /// The title.
    pub title: String,
    /// The rows, in the order they were first set.
    pub rows: Vec<StatRow>,
    /// Hidden sections are kept (with their buffers) but not drawn.
    pub hidden: bool,
}

impl StatSection {
    /// The row labelled `label`, added at the end if new (the only time this allocates,
    /// besides a value growing longer than before), shown again if it was cut by
    /// [`hide_rows`](Self::hide_rows) or [`truncate`](Self::truncate), with its colour,
    /// swatch and bar reset.
    pub fn row(&mut self, label: &str) -> &mut StatRow {
        let position = match self.rows.iter().position(|row| row.label == label) {
            Some(position) => position,
            None => {
                self.rows.push(StatRow {
                    label: label.to_owned(),
                    // Room for a typical value, so it does not grow digit by digit.
                    value: String::with_capacity(64),
                    ..StatRow::default()
                });
                self.rows.len() - 1
            }
        };
        let row = &mut self.rows[position];
        row.hidden = false;
        row.fraction = None;
        row.level = StatLevel::Normal;
        row.swatch = None;
        &mut self.rows[position]
    }

    /// Sets a row to a count (`4,480`, `12.3k`).
    pub fn set_count(&mut self, label: &str, count: u64) -> &mut StatRow {
        let row = self.row(label);
        row.value.clear();
        write_count(&mut row.value, count);
        row
    }

    /// Sets a row to `used` of `capacity`, with a bar (`312 / 4,096`).
    pub fn set_usage(&mut self, label: &str, used: u64, capacity: u64) -> &mut StatRow {
        let row = self.row(label);
        row.value.clear();
        write_count(&mut row.value, used);
        row.value.push_str(" / ");
        write_count(&mut row.value, capacity);
        row.fraction = Some(if capacity == 0 {
            0.0
        } else {
            (used as f64 / capacity as f64).min(1.0) as f32
        });
        row
    }

    /// Sets a row to a duration in microseconds (`14.2 µs`, `1.20 ms`).
    pub fn set_duration_us(&mut self, label: &str, us: f64) -> &mut StatRow {
        let row = self.row(label);
        row.value.clear();
        write_duration_us(&mut row.value, us);
        row
    }

    /// Sets a row to formatted text: `section.set_fmt("hit rate", format_args!("{:.1}%", rate))`.
    pub fn set_fmt(&mut self, label: &str, value: fmt::Arguments<'_>) -> &mut StatRow {
        let row = self.row(label);
        row.value.clear();
        let _ = row.value.write_fmt(value);
        row
    }

    /// Sets a row to `text`.
    pub fn set_text(&mut self, label: &str, text: &str) -> &mut StatRow {
        let row = self.row(label);
        row.value.clear();
        row.value.push_str(text);
        row
    }

    /// Stops drawing every row from the `rows`th on, keeping their buffers (for lists that
    /// shrink); setting a row shows it again.
    pub fn truncate(&mut self, rows: usize) {
        for row in self.rows.iter_mut().skip(rows) {
            row.hidden = true;
        }
    }

    /// Stops drawing every row until it is set again: call it before filling a section
    /// whose rows change with what it shows (the selected unit's queue and scores), so
    /// that rows of the last one do not linger. Keeps every buffer.
    pub fn hide_rows(&mut self) {
        self.truncate(0);
    }

    /// The rows to draw, in the order they were first set.
    pub fn shown_rows(&self) -> impl Iterator<Item = &StatRow> {
        self.rows.iter().filter(|row| !row.hidden)
    }
}

impl StatRow {
    /// Colours the value.
    pub fn level(&mut self, level: StatLevel) -> &mut Self {
        self.level = level;
        self
    }

    /// Puts a colour swatch before the label.
    pub fn swatch(&mut self, rgb: [u8; 3]) -> &mut Self {
        self.swatch = Some(rgb);
        self
    }

    /// Draws a bar for `fraction` (0 to 1) beside the value.
    pub fn fraction(&mut self, fraction: f32) -> &mut Self {
        self.fraction = Some(fraction.clamp(0.0, 1.0));
        self
    }
}

/// Figures from the simulation for the overlay's Simulation panel: sections of named rows
/// that any plugin or the app fills, each from its own system, and that the overlay draws
/// in the order the sections were first touched.
///
/// The overlay fills `Events`, `Orders` and `AI` itself (from `cohort_events`,
/// `cohort_actions` and `cohort_ai`); the battle example fills `Battle`, `Units alive` and
/// `Selected unit`.
/// Setting a row reuses its label and its string, so a system that sets the same rows
/// every frame allocates nothing after the first.
///
/// ```
/// use bevy::prelude::*;
/// use cohort_overlay::OverlayStats;
///
/// fn report_pool(mut stats: ResMut<OverlayStats>) {
///     let pool = stats.section("Actions");
///     pool.set_usage("pool in use", 312, 4096);
///     pool.set_count("finished this tick", 57);
/// }
/// # let mut app = App::new();
/// # app.init_resource::<OverlayStats>().add_systems(Update, report_pool);
/// # app.update();
/// # let stats = app.world().resource::<OverlayStats>();
/// # assert_eq!(stats.sections()[0].rows[0].value, "312 / 4,096");
/// ```
#[derive(Resource, Debug, Clone, Default)]
pub struct OverlayStats {
    sections: Vec<StatSection>,
}

impl OverlayStats {
    /// The section titled `title`, added (shown) if new.
    pub fn section(&mut self, title: &str) -> &mut StatSection {
        let position = match self
            .sections
            .iter()
            .position(|section| section.title == title)
        {
            Some(position) => position,
            None => {
                self.sections.push(StatSection {
                    title: title.to_owned(),
                    ..StatSection::default()
                });
                self.sections.len() - 1
            }
        };
        &mut self.sections[position]
    }

    /// Every section, in the order they were first touched.
    pub fn sections(&self) -> &[StatSection] {
        &self.sections
    }

    /// Hides or shows the section titled `title`, if it exists.
    pub fn set_hidden(&mut self, title: &str, hidden: bool) {
        if let Some(section) = self
            .sections
            .iter_mut()
            .find(|section| section.title == title)
        {
            section.hidden = hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_set_in_place_and_keep_their_order() {
        let mut stats = OverlayStats::default();
        stats
            .section("Units")
            .set_count("red", 4_480)
            .swatch([200, 60, 60]);
        stats.section("Units").set_count("blue", 4_475);
        stats.section("Actions").set_usage("pool", 1_024, 4_096);
        stats.section("Units").set_count("red", 12);
        let units = &stats.sections()[0];
        assert_eq!(units.title, "Units");
        assert_eq!(units.rows.len(), 2);
        assert_eq!(units.rows[0].value, "12");
        assert_eq!(
            units.rows[0].swatch, None,
            "setting a row resets its decorations"
        );
        assert_eq!(units.rows[1].value, "4,475");
        let pool = &stats.sections()[1].rows[0];
        assert_eq!(pool.value, "1,024 / 4,096");
        assert_eq!(pool.fraction, Some(0.25));
        stats.section("Actions").set_usage("pool", 5, 0);
        assert_eq!(stats.sections()[1].rows[0].fraction, Some(0.0));
    }

    #[test]
    fn truncating_hides_rows_until_they_are_set_again() {
        let mut stats = OverlayStats::default();
        let queue = stats.section("Selected unit");
        for (label, text) in [("team", "red"), ("kind", "archer"), ("target", "none")] {
            queue.set_text(label, text);
        }
        let shown = |queue: &StatSection| {
            queue
                .shown_rows()
                .map(|row| row.label.clone())
                .collect::<Vec<_>>()
        };
        queue.truncate(1);
        assert_eq!(shown(queue), ["team"]);
        queue.set_text("target", "unit 17");
        assert_eq!(shown(queue), ["team", "target"], "kind was not set again");
        queue.hide_rows();
        assert_eq!(shown(queue), Vec::<String>::new());
        queue.set_text("kind", "mage");
        assert_eq!(shown(queue), ["kind"]);
        assert_eq!(queue.rows.len(), 3, "every buffer kept");
        stats.set_hidden("Selected unit", true);
        assert!(stats.sections()[0].hidden);
    }

    #[test]
    fn setting_the_same_rows_again_does_not_grow_anything() {
        let mut stats = OverlayStats::default();
        let fill = |stats: &mut OverlayStats, n: u64| {
            let section = stats.section("AI");
            section.set_count("decisions per tick", n);
            section.set_duration_us("budget", 1_500.0);
            section.set_fmt("cache hits", format_args!("{:.1}%", n as f64 / 10.0));
        };
        fill(&mut stats, 999_999);
        let capacities: Vec<usize> = stats.sections()[0]
            .rows
            .iter()
            .map(|row| row.value.capacity())
            .collect();
        for n in 0..1_000 {
            fill(&mut stats, n);
        }
        let after: Vec<usize> = stats.sections()[0]
            .rows
            .iter()
            .map(|row| row.value.capacity())
            .collect();
        assert_eq!(capacities, after);
        assert_eq!(stats.sections()[0].rows[2].value, "99.9%");
    }
}
