//! Scenarios: a map, a seed and teams of units in formation, from `assets/scenarios/*.ron`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LoadError;
use super::read_ron_file;
use super::unit_type::{UnitType, load_unit_types};
use super::validate::{count_in, number_above, number_in};
use crate::ai::BattleAi;

/// The most units a battle may hold.
pub const MAX_UNITS: u64 = 1_000_000;
/// The most teams a battle may hold.
const MAX_TEAMS: usize = 16;
/// The largest map side, in world units.
const MAX_MAP_SIDE: f64 = 1_000_000.0;
/// The longest battle, in ticks.
const MAX_TICK_LIMIT: u64 = 100_000_000;

/// A scenario as written in `assets/scenarios/<name>.ron`.
///
/// ```ron
/// (name: "Skirmish", map: (width: 240.0, height: 160.0), seed: 7, tick_rate: 30.0,
///  tick_limit: 5400, teams: [
///     (name: "red", center: (60.0, 80.0), formation: Line(spacing: 1.6, ranks: 8),
///      units: [(kind: "soldier", count: 300), (kind: "archer", count: 150)]),
///     (name: "blue", center: (180.0, 80.0), formation: Block(spacing: 1.6),
///      units: [(kind: "soldier", count: 450)]),
/// ])
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Shown in reports.
    pub name: String,
    /// The battlefield; units never leave it.
    pub map: MapSize,
    /// Seeds all randomness of the battle.
    pub seed: u64,
    /// Simulation ticks per second. Default 30.
    #[serde(default = "default_tick_rate")]
    pub tick_rate: f64,
    /// The battle ends after this many ticks if no team has won. Default 5400 (3 minutes).
    #[serde(default = "default_tick_limit")]
    pub tick_limit: u64,
    /// How far a unit looks for the nearest enemy before it marches on the enemy army.
    #[serde(default = "default_sight")]
    pub sight: f64,
    /// Each attack's damage varies by up to this share either way, drawn from the seed.
    /// Default 0.1.
    #[serde(default = "default_damage_variance")]
    pub damage_variance: f64,
    /// Where the unit files are, relative to this file. Default `../units`.
    #[serde(default)]
    pub unit_dir: Option<String>,
    /// Where the decision makers (`<name>.ai.ron`) are, relative to this file. Default
    /// `../ai`.
    #[serde(default)]
    pub ai_dir: Option<String>,
    /// Two or more teams.
    pub teams: Vec<TeamSpec>,
}

fn default_tick_rate() -> f64 {
    30.0
}

fn default_tick_limit() -> u64 {
    5_400
}

fn default_damage_variance() -> f64 {
    0.1
}

fn default_sight() -> f64 {
    40.0
}

/// The battlefield's size in world units; it spans `(0, 0)` to `(width, height)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapSize {
    /// Along x.
    pub width: f64,
    /// Along y.
    pub height: f64,
}

/// One team: where it stands, in what formation, with which units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// Shown in reports; unique within the scenario.
    pub name: String,
    /// The middle of the formation.
    pub center: (f64, f64),
    /// How the units stand at the start.
    pub formation: Formation,
    /// How many of each unit type, placed in this order.
    pub units: Vec<ScenarioUnits>,
}

/// How a team stands at the start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Formation {
    /// A square block, `spacing` apart.
    Block {
        /// Distance between neighbours.
        spacing: f64,
    },
    /// `ranks` rows deep and as wide as it takes, `spacing` apart, rows along y.
    Line {
        /// Distance between neighbours.
        spacing: f64,
        /// Rows.
        ranks: u32,
    },
    /// Scattered uniformly over a disc of `radius` (seeded).
    Scatter {
        /// The disc's radius.
        radius: f64,
    },
}

/// A number of units of one type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioUnits {
    /// A unit type's name: the stem of a file in the unit directory.
    pub kind: String,
    /// How many.
    pub count: u32,
}

/// A validated scenario with its unit types, ready to spawn.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedScenario {
    /// The file it came from.
    pub path: PathBuf,
    /// The scenario as read (after [`scaled_to`](Self::scaled_to), the scaled one).
    pub scenario: Scenario,
    /// Unit types, indexed by [`UnitKind`](crate::UnitKind).
    pub unit_types: Vec<UnitType>,
    /// The decision makers the unit types think with.
    pub ai: BattleAi,
}

/// Reads, checks and compiles a scenario and the unit types it names.
pub fn load_scenario(path: &Path) -> Result<LoadedScenario, LoadError> {
    let scenario: Scenario = read_ron_file(path)?;
    validate_scenario(path, &scenario)?;
    let unit_dir = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(scenario.unit_dir.as_deref().unwrap_or("../units"));
    let files = load_unit_types(&unit_dir)?;
    let mut unit_types = Vec::with_capacity(files.len());
    for (name, file_path, file) in &files {
        unit_types.push(file.compile(name, file_path, scenario.tick_rate)?);
    }
    for (team_index, team) in scenario.teams.iter().enumerate() {
        for (units_index, units) in team.units.iter().enumerate() {
            if !unit_types.iter().any(|unit| unit.name == units.kind) {
                let known: Vec<&str> = unit_types.iter().map(|unit| unit.name.as_str()).collect();
                return Err(LoadError::at_field(
                    path,
                    format!("teams[{team_index}].units[{units_index}].kind"),
                    format!(
                        "unknown unit type {:?}; {} has: {}",
                        units.kind,
                        unit_dir.display(),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let ai_dir = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(scenario.ai_dir.as_deref().unwrap_or("../ai"));
    let ai = BattleAi::load(&ai_dir, &unit_dir, &unit_types)?;
    Ok(LoadedScenario {
        path: path.to_path_buf(),
        scenario,
        unit_types,
        ai,
    })
}

fn validate_scenario(path: &Path, scenario: &Scenario) -> Result<(), LoadError> {
    if scenario.name.trim().is_empty() {
        return Err(LoadError::at_field(path, "name", "must not be empty"));
    }
    number_above(path, "map.width", scenario.map.width, 0.0, MAX_MAP_SIDE)?;
    number_above(path, "map.height", scenario.map.height, 0.0, MAX_MAP_SIDE)?;
    let rates = cohort_sim::TICK_RATE_RANGE;
    number_in(
        path,
        "tick_rate",
        scenario.tick_rate,
        *rates.start(),
        *rates.end(),
    )?;
    count_in(path, "tick_limit", scenario.tick_limit, 1, MAX_TICK_LIMIT)?;
    number_above(path, "sight", scenario.sight, 0.0, MAX_MAP_SIDE)?;
    number_in(path, "damage_variance", scenario.damage_variance, 0.0, 1.0)?;
    if !(2..=MAX_TEAMS).contains(&scenario.teams.len()) {
        return Err(LoadError::at_field(
            path,
            "teams",
            format!("needs 2 to {MAX_TEAMS} teams, got {}", scenario.teams.len()),
        ));
    }
    let mut total = 0u64;
    for (index, team) in scenario.teams.iter().enumerate() {
        let field = |name: &str| format!("teams[{index}].{name}");
        if team.name.trim().is_empty() {
            return Err(LoadError::at_field(
                path,
                field("name"),
                "must not be empty",
            ));
        }
        if scenario.teams[..index]
            .iter()
            .any(|other| other.name == team.name)
        {
            return Err(LoadError::at_field(
                path,
                field("name"),
                format!("{:?} names two teams; team names must differ", team.name),
            ));
        }
        number_in(
            path,
            &field("center.0"),
            team.center.0,
            0.0,
            scenario.map.width,
        )?;
        number_in(
            path,
            &field("center.1"),
            team.center.1,
            0.0,
            scenario.map.height,
        )?;
        match team.formation {
            Formation::Block { spacing } | Formation::Line { spacing, .. } => {
                number_above(
                    path,
                    &field("formation.spacing"),
                    spacing,
                    0.0,
                    MAX_MAP_SIDE,
                )?;
            }
            Formation::Scatter { radius } => {
                number_above(path, &field("formation.radius"), radius, 0.0, MAX_MAP_SIDE)?;
            }
        }
        if let Formation::Line { ranks, .. } = team.formation {
            count_in(
                path,
                &field("formation.ranks"),
                u64::from(ranks),
                1,
                100_000,
            )?;
        }
        let team_total: u64 = team.units.iter().map(|units| u64::from(units.count)).sum();
        if team_total == 0 {
            return Err(LoadError::at_field(
                path,
                field("units"),
                "the team has no units",
            ));
        }
        total += team_total;
    }
    count_in(path, "teams[*].units[*].count (total)", total, 2, MAX_UNITS)
}

impl LoadedScenario {
    /// All units in the scenario.
    pub fn total_units(&self) -> u64 {
        self.scenario
            .teams
            .iter()
            .flat_map(|team| &team.units)
            .map(|units| u64::from(units.count))
            .sum()
    }

    /// The same battle with `total` units: every count scaled in proportion (largest
    /// remainders first, ties in file order) and the map, positions, line depths and
    /// scatter radii scaled by the square root, so that the armies keep their density. Every team keeps at least one unit.
    pub fn scaled_to(&self, total: u64) -> Result<LoadedScenario, String> {
        let teams = self.scenario.teams.len() as u64;
        if total < teams || total > MAX_UNITS {
            return Err(format!(
                "--units {total} is out of range: this scenario needs from {teams} (one per team) to {MAX_UNITS}"
            ));
        }
        let original = self.total_units();
        let counts = scale_counts(&self.scenario.teams, original, total);
        let factor = (total as f64 / original as f64).sqrt();
        let mut scaled = self.clone();
        let scenario = &mut scaled.scenario;
        scenario.map.width *= factor;
        scenario.map.height *= factor;
        let mut next = counts.into_iter();
        for team in &mut scenario.teams {
            team.center = (team.center.0 * factor, team.center.1 * factor);
            match &mut team.formation {
                Formation::Scatter { radius } => *radius *= factor,
                Formation::Line { ranks, .. } => {
                    *ranks = ((f64::from(*ranks) * factor).round() as u32).max(1);
                }
                Formation::Block { .. } => {}
            }
            for units in &mut team.units {
                units.count = next.next().unwrap_or(0);
            }
        }
        Ok(scaled)
    }
}

/// Largest-remainder scaling of every (team, type) count so they add up to `total`, with
/// at least one unit per team.
fn scale_counts(teams: &[TeamSpec], original: u64, total: u64) -> Vec<u32> {
    let reserved = teams.len() as u64;
    let spare = total - reserved;
    // Each team's first non-empty entry holds its reserved unit.
    let mut counts = Vec::new();
    let mut remainders = Vec::new();
    let mut assigned = reserved;
    for team in teams {
        let mut reserved_here = false;
        for units in &team.units {
            let exact = u128::from(units.count) * u128::from(spare);
            let floor = (exact / u128::from(original)) as u64;
            let mut count = floor;
            if !reserved_here && units.count > 0 {
                count += 1;
                reserved_here = true;
            }
            assigned += floor;
            remainders.push((exact % u128::from(original), counts.len()));
            counts.push(count);
        }
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in remainders.iter().take((total - assigned) as usize) {
        counts[index] += 1;
    }
    counts.into_iter().map(|count| count as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(name: &str, counts: &[u32]) -> TeamSpec {
        TeamSpec {
            name: name.to_string(),
            center: (1.0, 1.0),
            formation: Formation::Block { spacing: 1.0 },
            units: counts
                .iter()
                .map(|&count| ScenarioUnits {
                    kind: "soldier".to_string(),
                    count,
                })
                .collect(),
        }
    }

    #[test]
    fn scaled_counts_add_up_exactly() {
        let teams = [team("a", &[300, 150, 50]), team("b", &[500])];
        for total in [2, 3, 7, 1000, 9_999, 100_000, 1_000_000] {
            let counts = scale_counts(&teams, 1000, total);
            assert_eq!(
                counts.iter().map(|&c| u64::from(c)).sum::<u64>(),
                total,
                "total {total}"
            );
            assert!(
                counts[0] >= 1 && counts[3] >= 1,
                "every team keeps a unit at {total}"
            );
        }
        assert_eq!(scale_counts(&teams, 1000, 2000), vec![600, 300, 100, 1000]);
    }
}
