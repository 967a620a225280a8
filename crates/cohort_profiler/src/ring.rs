//! A fixed-capacity ring that keeps the most recent values; it never grows after creation.

/// The last `capacity` values pushed, oldest first when iterated.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: Vec<T>,
    capacity: usize,
    next: usize,
}

impl<T: Copy> Ring<T> {
    /// An empty ring that will keep `capacity` values (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            items: Vec::with_capacity(capacity),
            capacity,
            next: 0,
        }
    }

    /// Adds `value`, dropping the oldest once full. Allocates nothing.
    pub fn push(&mut self, value: T) {
        if self.items.len() < self.capacity {
            self.items.push(value);
        } else {
            self.items[self.next] = value;
        }
        // A compare, not `%`: this runs for every system every frame.
        self.next += 1;
        if self.next == self.capacity {
            self.next = 0;
        }
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many values it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The newest value.
    pub fn last(&self) -> Option<T> {
        if self.items.is_empty() {
            return None;
        }
        Some(self.items[(self.next + self.capacity - 1) % self.capacity])
    }

    /// The values, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = T> + '_ {
        let split = if self.items.len() < self.capacity {
            0
        } else {
            self.next
        };
        let (newer, older) = self.items.split_at(split);
        older.iter().chain(newer).copied()
    }

    /// Forgets every value, keeping the memory.
    pub fn clear(&mut self) {
        self.items.clear();
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    #[test]
    fn keeps_the_newest_in_order() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.last(), None);
        for value in 1..=5 {
            ring.push(value);
        }
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(ring.last(), Some(5));
        assert_eq!(ring.len(), 3);
        ring.clear();
        assert!(ring.is_empty());
        ring.push(9);
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![9]);
    }
}
