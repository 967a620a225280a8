//! RON data files read with errors that name the file, the line and column, and the field.
//!
//! Every cohort crate that reads data (scenarios, unit types, budgets) goes through here,
//! so a bad file reads the same everywhere: one line a player or designer can act on.

mod load_error;
mod ron_file;

pub use load_error::LoadError;
pub use ron_file::{MAX_FILE_BYTES, parse_ron, read_ron_file};
