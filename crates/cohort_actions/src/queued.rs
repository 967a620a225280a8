//! One queued order and how it ends.

use serde::{Deserialize, Serialize};

/// An order in a queue, with the options that steer its life: priority, timeout, repeat.
///
/// Build one from the action with [`Queued::new`] or `.into()`, then chain the options:
/// `Queued::new(Order::Flee).with_priority(5).with_timeout(90)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued<A> {
    /// The order itself.
    pub action: A,
    /// Higher interrupts a running action of lower priority as soon as it reaches the front
    /// of the queue. 0 by default.
    #[serde(default)]
    pub priority: u8,
    /// Ticks it may run before it ends as [`ActionEnd::TimedOut`]; 0 for no limit.
    #[serde(default)]
    pub timeout: u32,
    /// Goes back to the end of the queue after it finishes or times out: a patrol.
    #[serde(default)]
    pub repeat: bool,
    /// Goes back to the front of the queue, behind the interrupting action, when
    /// interrupted, instead of being dropped (or, when repeating, going to the end).
    #[serde(default)]
    pub resumable: bool,
    /// The tick it was written in: the start of its enqueue-to-start latency.
    #[serde(default)]
    pub enqueued: u64,
}

impl<A> Queued<A> {
    /// `action` with priority 0, no timeout, no repeat.
    pub fn new(action: A) -> Self {
        Self {
            action,
            priority: 0,
            timeout: 0,
            repeat: false,
            resumable: false,
            enqueued: 0,
        }
    }

    /// Interrupts running actions of lower priority.
    pub fn with_priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    /// Ends as [`ActionEnd::TimedOut`] after `ticks` ticks (0: never).
    pub fn with_timeout(mut self, ticks: u32) -> Self {
        self.timeout = ticks;
        self
    }

    /// Goes back to the end of the queue each time it finishes or times out.
    pub fn repeating(mut self) -> Self {
        self.repeat = true;
        self
    }

    /// Resumes after the action that interrupted it.
    pub fn resumable(mut self) -> Self {
        self.resumable = true;
        self
    }
}

impl<A> From<A> for Queued<A> {
    fn from(action: A) -> Self {
        Self::new(action)
    }
}

/// How a current action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionEnd {
    /// Its kind's system called [`ActionQueue::finish`](crate::ActionQueue::finish).
    Finished,
    /// Cancelled by a command, or by its kind's system with
    /// [`ActionQueue::cancel`](crate::ActionQueue::cancel).
    Cancelled,
    /// Ran for its [`Queued::timeout`] ticks without finishing.
    TimedOut,
    /// An action of higher priority reached the front of the queue.
    Interrupted,
}

/// Where a unit's current action is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ActionState {
    /// No current action.
    #[default]
    Idle,
    /// Started this tick: its kind's system sees it for the first time.
    Started,
    /// Started in an earlier tick and still going.
    Running,
    /// Its kind's system asked to end it this tick; it ends at the next advance.
    Ending(ActionEnd),
}
