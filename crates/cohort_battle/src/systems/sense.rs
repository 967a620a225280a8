use bevy::ecs::prelude::*;
use cohort_sim::SimId;

use crate::grid::{GridEntry, SpatialGrid};
use crate::health::Health;
use crate::unit_types::UnitTypes;
use crate::{Position, Team, UnitKind};

/// Puts every living unit into the [`SpatialGrid`], reusing its buffers.
pub fn rebuild_spatial_grid(
    mut grid: ResMut<SpatialGrid>,
    types: Res<UnitTypes>,
    units: Query<(Entity, &SimId, &Position, &Team, &UnitKind, &Health)>,
) {
    grid.rebuild(units.iter().filter(|unit| unit.5.is_alive()).map(
        |(entity, id, position, team, kind, health)| GridEntry {
            entity,
            id: *id,
            position: position.0,
            radius: types.get(*kind).radius,
            team: team.0,
            missing: health.missing(),
            health_share: health.current as f32 / health.max.max(1) as f32,
        },
    ));
}
