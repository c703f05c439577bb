//! What makes a replay or minimisation request acceptable.

use playtest_types::ReplayRequest;

use super::test_spec::MAX_SECONDS;
use super::{Checked, range};

pub fn replay_request(request: &ReplayRequest) -> Checked {
    if let Some(max) = request.max_time_seconds {
        range("max_time_seconds", max, 1, MAX_SECONDS)?;
    }
    Ok(())
}
