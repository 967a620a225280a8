//! Range checks for numbers read from data files.

use std::path::Path;

use super::LoadError;

/// Checks that `value` is finite and inside `[min, max]`.
pub(crate) fn number_in(
    path: &Path,
    field: &str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<(), LoadError> {
    if value.is_finite() && value >= min && value <= max {
        return Ok(());
    }
    Err(LoadError::at_field(
        path,
        field,
        format!("must be a finite number from {min} to {max}, got {value}"),
    ))
}

/// Like [`number_in`], but also rejects `min` itself.
pub(crate) fn number_above(
    path: &Path,
    field: &str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<(), LoadError> {
    if value.is_finite() && value > min && value <= max {
        return Ok(());
    }
    Err(LoadError::at_field(
        path,
        field,
        format!("must be a finite number above {min} and at most {max}, got {value}"),
    ))
}

/// Checks that an integer lies in `[min, max]`.
pub(crate) fn count_in(
    path: &Path,
    field: &str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<(), LoadError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(LoadError::at_field(
        path,
        field,
        format!("must be from {min} to {max}, got {value}"),
    ))
}
