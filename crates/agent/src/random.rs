//! The baseline the explorer is measured against: moves drawn uniformly
//! from the same action space, with the same session loop and coverage
//! accounting, and no memory or plan.

use rand::{Rng, SeedableRng, rngs::SmallRng};

use crate::action_space::{ActionSpace, ActionSpaceSettings};
use crate::error::AgentError;
use crate::explorer::{ExplorationReport, RunEnd, run_end};
use crate::session::Session;

pub struct RandomAgent {
    max_actions: u64,
    rng: SmallRng,
    space: ActionSpace,
    moves: u64,
}

impl RandomAgent {
    pub fn new(max_actions: u64, space: ActionSpaceSettings, session: &mut Session<'_>) -> Self {
        let seed = session.seed();
        let viewport = session.driver().viewport();
        Self {
            max_actions,
            rng: SmallRng::seed_from_u64(seed),
            space: ActionSpace::new(space, viewport, seed),
            moves: 0,
        }
    }

    /// Starts the session and plays random moves until `max_actions`, the
    /// deadline, a stop, or a game that cannot be started.
    pub async fn run(
        &mut self,
        session: &mut Session<'_>,
    ) -> Result<ExplorationReport, AgentError> {
        let ended = match self.play(session).await {
            Ok(()) => RunEnd::MaxActions,
            Err(error) => run_end(error)?,
        };
        Ok(ExplorationReport::of(session, self.moves, ended))
    }

    async fn play(&mut self, session: &mut Session<'_>) -> Result<(), AgentError> {
        session.start().await?;
        while session.counters().actions < self.max_actions {
            let moves = self.space.moves_in(session).await;
            if moves.is_empty() {
                return Err(AgentError::BadAction("no move is possible".into()));
            }
            let chosen = &moves[self.rng.random_range(0..moves.len())];
            match session.perform_move(chosen).await {
                Ok(_) => self.moves += 1,
                Err(AgentError::BadAction(reason)) => session.log(format!(
                    "The move {} is not possible here: {reason}",
                    chosen.key
                )),
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}
