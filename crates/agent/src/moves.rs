//! [`Move`]: one choice of an agent, as a value.
//!
//! It sits on its own because everything that plays or remembers a game
//! names it: the action space builds moves, the session performs them, the
//! state graph records where they led, the explorer weighs them. None of
//! those needs the others to know what a move is.

use std::time::Duration;

use playtest_types::Action;

use crate::describe::action_key;

/// One choice of an agent: a single action, or a gesture of several (a key
/// held for a while).
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub actions: Vec<Action>,
    /// The actions' keys joined by `+`.
    pub key: String,
}

impl Move {
    pub fn new(actions: Vec<Action>) -> Self {
        let key = actions.iter().map(action_key).collect::<Vec<_>>().join("+");
        Self { actions, key }
    }

    pub fn single(action: Action) -> Self {
        Self::new(vec![action])
    }

    /// Press `key`, wait `ms`, release it.
    pub fn hold(key: &str, ms: u64) -> Self {
        Self::new(vec![
            Action::KeyDown(key.into()),
            Action::WaitMs(ms),
            Action::KeyUp(key.into()),
        ])
    }

    /// Roughly how many observation cycles the move takes: one per action,
    /// and its waits in units of `cycle`, how long one act-settle-observe
    /// cycle takes on the driver's platform
    /// ([`TimingProfile::cycle`](crate::driver::TimingProfile::cycle)). A
    /// key held for 300 ms where a cycle takes 150 ms costs five presses,
    /// which an agent weighs against what the hold may show.
    pub fn cost(&self, cycle: Duration) -> f64 {
        let waits: u64 = self
            .actions
            .iter()
            .map(|action| match action {
                Action::WaitMs(ms) => *ms,
                _ => 0,
            })
            .sum();
        self.actions.len() as f64 + waits as f64 / cycle.as_millis().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_key_costs_its_three_actions_and_its_wait_in_cycles() {
        let cycle = Duration::from_millis(150);
        assert_eq!(Move::single(Action::Key("a".into())).cost(cycle), 1.0);
        assert_eq!(Move::hold("a", 300).cost(cycle), 5.0);
        assert_eq!(Move::hold("a", 300).cost(cycle * 2), 4.0);
    }

    #[test]
    fn a_move_s_key_joins_its_actions_keys() {
        assert_eq!(Move::hold("a", 300).key, "keydown:a+wait:300+keyup:a");
    }
}
