//! The parts of a build list's SQL that both backends spell alike: the
//! project, platform and name conditions. Each backend adds its own tag
//! condition (SQLite reads the JSON array with `json_each`, PostgreSQL
//! tests containment with `@>`) and names its case-insensitive `LIKE`.

use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::BuildFilter;

/// The character that escapes `%`, `_` and itself in [`contains_pattern`].
const ESCAPE: char = '\\';

/// A `LIKE` pattern matching any text that contains `text`, whose own `%`
/// and `_` match only themselves (with `ESCAPE '\'`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            pattern.push(ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// ` WHERE ...` for the builds of `project_id` that pass `filter`'s platform
/// and name; `like` is the backend's case-insensitive `LIKE`.
pub(crate) fn push_common_filters<DB: Database>(
    query: &mut QueryBuilder<DB>,
    project_id: &str,
    filter: &BuildFilter,
    like: &'static str,
) where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    query
        .push(" WHERE project_id = ")
        .push_bind(project_id.to_owned());
    if let Some(platform) = filter.platform {
        query
            .push(" AND platform = ")
            .push_bind(platform.as_str().to_owned());
    }
    if let Some(text) = &filter.name_contains {
        query
            .push(format_args!(" AND name {like} "))
            .push_bind(contains_pattern(text))
            .push(" ESCAPE '\\'");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_the_searched_text_are_escaped() {
        assert_eq!(contains_pattern("v1"), "%v1%");
        assert_eq!(contains_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
