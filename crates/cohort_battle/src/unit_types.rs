//! The unit types of the running battle.

use bevy::ecs::resource::Resource;

use crate::UnitKind;
use crate::data::UnitType;

/// The battle's unit types, indexed by [`UnitKind`].
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct UnitTypes(pub Vec<UnitType>);

impl UnitTypes {
    /// The type of a unit. Every spawned [`UnitKind`] indexes this list.
    pub fn get(&self, kind: UnitKind) -> &UnitType {
        &self.0[usize::from(kind.0)]
    }
}
