//! Data files: unit types and scenarios in RON, loaded and validated.

mod scenario;
mod unit_type;
mod validate;

pub use cohort_sim::data::{LoadError, MAX_FILE_BYTES, read_ron_file};
pub use scenario::{
    Formation, LoadedScenario, MAX_UNITS, MapSize, Scenario, ScenarioUnits, TeamSpec, load_scenario,
};
pub use unit_type::{EffectSpec, SupportSpec, UnitType, UnitTypeFile, load_unit_types};
