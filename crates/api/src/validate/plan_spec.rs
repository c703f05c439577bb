//! What makes a test plan acceptable. Whether its tests exist is checked
//! against the store by the handler.

use playtest_types::TestPlanSpec;

use super::{Checked, MAX_DESCRIPTION_CHARS, id, name, range, text};
use crate::ApiError;

pub const MAX_ITEMS: usize = 100;
pub const MAX_RETRIES: i64 = 10;

pub fn plan_spec(spec: &TestPlanSpec) -> Checked {
    name("name", &spec.name)?;
    text("description", &spec.description, 0, MAX_DESCRIPTION_CHARS)?;
    if spec.test_items.is_empty() || spec.test_items.len() > MAX_ITEMS {
        return Err(ApiError::validation(
            "test_items",
            format!("test_items must hold 1 to {MAX_ITEMS} items"),
        ));
    }
    for (i, item) in spec.test_items.iter().enumerate() {
        id(
            &format!("test_items[{i}].multiplayer_test_id"),
            &item.multiplayer_test_id,
        )?;
        if let Some(retries) = item.retries {
            range(&format!("test_items[{i}].retries"), retries, 0, MAX_RETRIES)?;
        }
    }
    Ok(())
}
