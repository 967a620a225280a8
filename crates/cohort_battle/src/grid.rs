//! A uniform spatial grid over the map, rebuilt every tick into reused buffers.

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;
use bevy::math::{DVec2, Vec2};
use cohort_sim::SimId;

use crate::health::Hp;

/// Bounds of a team with no units: empty for every range check.
const EMPTY_CELLS: [usize; 4] = [usize::MAX, usize::MAX, 0, 0];

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
    /// Its health over its maximum.
    pub health_share: f32,
}

/// Units bucketed by team and cell for neighbour queries.
///
/// Each team has its own buckets, so looking for enemies never scans allies and the other
/// way round. [`rebuild`](Self::rebuild) sorts the units into buckets with a counting sort;
/// every buffer keeps its capacity, so after the first ticks a rebuild allocates nothing.
#[derive(Resource, Debug, Clone)]
pub struct SpatialGrid {
    cell_size: f32,
    columns: usize,
    rows: usize,
    teams: usize,
    /// Start of bucket `team * cells + cell` in `entries`; one more for the end.
    bucket_start: Vec<u32>,
    entries: Vec<GridEntry>,
    staging: Vec<(u32, GridEntry)>,
    team_sums: Vec<(DVec2, u32)>,
    team_centers: Vec<Option<Vec2>>,
    /// Each team's occupied cells: `[min_x, min_y, max_x, max_y]`, inclusive.
    team_cells: Vec<[usize; 4]>,
}

impl SpatialGrid {
    /// A grid covering `(0, 0)` to `size` with square cells of `cell_size`, for `teams`
    /// teams. Units of a team index at or past `teams` are left out.
    pub fn new(size: Vec2, cell_size: f32, teams: usize) -> Self {
        let cell_size = cell_size.max(0.01);
        let columns = ((size.x / cell_size).ceil() as usize).clamp(1, 1 << 12);
        let rows = ((size.y / cell_size).ceil() as usize).clamp(1, 1 << 12);
        let cell_size = cell_size
            .max(size.x / columns as f32)
            .max(size.y / rows as f32);
        Self {
            cell_size,
            columns,
            rows,
            teams,
            bucket_start: vec![0; teams * columns * rows + 1],
            entries: Vec::new(),
            staging: Vec::new(),
            team_sums: vec![(DVec2::ZERO, 0); teams],
            team_centers: vec![None; teams],
            team_cells: vec![EMPTY_CELLS; teams],
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

    /// The number of teams the grid was made for.
    pub fn teams(&self) -> usize {
        self.teams
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

    fn cells(&self) -> usize {
        self.columns * self.rows
    }

    /// Replaces the grid's contents with `units`.
    pub fn rebuild(&mut self, units: impl IntoIterator<Item = GridEntry>) {
        self.staging.clear();
        self.team_sums.fill((DVec2::ZERO, 0));
        self.team_cells.fill(EMPTY_CELLS);
        let cells = self.cells();
        for entry in units {
            let team = usize::from(entry.team);
            if team >= self.teams {
                continue;
            }
            let (x, y) = self.cell_coords(entry.position);
            self.staging
                .push(((team * cells + y * self.columns + x) as u32, entry));
            let sum = &mut self.team_sums[team];
            sum.0 += entry.position.as_dvec2();
            sum.1 += 1;
            let bounds = &mut self.team_cells[team];
            *bounds = [
                bounds[0].min(x),
                bounds[1].min(y),
                bounds[2].max(x),
                bounds[3].max(y),
            ];
        }
        for (center, (sum, count)) in self.team_centers.iter_mut().zip(&self.team_sums) {
            *center = (*count > 0).then(|| (*sum / f64::from(*count)).as_vec2());
        }
        // Counting sort by bucket, stable, so each bucket keeps the query's order.
        self.bucket_start.fill(0);
        for (bucket, _) in &self.staging {
            self.bucket_start[*bucket as usize + 1] += 1;
        }
        for index in 1..self.bucket_start.len() {
            self.bucket_start[index] += self.bucket_start[index - 1];
        }
        let placeholder = self.staging.first().map(|(_, entry)| *entry);
        self.entries.clear();
        if let Some(placeholder) = placeholder {
            self.entries.resize(self.staging.len(), placeholder);
        }
        // `bucket_start[b]` serves as bucket `b`'s write cursor, then is shifted back.
        for (bucket, entry) in &self.staging {
            let cursor = &mut self.bucket_start[*bucket as usize];
            self.entries[*cursor as usize] = *entry;
            *cursor += 1;
        }
        for index in (1..self.bucket_start.len()).rev() {
            self.bucket_start[index] = self.bucket_start[index - 1];
        }
        self.bucket_start[0] = 0;
    }

    fn bucket(&self, team: usize, x: usize, y: usize) -> &[GridEntry] {
        let bucket = team * self.cells() + y * self.columns + x;
        &self.entries[self.bucket_start[bucket] as usize..self.bucket_start[bucket + 1] as usize]
    }

    /// Calls `visit` for `team`'s bucket of every cell at Chebyshev distance `ring` from
    /// `(cx, cy)`, skipping cells outside the team's occupied bounds.
    fn for_each_bucket_in_ring<'a>(
        &'a self,
        team: usize,
        (cx, cy): (usize, usize),
        ring: usize,
        mut visit: impl FnMut(&'a [GridEntry]),
    ) {
        let [min_x, min_y, max_x, max_y] = self.team_cells[team].map(|bound| bound as isize);
        let (cx, cy, ring) = (cx as isize, cy as isize, ring as isize);
        for y in (cy - ring).max(min_y)..=(cy + ring).min(max_y) {
            let on_edge = (y - cy).abs() == ring;
            if on_edge {
                for x in (cx - ring).max(min_x)..=(cx + ring).min(max_x) {
                    visit(self.bucket(team, x as usize, y as usize));
                }
            } else {
                for x in [cx - ring, cx + ring] {
                    if (min_x..=max_x).contains(&x) {
                        visit(self.bucket(team, x as usize, y as usize));
                    }
                }
            }
        }
    }

    /// The Chebyshev distance in cells from `(cx, cy)` to the nearest cell `team` occupies.
    fn rings_to_team(&self, team: usize, (cx, cy): (usize, usize)) -> usize {
        let [min_x, min_y, max_x, max_y] = self.team_cells[team];
        let dx = min_x.saturating_sub(cx).max(cx.saturating_sub(max_x));
        let dy = min_y.saturating_sub(cy).max(cy.saturating_sub(max_y));
        dx.max(dy)
    }

    /// The last ring that can hold a point within `distance`: a point that far lies at
    /// most `ceil(distance / cell_size)` cells from the searcher's cell on either axis.
    fn max_ring(&self, distance: f32) -> usize {
        ((distance / self.cell_size).ceil() as usize).min(self.columns.max(self.rows))
    }

    /// How far `from` is from any of `team`'s cells outside the square of rings up to
    /// `ring`: infinite once the square covers every cell the team occupies.
    fn clearance(&self, team: usize, from: Vec2, (cx, cy): (usize, usize), ring: usize) -> f32 {
        let [min_x, min_y, max_x, max_y] = self.team_cells[team];
        let size = self.cell_size;
        let mut clearance = f32::INFINITY;
        if cx.saturating_sub(ring) > min_x {
            clearance = clearance.min(from.x - (cx - ring) as f32 * size);
        }
        if cx + ring < max_x {
            clearance = clearance.min((cx + ring + 1) as f32 * size - from.x);
        }
        if cy.saturating_sub(ring) > min_y {
            clearance = clearance.min(from.y - (cy - ring) as f32 * size);
        }
        if cy + ring < max_y {
            clearance = clearance.min((cy + ring + 1) as f32 * size - from.y);
        }
        clearance.max(0.0)
    }

    /// The nearest unit of any team but `team` within `max_distance` of `from`; ties go to
    /// the lower [`SimId`].
    pub fn nearest_enemy(&self, team: u8, from: Vec2, max_distance: f32) -> Option<&GridEntry> {
        self.nearest_enemies::<1>(team, from, max_distance)
            .iter()
            .next()
            .map(|(_, entry)| entry)
    }

    /// The `K` nearest units of any team but `team` within `max_distance` of `from`,
    /// nearest first; ties go to the lower [`SimId`]. Allocates nothing.
    pub fn nearest_enemies<const K: usize>(
        &self,
        team: u8,
        from: Vec2,
        max_distance: f32,
    ) -> Nearest<'_, K> {
        let mut best = Nearest::new();
        for other in (0..self.teams).filter(|&other| other != usize::from(team)) {
            if self.team_sums[other].1 == 0 {
                continue;
            }
            self.nearest_in_team(other, from, max_distance, &mut best);
        }
        best
    }

    /// Improves `best` with the nearest units of `team` within `max_distance` of `from`,
    /// searching rings of cells outward and stopping once no farther ring can hold anything
    /// nearer than the farthest kept.
    fn nearest_in_team<'a, const K: usize>(
        &'a self,
        team: usize,
        from: Vec2,
        max_distance: f32,
        best: &mut Nearest<'a, K>,
    ) {
        let center = self.cell_coords(from);
        let limit = max_distance * max_distance;
        for ring in self.rings_to_team(team, center)..=self.max_ring(max_distance) {
            self.for_each_bucket_in_ring(team, center, ring, |bucket| {
                for entry in bucket {
                    let distance = from.distance_squared(entry.position);
                    if distance <= limit {
                        best.offer(distance, entry);
                    }
                }
            });
            let clearance = self.clearance(team, from, center, ring);
            if clearance.is_infinite()
                || best
                    .farthest()
                    .is_some_and(|distance| distance <= clearance * clearance)
            {
                break;
            }
        }
    }

    /// Calls `visit` for every unit of `team` within `radius` of `from`.
    pub fn for_each_ally_within(
        &self,
        team: u8,
        from: Vec2,
        radius: f32,
        mut visit: impl FnMut(&GridEntry),
    ) {
        let team = usize::from(team);
        if team >= self.teams {
            return;
        }
        let [min_x, min_y, max_x, max_y] = self.team_cells[team];
        let (low_x, low_y) = self.cell_coords(from - Vec2::splat(radius));
        let (high_x, high_y) = self.cell_coords(from + Vec2::splat(radius));
        let limit = radius * radius;
        for y in low_y.max(min_y)..=high_y.min(max_y) {
            for x in low_x.max(min_x)..=high_x.min(max_x) {
                for entry in self.bucket(team, x, y) {
                    if from.distance_squared(entry.position) <= limit {
                        visit(entry);
                    }
                }
            }
        }
    }
}

/// Up to `K` grid entries nearest a point, nearest first, with their squared distances.
#[derive(Debug, Clone, Copy)]
pub struct Nearest<'a, const K: usize> {
    len: usize,
    entries: [(f32, Option<&'a GridEntry>); K],
}

impl<'a, const K: usize> Nearest<'a, K> {
    fn new() -> Self {
        Self {
            len: 0,
            entries: [(f32::INFINITY, None); K],
        }
    }

    /// Keeps `entry` if it is among the `K` nearest so far (ties: the lower id).
    #[inline]
    fn offer(&mut self, distance: f32, entry: &'a GridEntry) {
        // A list of none keeps none (and has no last place to compare with).
        if K == 0 {
            return;
        }
        // Most entries of a full list are farther than all it keeps.
        if self.len == K && distance > self.entries[K - 1].0 {
            return;
        }
        let before = |(kept, other): &(f32, Option<&GridEntry>)| {
            distance < *kept || (distance == *kept && other.is_some_and(|o| entry.id < o.id))
        };
        let Some(at) = self.entries[..self.len]
            .iter()
            .position(before)
            .or_else(|| (self.len < K).then_some(self.len))
        else {
            return;
        };
        let last = self.len.min(K - 1);
        self.entries.copy_within(at..last, at + 1);
        self.entries[at] = (distance, Some(entry));
        self.len = (self.len + 1).min(K);
    }

    /// The farthest kept squared distance, once `K` are kept.
    fn farthest(&self) -> Option<f32> {
        (self.len == K).then(|| self.entries.last().map_or(0.0, |entry| entry.0))
    }

    /// How many were found.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when none was found.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The squared distance and entry of each, nearest first.
    pub fn iter(&self) -> impl Iterator<Item = (f32, &'a GridEntry)> + '_ {
        self.entries[..self.len]
            .iter()
            .filter_map(|(distance, entry)| entry.map(|entry| (*distance, entry)))
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
            health_share: 1.0,
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
                let found = grid.nearest_enemy(team, from, max).map(|u| u.id.0);
                assert_eq!(
                    found,
                    brute_nearest(&units, from, max, team),
                    "probe {probe} max {max}"
                );
            }
        }
    }

    #[test]
    fn asking_for_none_finds_none_without_a_panic() {
        let units = [entry(0, 1.0, 1.0, 0), entry(1, 2.0, 1.0, 1)];
        let mut grid = SpatialGrid::new(Vec2::new(10.0, 10.0), 4.0, 2);
        grid.rebuild(units.iter().copied());
        let none = grid.nearest_enemies::<0>(0, Vec2::ONE, 50.0);
        assert_eq!(none.len(), 0);
        assert_eq!(none.iter().count(), 0);
        assert_eq!(grid.nearest_enemies::<1>(0, Vec2::ONE, 50.0).len(), 1);
    }

    #[test]
    fn k_nearest_match_brute_force() {
        let mut rng = cohort_sim::SimRng::new(5).stream(SimId(0), 0, 0);
        let units: Vec<_> = (0..400)
            .map(|id| {
                entry(
                    id,
                    rng.range_f32(0.0, 80.0),
                    rng.range_f32(0.0, 80.0),
                    (id % 2) as u8,
                )
            })
            .collect();
        let mut grid = SpatialGrid::new(Vec2::splat(80.0), 4.0, 2);
        grid.rebuild(units.iter().copied());
        for probe in 0..100 {
            let from = Vec2::new(rng.range_f32(0.0, 80.0), rng.range_f32(0.0, 80.0));
            let mut expected: Vec<_> = units
                .iter()
                .filter(|unit| unit.team != 0 && from.distance(unit.position) <= 20.0)
                .map(|unit| (from.distance_squared(unit.position), unit.id.0))
                .collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            expected.truncate(6);
            let found: Vec<_> = grid
                .nearest_enemies::<6>(0, from, 20.0)
                .iter()
                .map(|(distance, unit)| (distance, unit.id.0))
                .collect();
            assert_eq!(found, expected, "probe {probe}");
        }
    }

    #[test]
    fn ties_go_to_the_lower_id() {
        let mut grid = SpatialGrid::new(Vec2::splat(20.0), 2.0, 2);
        grid.rebuild([entry(9, 12.0, 10.0, 1), entry(4, 8.0, 10.0, 1)]);
        let found = grid.nearest_enemy(0, Vec2::new(10.0, 10.0), 5.0);
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
        grid.for_each_ally_within(0, Vec2::new(11.0, 10.0), 3.5, |unit| seen.push(unit.id.0));
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
        assert!(grid.nearest_enemy(0, Vec2::new(0.0, 10.0), 100.0).is_some());
        grid.rebuild([entry(2, 1.0, 1.0, 7)]);
        assert!(grid.is_empty(), "a team past the grid's teams is left out");
    }
}
