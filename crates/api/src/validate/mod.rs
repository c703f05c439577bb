//! Checks shared by the resources' validations. Each returns a 400 that
//! names the field and says what would be accepted.

mod asset;
mod config_spec;
mod plan_spec;
mod replay;
mod start_run;
mod test_spec;
mod upload;
mod worker;

pub use asset::{MAX_ASSET_BYTES, asset_bytes, asset_name, asset_type};
pub use config_spec::config_spec;
pub use plan_spec::plan_spec;
pub use replay::replay_request;
pub use start_run::start_run;
pub use test_spec::test_spec;
pub use upload::{UploadShape, initiate_upload, plain_file_name};
pub use worker::capabilities;

use playtest_store::PageRequest;
use playtest_types::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

use crate::ApiError;

pub type Checked = Result<(), ApiError>;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_TAGS: usize = 50;
pub const MAX_ID_CHARS: usize = 64;
/// The deepest a page may go, so `page * page_size` stays reasonable.
pub const MAX_PAGE: i64 = 1_000_000;

/// A text of `min..=max` characters (not bytes), with no control characters
/// other than newlines and tabs.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Checked {
    let chars = value.chars().count();
    if chars < min || chars > max {
        let what = if min == 0 {
            format!("at most {max} characters")
        } else {
            format!("{min} to {max} characters")
        };
        return Err(ApiError::validation(
            field,
            format!("{field} must be {what} (got {chars})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::validation(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// A display name: 1 to 200 characters, not only spaces, on one line.
pub fn name(field: &str, value: &str) -> Checked {
    text(field, value, 1, MAX_NAME_CHARS)?;
    if value.trim().is_empty() {
        return Err(ApiError::validation(
            field,
            format!("{field} must not be blank"),
        ));
    }
    if value.contains(['\n', '\r']) {
        return Err(ApiError::validation(
            field,
            format!("{field} must be on one line"),
        ));
    }
    Ok(())
}

/// Tags: at most 50, each 1 to 50 characters, without commas (tag filters
/// are comma lists).
pub fn tags(field: &str, tags: &[String]) -> Checked {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::validation(
            field,
            format!("{field} may hold at most {MAX_TAGS} tags"),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        let field = format!("{field}[{i}]");
        name(&field, tag)?;
        text(&field, tag, 1, MAX_TAG_CHARS)?;
        if tag.contains(',') {
            return Err(ApiError::validation(
                &field,
                format!("{field} must not contain a comma"),
            ));
        }
    }
    Ok(())
}

/// A `?tags=a,b` filter: the comma list, blanks dropped, each a valid tag.
pub fn tag_filter(field: &str, list: Option<&str>) -> Result<Vec<String>, ApiError> {
    let found: Vec<String> = list
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_string)
        .collect();
    tags(field, &found)?;
    Ok(found)
}

/// An integer within `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Checked {
    if value < min || value > max {
        return Err(ApiError::validation(
            field,
            format!("{field} must be between {min} and {max} (got {value})"),
        ));
    }
    Ok(())
}

/// An id given in a body or query: 1 to 64 characters. Whether it exists is
/// the store's question.
pub fn id(field: &str, value: &str) -> Checked {
    if value.is_empty() || value.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::validation(
            field,
            format!("{field} must be 1 to {MAX_ID_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The page of a list request, with the contract's defaults and bounds.
pub fn page(page: Option<i64>, page_size: Option<i64>) -> Result<PageRequest, ApiError> {
    let page = page.unwrap_or(0);
    let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    range("page", page, 0, MAX_PAGE)?;
    range("page_size", page_size, 1, MAX_PAGE_SIZE)?;
    Ok(PageRequest { page, page_size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Checked) -> String {
        match result {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert!(name("name", &"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert_eq!(
            field_of(name("name", &"é".repeat(MAX_NAME_CHARS + 1))),
            "name"
        );
    }

    #[test]
    fn blank_and_multiline_names_are_refused() {
        assert_eq!(field_of(name("name", "   ")), "name");
        assert_eq!(field_of(name("name", "a\nb")), "name");
        assert_eq!(field_of(name("name", "a\u{0}b")), "name");
    }

    #[test]
    fn a_bad_tag_is_named_by_its_index() {
        let tags_list = vec!["ok".to_string(), "a,b".to_string()];
        assert_eq!(field_of(tags("tags", &tags_list)), "tags[1]");
    }

    #[test]
    fn page_size_must_be_between_1_and_100() {
        assert_eq!(field_of(page(None, Some(0)).map(|_| ())), "page_size");
        assert_eq!(field_of(page(None, Some(101)).map(|_| ())), "page_size");
        assert_eq!(field_of(page(Some(-1), None).map(|_| ())), "page");
        assert_eq!(
            page(None, None).unwrap(),
            PageRequest {
                page: 0,
                page_size: 20
            }
        );
    }
}
