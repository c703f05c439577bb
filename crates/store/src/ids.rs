//! Identifiers. Runs and jobs get 12 characters of `[a-z0-9]`, as the
//! reference API promises; other objects get a readable prefix
//! (`tst_`, `tpl_`, `dcf_`, `key_`, `prj_`, `tpe_`, `bug_`, `occ_`).

use rand::Rng;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_chars(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A run, job or player id: 12 characters of `[a-z0-9]`.
pub fn short_id() -> String {
    random_chars(12)
}

/// `prefix_` followed by 16 random characters.
pub fn prefixed(prefix: &str) -> String {
    format!("{prefix}_{}", random_chars(16))
}

/// Whether `id` has the shape of a run or job id.
pub fn is_short_id(id: &str) -> bool {
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_have_the_reference_shape() {
        for _ in 0..100 {
            assert!(is_short_id(&short_id()));
        }
        assert!(!is_short_id("ABCDEFGHIJKL"));
        assert!(!is_short_id("abc"));
    }

    #[test]
    fn prefixed_ids_start_with_their_prefix() {
        let id = prefixed("tst");
        assert!(id.starts_with("tst_"));
        assert_eq!(id.len(), 20);
    }
}
