//! Reading one RON file into a typed value, with errors that name file, line, column and field.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::LoadError;

/// The largest file cohort reads as data. A scenario or unit file is a few kilobytes; a
/// larger one is almost surely the wrong file.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How deep RON may nest before cohort refuses the file (`ron`'s guard against stack
/// overflow on hostile input).
const MAX_NESTING: usize = 64;

/// Reads and parses `path` as RON into `T`, checking every field's type and rejecting
/// unknown fields (with `#[serde(deny_unknown_fields)]` on `T`).
pub fn read_ron_file<T: DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = read_text(path)?;
    parse_ron(path, &text)
}

fn read_text(path: &Path) -> Result<String, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        LoadError::new(path, format!("cannot read the file: {}", io_reason(&error)))
    })?;
    if metadata.is_dir() {
        return Err(LoadError::new(path, "is a directory, not a file"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(LoadError::new(
            path,
            format!(
                "is {} bytes; data files are at most {MAX_FILE_BYTES} bytes",
                metadata.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|error| {
        LoadError::new(path, format!("cannot read the file: {}", io_reason(&error)))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|error| LoadError::new(path, format!("is not UTF-8 text: {error}")))?;
    if text.trim().is_empty() {
        return Err(LoadError::new(path, "is empty; expected a RON value"));
    }
    Ok(text)
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Parses `text` (the contents of `path`) as RON into `T`; errors name `path`.
pub fn parse_ron<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    // `implicit_some`: optional fields read `ms: 2.0`, not `ms: Some(2.0)`.
    let options = ron::Options::default()
        .with_recursion_limit(MAX_NESTING)
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut deserializer = ron::Deserializer::from_str_with_options(text, &options)
        .map_err(|error| spanned(path, None, error, text))?;
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let spanned_error = deserializer.span_error(error.into_inner());
        spanned(path, Some(field), spanned_error, text)
    })?;
    deserializer
        .end()
        .map_err(|error| spanned(path, None, deserializer.span_error(error), text))?;
    Ok(value)
}

fn spanned(
    path: &Path,
    field: Option<String>,
    error: ron::error::SpannedError,
    text: &str,
) -> LoadError {
    let mut message = error.code.to_string();
    if error.code == ron::Error::Eof {
        message.push_str(" (is the file cut short?)");
    }
    if looks_like_json(text) {
        message.push_str(
            " (this looks like JSON; cohort reads RON: `(field: value)` structs, `[..]` lists)",
        );
    }
    LoadError {
        path: path.to_path_buf(),
        position: Some((error.span.start.line, error.span.start.col)),
        field: field
            .map(|field| known_path(&field))
            .filter(|field| !field.is_empty()),
        message,
    }
}

/// The part of a serde path that names real fields: `teams[0].?` becomes `teams[0]`.
fn known_path(path: &str) -> String {
    let known = path.split(".?").next().unwrap_or_default();
    if known == "?" || known == "." {
        String::new()
    } else {
        known.to_string()
    }
}

fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with('{') && trimmed.contains("\":")
}
