//! The decision-maker file format (`assets/ai/*.ron`) and its parser.

use std::path::Path;

use cohort_sim::data::{LoadError, parse_ron};
use serde::Deserialize;

use crate::curve::{Finite, ResponseCurve};
use crate::decision_maker::DecisionMaker;
use crate::schema::{AiSchema, InputRef, MAX_CONSIDERATIONS, MAX_OPTIONS};

/// A decision maker as written in its file. It is read, not written: an input is stored
/// as its slot in the game's [`AiSchema`](crate::AiSchema), so writing it back would lose
/// the name.
///
/// ```ron
/// (
///     commitment: 0.15,
///     options: [
///         (name: "engage", per_target: true, considerations: [
///             (input: "target.distance", range: (0.0, 30.0),
///              curve: Linear(slope: -1.0, intercept: 1.0)),
///         ]),
///         (name: "retreat", weight: 1.5, considerations: [
///             (input: "health", curve: Logistic(midpoint: 0.25, steepness: -20.0)),
///         ]),
///     ],
/// )
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionMakerDef {
    /// What the agent can do; the best score wins, ties go to the earlier option.
    pub options: Vec<OptionDef>,
    /// Added to the score share of the option (and target) the agent already has: 0.1
    /// means the current choice scores 10% more, so near ties do not flip-flop.
    #[serde(default)]
    pub commitment: Finite,
}

/// One option: `weight` times the product of its considerations' scores, with a
/// compensation so options with many considerations are not punished for them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// The option's name, as the game's bridge and the overlay know it.
    pub name: String,
    /// Multiplies the score; at least 0.
    #[serde(default = "one")]
    pub weight: Finite,
    /// Score each candidate target and keep the best (its considerations may read
    /// `target.*` inputs).
    #[serde(default)]
    pub per_target: bool,
    /// What the score depends on; none means the option always scores its weight.
    #[serde(default)]
    pub considerations: Vec<ConsiderationDef>,
}

/// One consideration: an input, optionally rescaled from `range` to [0, 1], through a curve.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsiderationDef {
    /// The input's name: an agent input, or `target.<name>` for a candidate's.
    pub input: InputRef,
    /// `(low, high)`: the input's values that map to 0 and 1. Without it the input is
    /// read as already in [0, 1].
    #[serde(default)]
    pub range: Option<(Finite, Finite)>,
    /// The response curve.
    pub curve: ResponseCurve,
}

fn one() -> Finite {
    Finite(1.0)
}

/// Parses a decision maker from `text`, the contents of `path`, against `schema`, and
/// checks it: every error names the file, and where it can the line and the field.
pub fn parse_decision_maker(
    path: &Path,
    text: &str,
    schema: &AiSchema,
) -> Result<DecisionMaker, LoadError> {
    let definition: DecisionMakerDef = schema.scope(|| parse_ron(path, text))?;
    validate(path, text, &definition)?;
    Ok(DecisionMaker::compile(name_of(path), &definition))
}

/// Reads and parses the decision-maker file at `path`.
pub fn load_decision_maker(path: &Path, schema: &AiSchema) -> Result<DecisionMaker, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| LoadError::new(path, format!("cannot read the file: {error}")))?;
    parse_decision_maker(path, &text, schema)
}

/// A decision maker's name: its file name without `.ron` (and `.ai`).
pub fn name_of(path: &Path) -> String {
    let file = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("decision maker");
    let file = file.strip_suffix(".ron").unwrap_or(file);
    file.strip_suffix(".ai").unwrap_or(file).to_string()
}

fn validate(path: &Path, text: &str, definition: &DecisionMakerDef) -> Result<(), LoadError> {
    let error = |field: String, needle: &str, message: String| {
        let mut error = LoadError::at_field(path, field, message);
        error.position = line_of(text, needle, 0);
        error
    };
    if definition.options.is_empty() {
        return Err(error(
            "options".into(),
            "options",
            "no options: a decision maker needs at least one".into(),
        ));
    }
    if definition.options.len() > MAX_OPTIONS {
        return Err(error(
            "options".into(),
            "options",
            format!(
                "{} options; at most {MAX_OPTIONS} fit",
                definition.options.len()
            ),
        ));
    }
    if definition.commitment.0 < 0.0 {
        return Err(error(
            "commitment".into(),
            "commitment",
            "commitment must be 0 or more".into(),
        ));
    }
    for (index, option) in definition.options.iter().enumerate() {
        let at = format!("options[{index}]");
        let quoted = format!("{:?}", option.name);
        if option.name.is_empty() {
            return Err(error(
                format!("{at}.name"),
                "name",
                "an option needs a name".into(),
            ));
        }
        let earlier = definition.options[..index]
            .iter()
            .filter(|other| other.name == option.name)
            .count();
        if earlier > 0 {
            // At the second of the two.
            let mut error = LoadError::at_field(
                path,
                format!("{at}.name"),
                format!("two options are named {quoted}"),
            );
            error.position = line_of(text, &quoted, earlier);
            return Err(error);
        }
        if option.weight.0 < 0.0 {
            return Err(error(
                format!("{at}.weight"),
                &quoted,
                "weight must be 0 or more".into(),
            ));
        }
        if option.considerations.len() > MAX_CONSIDERATIONS {
            return Err(error(
                format!("{at}.considerations"),
                &quoted,
                format!("at most {MAX_CONSIDERATIONS} considerations fit an option"),
            ));
        }
        for (slot, consideration) in option.considerations.iter().enumerate() {
            let at = format!("{at}.considerations[{slot}]");
            if !option.per_target && matches!(consideration.input, InputRef::Target(_)) {
                return Err(error(
                    format!("{at}.input"),
                    &quoted,
                    format!(
                        "option {quoted} reads a target input but is not per_target; add `per_target: true`"
                    ),
                ));
            }
            if let Some((low, high)) = consideration.range
                && low.0 == high.0
            {
                return Err(error(
                    format!("{at}.range"),
                    &quoted,
                    "a range's low and high must differ".into(),
                ));
            }
            if let Some(problem) = consideration.curve.problem() {
                return Err(error(format!("{at}.curve"), &quoted, problem.into()));
            }
        }
    }
    Ok(())
}

/// The 1-based line and column of the `nth` (from 0) place `needle` appears outside a
/// `//` comment (any `//` before it on its line counts as one, even inside a string).
fn line_of(text: &str, needle: &str, nth: usize) -> Option<(usize, usize)> {
    let in_comment = |at: usize| {
        let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        text[line_start..at].contains("//")
    };
    let (at, _) = text
        .match_indices(needle)
        .filter(|(at, _)| !in_comment(*at))
        .nth(nth)?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |newline| newline + 1) + 1;
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> AiSchema {
        AiSchema::new(&["health", "need"], &["distance"]).unwrap()
    }

    fn parse(text: &str) -> Result<DecisionMaker, LoadError> {
        parse_decision_maker(Path::new("ai/test.ron"), text, &schema())
    }

    #[test]
    fn a_good_file_compiles() {
        let maker = parse(
            "(commitment: 0.2, options: [\n\
             (name: \"eat\", considerations: [(input: \"need\", curve: Linear(slope: 1.0))]),\n\
             (name: \"chase\", per_target: true, considerations: [\n\
               (input: \"target.distance\", range: (0.0, 10.0), curve: Linear(slope: -1.0, intercept: 1.0))]),\n\
             (name: \"idle\", weight: 0.1),\n\
             ])",
        )
        .unwrap();
        assert_eq!(maker.name(), "test");
        assert_eq!(maker.option_count(), 3);
        assert_eq!(maker.option_name(1), Some("chase"));
        assert!(maker.reads_agent_input(1) && !maker.reads_agent_input(0));
        assert!(maker.reads_target_input(0));
    }

    #[test]
    fn an_unknown_input_names_file_line_and_the_known_inputs() {
        let error = parse(
            "(options: [\n  (name: \"eat\", considerations: [\n    (input: \"hunger\", curve: Linear(slope: 1.0))])])",
        )
        .unwrap_err();
        let text = error.to_string();
        assert_eq!(error.position.map(|(line, _)| line), Some(3), "{text}");
        assert!(text.starts_with("ai/test.ron:3:"), "{text}");
        assert!(text.contains("unknown input \"hunger\""), "{text}");
        assert!(text.contains("health, need"), "{text}");
    }

    #[test]
    fn a_nan_parameter_is_refused_at_its_line() {
        let error = parse(
            "(options: [(name: \"eat\", considerations: [\n (input: \"need\",\n  curve: Logistic(midpoint: NaN, steepness: 3.0))])])",
        )
        .unwrap_err();
        assert_eq!(error.position.map(|(line, _)| line), Some(3), "{error}");
        assert!(error.to_string().contains("not a finite number"), "{error}");
    }

    #[test]
    fn errors_point_past_comments_and_at_the_second_of_two_names() {
        let text = "// \"eat\" has a negative weight below\n(options: [\n (name: \"eat\", weight: -1.0),\n])";
        let error = parse(text).unwrap_err();
        assert_eq!(error.position.map(|(line, _)| line), Some(3), "{error}");
        let twice = "(options: [\n (name: \"eat\"),\n (name: \"eat\"),\n])";
        let error = parse(twice).unwrap_err();
        assert!(error.message.contains("two options"), "{error}");
        assert_eq!(error.position.map(|(line, _)| line), Some(3), "{error}");
    }

    #[test]
    fn a_weight_beyond_f32_is_refused_rather_than_made_infinite() {
        let error = parse("(options: [\n (name: \"eat\",\n  weight: 1e39)])").unwrap_err();
        assert_eq!(error.position.map(|(line, _)| line), Some(3), "{error}");
        assert!(error.to_string().contains("not a finite number"), "{error}");
        assert!(parse("(options: [(name: \"eat\", weight: 3e38)])").is_ok());
    }

    #[test]
    fn no_options_and_other_mistakes_are_named() {
        let none = parse("(\n  options: [],\n)").unwrap_err();
        assert!(none.to_string().contains("no options"), "{none}");
        assert_eq!(none.position.map(|(line, _)| line), Some(2), "{none}");
        let twice = parse("(options: [(name: \"a\"), (name: \"a\")])").unwrap_err();
        assert!(twice.to_string().contains("two options"), "{twice}");
        let target = parse(
            "(options: [(name: \"a\", considerations: [(input: \"target.distance\", curve: Linear(slope: 1.0))])])",
        )
        .unwrap_err();
        assert!(target.to_string().contains("per_target: true"), "{target}");
        let unknown_field = parse("(options: [(name: \"a\", wieght: 2.0)])").unwrap_err();
        assert!(
            unknown_field.to_string().contains("wieght"),
            "{unknown_field}"
        );
        let range = parse(
            "(options: [(name: \"a\", considerations: [(input: \"need\", range: (1.0, 1.0), curve: Linear(slope: 1.0))])])",
        )
        .unwrap_err();
        assert!(range.to_string().contains("range"), "{range}");
    }

    #[test]
    fn names_drop_the_extensions() {
        assert_eq!(name_of(Path::new("assets/ai/melee.ron")), "melee");
        assert_eq!(name_of(Path::new("x/archer.ai.ron")), "archer");
    }
}
