//! A uniform spatial grid over the map, rebuilt every tick into reused buffers.

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;
use bevy::math::{DVec2, Vec2};
use cohort_sim::SimId;

use crate::health::Hp;

/// One unit as the grid saw it at the start of the tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridEntry {
    /// The unit.
    pub entity: Entity,
    /// Its stable id; ties between equally near units go to the lower id.
    pub id: SimId,
    /// Where it stood.
    pub position: Vec2,
    /// Its body radius.
    pub radius: f32,
    /// Its team.
    pub team: u8,
    /// How much health it was missing.
    pub missing: Hp,
}

/// Units bucketed by cell for neighbour queries.
///
/// [`rebuild`](Self::rebuild) sorts the units into cells with a counting sort; every buffer
/// keeps its capacity, so after the first ticks a rebuild allocates nothing.
#[derive(Resource, Debug, Clone)]
pub struct SpatialGrid {
    cell_size: f32,
    columns: usize,
    rows: usize,
    cell_start: Vec<u32>,
    entries: Vec<GridEntry>,
    staging: Vec<(u32, GridEntry)>,
    team_sums: Vec<(DVec2, u32)>,
    team_centers: Vec<Option<Vec2>>,
}

impl SpatialGrid {
    /// A grid covering `(0, 0)` to `size` with square cells of `cell_size`.
    pub fn new(size: Vec2, cell_size: f32, teams: usize) -> Self {
        let cell_size = cell_size.max(0.01);
        let columns = ((size.x / cell_size).ceil() as usize).clamp(1, 1 << 14);
        let rows = ((size.y / cell_size).ceil() as usize).clamp(1, 1 << 14);
        Self {
            cell_size,
            columns,
            rows,
            cell_start: vec![0; columns * rows + 1],
            entries: Vec::new(),
            staging: Vec::new(),
            team_sums: vec![(DVec2::ZERO, 0); teams],
            team_centers: vec![None; teams],
        }
    }

    /// The side of one cell.
    pub fn cell_size(&self) -> f32 {
        self.cell_size
    }

    /// How many units the grid holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the grid holds no units.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The mean position of each team's units, `None` for a team with none left.
    pub fn team_center(&self, team: u8) -> Option<Vec2> {
        self.team_centers.get(usize::from(team)).copied().flatten()
    }

    /// The nearest other team's center, seen from `from`; ties go to the lower team index.
    pub fn nearest_enemy_center(&self, team: u8, from: Vec2) -> Option<Vec2> {
        let mut best: Option<(f32, Vec2)> = None;
        for (index, center) in self.team_centers.iter().enumerate() {
            let Some(center) = *center else { continue };
            if index == usize::from(team) {
                continue;
            }
            let distance = from.distance_squared(center);
            if best.is_none_or(|(best_distance, _)| distance < best_distance) {
                best = Some((distance, center));
            }
        }
        best.map(|(_, center)| center)
    }

    fn cell_coords(&self, position: Vec2) -> (usize, usize) {
        let x = (position.x / self.cell_size).floor().max(0.0) as usize;
        let y = (position.y / self.cell_size).floor().max(0.0) as usize;
        (x.min(self.columns - 1), y.min(self.rows - 1))
    }

    /// Replaces the grid's contents with `units`.
    pub fn rebuild(&mut self, units: impl IntoIterator<Item = GridEntry>) {
        self.staging.clear();
        for sum in &mut self.team_sums {
            *sum = (DVec2::ZERO, 0);
        }
        for entry in units {
            let (x, y) = self.cell_coords(entry.position);
            self.staging.push(((y * self.columns + x) as u32, entry));
            if let Some(sum) = self.team_sums.get_mut(usize::from(entry.team)) {
                sum.0 += entry.position.as_dvec2();
                sum.1 += 1;
            }
        }
        for (center, (sum, count)) in self.team_centers.iter_mut().zip(&self.team_sums) {
            *center = (*count > 0).then(|| (*sum / f64::from(*count)).as_vec2());
        }
        // Counting sort by cell, stable, so each cell keeps the query's order.
        self.cell_start.fill(0);
        for (cell, _) in &self.staging {
            self.cell_start[*cell as usize + 1] += 1;
        }
        for index in 1..self.cell_start.len() {
            self.cell_start[index] += self.cell_start[index - 1];
        }
        let placeholder = self.staging.first().map(|(_, entry)| *entry);
        self.entries.clear();
        if let Some(placeholder) = placeholder {
            self.entries.resize(self.staging.len(), placeholder);
        }
        // `cell_start[c]` is used as the write cursor of cell `c`, then restored.
        for (cell, entry) in &self.staging {
            let cursor = &mut self.cell_start[*cell as usize];
            self.entries[*cursor as usize] = *entry;
            *cursor += 1;
        }
        for index in (1..self.cell_start.len()).rev() {
            self.cell_start[index] = self.cell_start[index - 1];
        }
        self.cell_start[0] = 0;
    }

    fn cell(&self, x: usize, y: usize) -> &[GridEntry] {
        let cell = y * self.columns + x;
        &self.entries[self.cell_start[cell] as usize..self.cell_start[cell + 1] as usize]
    }

    /// Calls `visit` for every cell at Chebyshev distance `ring` from `(cx, cy)`.
    fn for_each_cell_in_ring<'a>(
        &'a self,
        cx: usize,
        cy: usize,
        ring: usize,
        mut visit: impl FnMut(&'a [GridEntry]),
    ) {
        let (cx, cy, ring) = (cx as isize, cy as isize, ring as isize);
        let (columns, rows) = (self.columns as isize, self.rows as isize);
        let y_range = (cy - ring).max(0)..=(cy + ring).min(rows - 1);
        for y in y_range {
            let on_edge = (y - cy).abs() == ring;
            let step = if on_edge { 1 } else { (2 * ring).max(1) };
            let mut x = cx - ring;
            while x <= cx + ring {
                if (0..columns).contains(&x) {
                    visit(self.cell(x as usize, y as usize));
                }
                x += step;
            }
        }
    }

    /// The nearest unit within `max_distance` of `from` that `accept` takes; ties go to the
    /// lower [`SimId`]. Searches rings of cells outward and stops as soon as no farther
    /// ring can hold anything nearer.
    pub fn nearest(
        &self,
        from: Vec2,
        max_distance: f32,
        accept: impl Fn(&GridEntry) -> bool,
    ) -> Option<&GridEntry> {
        let (cx, cy) = self.cell_coords(from);
        let max_ring = (max_distance / self.cell_size).ceil() as usize + 1;
        let max_ring = max_ring.min(self.columns.max(self.rows));
        let limit = max_distance * max_distance;
        let mut best: Option<(f32, &GridEntry)> = None;
        for ring in 0..=max_ring {
            self.for_each_cell_in_ring(cx, cy, ring, |cell| {
                for entry in cell {
                    let distance = from.distance_squared(entry.position);
                    if distance > limit || !accept(entry) {
                        continue;
                    }
                    let better = best.is_none_or(|(best_distance, best_entry)| {
                        distance < best_distance
                            || (distance == best_distance && entry.id < best_entry.id)
                    });
                    if better {
                        best = Some((distance, entry));
                    }
                }
            });
            // Cells in the next ring lie at least `ring` cells away from `from`.
            let reach = ring as f32 * self.cell_size;
            if best.is_some_and(|(distance, _)| distance <= reach * reach) {
                break;
            }
        }
        best.map(|(_, entry)| entry)
    }

    /// Calls `visit` for every unit within `radius` of `from`, cell by cell.
    pub fn for_each_within(&self, from: Vec2, radius: f32, mut visit: impl FnMut(&GridEntry)) {
        let (cx, cy) = self.cell_coords(from);
        let rings = (radius / self.cell_size).ceil() as usize + 1;
        let limit = radius * radius;
        for ring in 0..=rings.min(self.columns.max(self.rows)) {
            self.for_each_cell_in_ring(cx, cy, ring, |cell| {
                for entry in cell {
                    if from.distance_squared(entry.position) <= limit {
                        visit(entry);
                    }
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, x: f32, y: f32, team: u8) -> GridEntry {
        GridEntry {
            entity: Entity::from_raw_u32(id as u32 + 1).unwrap(),
            id: SimId(id),
            position: Vec2::new(x, y),
            radius: 0.5,
            team,
            missing: 0,
        }
    }

    fn brute_nearest(units: &[GridEntry], from: Vec2, max: f32, team: u8) -> Option<u64> {
        units
            .iter()
            .filter(|unit| unit.team != team && from.distance(unit.position) <= max)
            .min_by(|a, b| {
                from.distance_squared(a.position)
                    .total_cmp(&from.distance_squared(b.position))
                    .then(a.id.cmp(&b.id))
            })
            .map(|unit| unit.id.0)
    }

    #[test]
    fn nearest_matches_brute_force() {
        let mut rng = cohort_sim::SimRng::new(3).stream(SimId(0), 0, 0);
        let units: Vec<_> = (0..500)
            .map(|id| {
                entry(
                    id,
                    rng.range_f32(0.0, 100.0),
                    rng.range_f32(0.0, 60.0),
                    (id % 3) as u8,
                )
            })
            .collect();
        let mut grid = SpatialGrid::new(Vec2::new(100.0, 60.0), 4.0, 3);
        grid.rebuild(units.iter().copied());
        assert_eq!(grid.len(), 500);
        for probe in 0..300 {
            let from = Vec2::new(rng.range_f32(0.0, 100.0), rng.range_f32(0.0, 60.0));
            let team = (probe % 3) as u8;
            for max in [3.0, 10.0, 200.0] {
                let found = grid
                    .nearest(from, max, |unit| unit.team != team)
                    .map(|u| u.id.0);
                assert_eq!(
                    found,
                    brute_nearest(&units, from, max, team),
                    "probe {probe} max {max}"
                );
            }
        }
    }

    #[test]
    fn ties_go_to_the_lower_id() {
        let mut grid = SpatialGrid::new(Vec2::splat(20.0), 2.0, 2);
        grid.rebuild([entry(9, 12.0, 10.0, 1), entry(4, 8.0, 10.0, 1)]);
        let found = grid.nearest(Vec2::new(10.0, 10.0), 5.0, |_| true);
        assert_eq!(found.map(|unit| unit.id), Some(SimId(4)));
    }

    #[test]
    fn within_radius_and_team_centers() {
        let mut grid = SpatialGrid::new(Vec2::splat(50.0), 5.0, 3);
        grid.rebuild([
            entry(1, 10.0, 10.0, 0),
            entry(2, 14.0, 10.0, 0),
            entry(3, 40.0, 40.0, 1),
        ]);
        let mut seen = Vec::new();
        grid.for_each_within(Vec2::new(11.0, 10.0), 3.5, |unit| seen.push(unit.id.0));
        seen.sort_unstable();
        assert_eq!(seen, vec![1, 2]);
        assert_eq!(grid.team_center(0), Some(Vec2::new(12.0, 10.0)));
        assert_eq!(
            grid.team_center(2),
            None,
            "a team with no units has no center"
        );
        assert_eq!(
            grid.nearest_enemy_center(0, Vec2::ZERO),
            Some(Vec2::new(40.0, 40.0))
        );
    }

    #[test]
    fn positions_outside_the_map_are_clamped_into_edge_cells() {
        let mut grid = SpatialGrid::new(Vec2::splat(10.0), 2.0, 2);
        grid.rebuild([entry(1, -5.0, 50.0, 1)]);
        assert!(
            grid.nearest(Vec2::new(0.0, 10.0), 100.0, |_| true)
                .is_some()
        );
    }
}
