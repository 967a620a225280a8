//! Data files: unit types and scenarios in RON, loaded and validated.

mod load_error;
mod ron_file;
mod scenario;
mod unit_type;
mod validate;

pub use load_error::LoadError;
pub use ron_file::{MAX_FILE_BYTES, read_ron_file};
pub use scenario::{
    Formation, LoadedScenario, MAX_UNITS, MapSize, Scenario, ScenarioUnits, TeamSpec, load_scenario,
};
pub use unit_type::{EffectSpec, SupportSpec, UnitType, UnitTypeFile, load_unit_types};
