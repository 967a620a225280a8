//! Errors from loading RON data files (scenarios, unit types, budgets), each naming the file and what to fix.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a data file could not be used. Its `Display` is one line that names the
/// file, the place in it (RON's line and column, or the field's path) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    /// The file that failed.
    pub path: PathBuf,
    /// Where in the file: `line:column`, when RON reported one.
    pub position: Option<(usize, usize)>,
    /// The field's path inside the file (`teams[1].units[0].count`), when known.
    pub field: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl LoadError {
    /// An error about the whole file.
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            position: None,
            field: None,
            message: message.into(),
        }
    }

    /// An error about one field, named by its path (`teams[1].units[0].count`).
    pub fn at_field(path: &Path, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(path, message)
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        f.write_str(": ")?;
        if let Some(field) = self.field.as_deref().filter(|field| !field.is_empty()) {
            write!(f, "field `{field}`: ")?;
        }
        // RON and serde messages may span lines; a report line must not.
        let mut words = self.message.split_whitespace();
        if let Some(first) = words.next() {
            f.write_str(first)?;
            for word in words {
                write!(f, " {word}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}
