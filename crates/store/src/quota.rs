//! The accounting of a project's storage, the same in both backends:
//! whether a new build fits and, when it does not, which builds
//! `auto_delete` removes to make room; how much removed builds release.
//!
//! Both backends decide from what they read while holding the project's
//! storage for themselves (SQLite's write lock, PostgreSQL's lock on the
//! project's row), so two reservations can never both count the same free
//! bytes.
//!
//! The statements that keep the count, which both dialects accept, are
//! here too; the backends bind the values and take the locks.

use std::collections::HashMap;
use std::sync::LazyLock;

use playtest_types::DeletionPolicy;

use crate::rows::BUILD_COLUMNS;
use crate::{BuildRecord, Result, StorageRules, StoreError};

/// The builds `auto_delete` may remove, as a condition on `builds`: ready
/// and unpinned. Uploading builds are never taken.
pub(crate) const EVICTABLE: &str = "status = 'ready' AND NOT pinned";

/// The evictable builds of project `$1` (id and size), the first to go
/// first.
pub(crate) fn eviction_candidates(policy: DeletionPolicy) -> String {
    format!(
        "SELECT id, file_size FROM builds WHERE project_id = $1 AND {EVICTABLE} ORDER BY {}",
        eviction_order(policy)
    )
}

/// `ORDER BY` of the evictable builds, the first to go first.
fn eviction_order(policy: DeletionPolicy) -> &'static str {
    match policy {
        DeletionPolicy::LeastRecent => "COALESCE(last_used, created_at), seq",
        DeletionPolicy::Oldest => "created_at, seq",
    }
}

/// A project's storage as a reservation finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    used: i64,
    /// `None`: unlimited.
    capacity: Option<i64>,
    needed: i64,
}

impl Quota {
    /// `own_capacity` is the project's; without one, the rules' default applies.
    pub(crate) fn new(
        used: i64,
        own_capacity: Option<i64>,
        rules: StorageRules,
        needed: i64,
    ) -> Self {
        Quota {
            used,
            capacity: own_capacity.or(rules.default_capacity),
            needed,
        }
    }

    /// How many bytes must be freed for the new build to fit (0: it fits).
    pub(crate) fn shortfall(&self) -> i64 {
        match self.capacity {
            Some(capacity) => self
                .used
                .saturating_add(self.needed)
                .saturating_sub(capacity)
                .max(0),
            None => 0,
        }
    }

    /// The error of a reservation that does not fit (only a limited
    /// capacity can be exceeded).
    pub(crate) fn exceeded(&self) -> StoreError {
        StoreError::QuotaExceeded {
            used: self.used,
            capacity: self.capacity.unwrap_or(i64::MAX),
            needed: self.needed,
        }
    }

    /// The first of `candidates` (id and size, in eviction order) whose
    /// sizes add up to the shortfall, or the quota error if all of them
    /// together do not.
    pub(crate) fn victims(&self, candidates: Vec<(String, i64)>) -> Result<Vec<String>> {
        let shortfall = self.shortfall();
        let mut freed = 0i64;
        let mut chosen = Vec::new();
        for (id, size) in candidates {
            if freed >= shortfall {
                break;
            }
            freed = freed.saturating_add(size);
            chosen.push(id);
        }
        if freed < shortfall {
            return Err(self.exceeded());
        }
        Ok(chosen)
    }
}

/// `records` (as a `DELETE ... RETURNING` gave them back, in any order) in
/// the order of `ids`.
pub(crate) fn in_order(ids: &[String], mut records: Vec<BuildRecord>) -> Vec<BuildRecord> {
    let place: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    records.sort_by_key(|r| {
        place
            .get(r.build.id.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    records
}

/// The total size of `records` per project, for releasing their storage.
pub(crate) fn sizes_by_project(records: &[BuildRecord]) -> Vec<(String, i64)> {
    let mut sizes: Vec<(String, i64)> = Vec::new();
    for record in records {
        let build = &record.build;
        match sizes.iter_mut().find(|(p, _)| *p == build.project_id) {
            Some((_, size)) => *size += build.file_size,
            None => sizes.push((build.project_id.clone(), build.file_size)),
        }
    }
    sizes.sort();
    sizes
}

/// Expired uploads in the order they expired.
pub(crate) fn sort_by_expiry(records: &mut [BuildRecord]) {
    records.sort_by(|a, b| {
        let expiry = |r: &BuildRecord| r.upload.as_ref().map(|u| u.expires_at);
        expiry(a)
            .cmp(&expiry(b))
            .then_with(|| a.build.id.cmp(&b.build.id))
    });
}

/// Adds `$2` bytes (negative: releases) to project `$1`'s storage.
pub(crate) const ADD_STORAGE: &str =
    "UPDATE projects SET storage_used = storage_used + $2 WHERE id = $1";

/// Sets project `$1`'s own capacity to `$2` (NULL: the default applies).
pub(crate) const SET_CAPACITY: &str = "UPDATE projects SET storage_capacity = $2 WHERE id = $1";

/// What the upload of build `$2` (project `$1`) reserved, if still pending.
pub(crate) const RESERVED: &str =
    "SELECT file_size FROM builds WHERE project_id = $1 AND id = $2 AND status = 'uploading'";

/// A new build, `uploading`: `$1` id, `$2` project, `$3` name, `$4` platform,
/// `$5` file name, `$6` size, `$7` tags, `$8` description, `$9` details,
/// `$10` blob key, `$11`..`$14` its upload (see `UploadColumns`), `$15` when
/// the upload expires, `$16` created.
pub(crate) static INSERT_BUILD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO builds (id, project_id, name, platform, status, file_name, file_size, tags, \
         description, details, blob_key, upload_kind, upload_id, part_size, total_parts, \
         upload_expires_at, created_at) \
         VALUES ($1, $2, $3, $4, 'uploading', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         RETURNING {BUILD_COLUMNS}"
    )
});

/// A pending upload done: build `$2` of project `$1` is `ready`, `$3` bytes
/// of digest `$4`, completed at `$5`.
pub(crate) static FINISH_UPLOAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE builds SET status = 'ready', file_size = $3, sha256 = $4, completed_at = $5, \
         upload_kind = NULL, upload_id = NULL, part_size = NULL, total_parts = NULL, \
         upload_expires_at = NULL \
         WHERE project_id = $1 AND id = $2 AND status = 'uploading' RETURNING {BUILD_COLUMNS}"
    )
});

/// Deletes build `$2` of project `$1` if `condition` holds of it.
pub(crate) fn delete_build_if(condition: &str) -> String {
    format!(
        "DELETE FROM builds WHERE project_id = $1 AND id = $2 AND {condition} RETURNING {BUILD_COLUMNS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(default_capacity: Option<i64>) -> StorageRules {
        StorageRules {
            default_capacity,
            auto_delete: None,
        }
    }

    fn candidates(sizes: &[i64]) -> Vec<(String, i64)> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| (format!("b{i}"), size))
            .collect()
    }

    #[test]
    fn a_project_capacity_overrides_the_default_and_none_is_unlimited() {
        assert_eq!(
            Quota::new(90, Some(100), rules(Some(1000)), 20).shortfall(),
            10
        );
        assert_eq!(Quota::new(90, None, rules(Some(100)), 20).shortfall(), 10);
        assert_eq!(Quota::new(90, None, rules(Some(110)), 20).shortfall(), 0);
        assert_eq!(
            Quota::new(i64::MAX, None, rules(None), i64::MAX).shortfall(),
            0
        );
    }

    #[test]
    fn victims_are_taken_in_order_until_the_shortfall_is_covered() {
        let quota = Quota::new(90, Some(100), rules(None), 25);
        assert_eq!(
            quota.victims(candidates(&[5, 5, 5, 50])).unwrap(),
            ["b0", "b1", "b2"]
        );
        assert_eq!(quota.victims(candidates(&[50, 5])).unwrap(), ["b0"]);
    }

    #[test]
    fn too_few_candidates_report_the_quota_as_found() {
        let quota = Quota::new(90, Some(100), rules(None), 25);
        let err = quota.victims(candidates(&[5, 5])).unwrap_err();
        assert!(matches!(
            err,
            StoreError::QuotaExceeded {
                used: 90,
                capacity: 100,
                needed: 25
            }
        ));
    }
}
