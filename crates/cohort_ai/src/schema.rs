//! The inputs a game offers its decision makers, by name, and the fixed sizes of the
//! dense components that carry them.

use std::cell::RefCell;

use bevy::ecs::resource::Resource;
use serde::{Deserialize, Deserializer};

/// The most inputs an agent has ([`AiInputs`](crate::AiInputs)).
pub const MAX_INPUTS: usize = 16;
/// The most inputs each candidate target has.
pub const MAX_TARGET_INPUTS: usize = 8;
/// The most candidate targets an agent weighs per decision ([`AiCandidates`](crate::AiCandidates)).
pub const MAX_CANDIDATES: usize = 16;
/// The most options a decision maker has.
pub const MAX_OPTIONS: usize = 16;
/// The most considerations an option has.
pub const MAX_CONSIDERATIONS: usize = 8;

/// The prefix that names a candidate target's input in a decision-maker file.
pub const TARGET_PREFIX: &str = "target.";

/// The names of the inputs a game's sensors write, in slot order: `inputs[i]` of
/// [`AiInputs`](crate::AiInputs) is `agent[i]`, and a candidate's `inputs[i]` is
/// `target[i]`, read in files as `"target.<name>"`.
#[derive(Resource, Debug, Clone, PartialEq, Eq, Default)]
pub struct AiSchema {
    agent: Vec<&'static str>,
    target: Vec<&'static str>,
}

/// Why a schema cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

impl AiSchema {
    /// A schema of `agent` inputs and `target` inputs. Names must be unique, non-empty, and
    /// fit the fixed sizes ([`MAX_INPUTS`], [`MAX_TARGET_INPUTS`]).
    pub fn new(agent: &[&'static str], target: &[&'static str]) -> Result<Self, SchemaError> {
        check_names("agent", agent, MAX_INPUTS)?;
        check_names("target", target, MAX_TARGET_INPUTS)?;
        Ok(Self {
            agent: agent.to_vec(),
            target: target.to_vec(),
        })
    }

    /// The agent inputs' names, in slot order.
    pub fn agent_inputs(&self) -> &[&'static str] {
        &self.agent
    }

    /// The candidate inputs' names, in slot order.
    pub fn target_inputs(&self) -> &[&'static str] {
        &self.target
    }

    /// The slot of agent input `name`.
    pub fn agent_slot(&self, name: &str) -> Option<usize> {
        self.agent.iter().position(|known| *known == name)
    }

    /// The slot of candidate input `name` (without the `target.` prefix).
    pub fn target_slot(&self, name: &str) -> Option<usize> {
        self.target.iter().position(|known| *known == name)
    }

    /// The name an input is written with in files (`health`, `target.distance`), as a
    /// `Display` that allocates nothing.
    pub fn name_of(&self, input: InputRef) -> InputName {
        let (prefix, names, slot) = match input {
            InputRef::Agent(slot) => ("", &self.agent, slot),
            InputRef::Target(slot) => (TARGET_PREFIX, &self.target, slot),
        };
        InputName {
            prefix,
            name: names.get(usize::from(slot)).copied().unwrap_or("?"),
        }
    }

    /// Runs `parse` with this schema in force for [`InputRef`]'s deserializer on this
    /// thread.
    pub(crate) fn scope<T>(&self, parse: impl FnOnce() -> T) -> T {
        PARSE_SCHEMA.with(|slot| *slot.borrow_mut() = Some(self.clone()));
        let result = parse();
        PARSE_SCHEMA.with(|slot| *slot.borrow_mut() = None);
        result
    }

    fn listing(&self) -> String {
        let agent = self.agent.join(", ");
        let target: Vec<String> = self
            .target
            .iter()
            .map(|name| format!("{TARGET_PREFIX}{name}"))
            .collect();
        format!(
            "agent inputs: {agent}; target inputs: {}",
            target.join(", ")
        )
    }
}

fn check_names(kind: &str, names: &[&'static str], max: usize) -> Result<(), SchemaError> {
    if names.len() > max {
        return Err(SchemaError(format!(
            "{} {kind} inputs given; at most {max} fit the dense components",
            names.len()
        )));
    }
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() || name.starts_with(TARGET_PREFIX) {
            return Err(SchemaError(format!(
                "{kind} input {index} is named {name:?}; names are non-empty and have no `{TARGET_PREFIX}` prefix"
            )));
        }
        if names[..index].contains(name) {
            return Err(SchemaError(format!("{kind} input {name:?} is named twice")));
        }
    }
    Ok(())
}

/// An input's name as files write it; see [`AiSchema::name_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputName {
    prefix: &'static str,
    name: &'static str,
}

impl std::fmt::Display for InputName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix)?;
        f.write_str(self.name)
    }
}

thread_local! {
    static PARSE_SCHEMA: RefCell<Option<AiSchema>> = const { RefCell::new(None) };
}

/// One input a consideration reads: an agent input slot or a candidate input slot.
///
/// Deserialized from its name (`"health"`, `"target.distance"`) against the game's
/// [`AiSchema`]; an unknown name is an error at its line that lists the known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputRef {
    /// `AiInputs::values[slot]`.
    Agent(u8),
    /// A candidate's `inputs[slot]`.
    Target(u8),
}

impl<'de> Deserialize<'de> for InputRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        PARSE_SCHEMA.with(|slot| {
            let schema = slot.borrow();
            let Some(schema) = schema.as_ref() else {
                return Err(serde::de::Error::custom(
                    "input names are read through cohort_ai's parser (parse_decision_maker)",
                ));
            };
            let found = match name.strip_prefix(TARGET_PREFIX) {
                Some(target) => schema
                    .target_slot(target)
                    .map(|slot| InputRef::Target(slot as u8)),
                None => schema
                    .agent_slot(&name)
                    .map(|slot| InputRef::Agent(slot as u8)),
            };
            found.ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown input {name:?}; this game's {}",
                    schema.listing()
                ))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(AiSchema::new(&["health", "health"], &[]).is_err());
        assert!(AiSchema::new(&["target.x"], &[]).is_err());
        assert!(AiSchema::new(&[""], &[]).is_err());
        let too_many: Vec<&'static str> = (0..=MAX_TARGET_INPUTS)
            .map(|i| &*Box::leak(format!("t{i}").into_boxed_str()))
            .collect();
        assert!(AiSchema::new(&[], &too_many).is_err());
        let schema = AiSchema::new(&["health", "fear"], &["distance"]).unwrap();
        assert_eq!(schema.agent_slot("fear"), Some(1));
        assert_eq!(
            schema.name_of(InputRef::Target(0)).to_string(),
            "target.distance"
        );
        assert_eq!(schema.name_of(InputRef::Agent(0)).to_string(), "health");
    }
}
