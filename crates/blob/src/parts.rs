//! The checks a complete makes on the parts a client names, shared by both
//! stores so they refuse the same things with the same messages.

use std::collections::BTreeMap;

use crate::{BlobError, CompletedPart, PartInfo, Result};

/// S3's limit, kept on both stores.
pub const MAX_PARTS: u32 = 10_000;

/// Refuses part numbers outside 1..=10000.
pub(crate) fn check_part_number(part_number: u32) -> Result<()> {
    if part_number == 0 || part_number > MAX_PARTS {
        return Err(BlobError::invalid_part(
            part_number,
            format!("part numbers run from 1 to {MAX_PARTS}"),
        ));
    }
    Ok(())
}

/// An ETag without its quotes (and without a weak `W/` mark), for comparing
/// what a client sends with what the store keeps.
pub(crate) fn bare_etag(etag: &str) -> &str {
    let etag = etag.trim();
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    etag.trim_matches('"')
}

/// The quoted form S3 answers with.
pub(crate) fn quoted_etag(md5: &[u8]) -> String {
    format!("\"{}\"", hex::encode(md5))
}

/// Checks `requested` (from the client) against `stored` (what arrived) and
/// returns the object's total size. See `BlobStore::complete_multipart` for
/// the rules. A stored part with an empty ETag (an S3 service that does not
/// list them) is taken on trust; the service checks it itself.
pub(crate) fn check_parts(
    requested: &[CompletedPart],
    stored: &[PartInfo],
    part_size: Option<u64>,
) -> Result<u64> {
    if requested.is_empty() {
        return Err(BlobError::invalid_part(
            1,
            "no parts were listed; list every uploaded part from 1 up",
        ));
    }
    if requested.len() > MAX_PARTS as usize {
        return Err(BlobError::invalid_part(
            MAX_PARTS + 1,
            format!("at most {MAX_PARTS} parts"),
        ));
    }
    let stored: BTreeMap<u32, &PartInfo> = stored.iter().map(|p| (p.part_number, p)).collect();
    let mut sizes = Vec::with_capacity(requested.len());
    for (index, part) in requested.iter().enumerate() {
        let expected = index as u32 + 1;
        let number = part.part_number;
        if number != expected {
            let reason = if index > 0 && number == requested[index - 1].part_number {
                "listed twice; list each part once".to_string()
            } else if number < expected {
                "out of order; list parts in ascending order from 1".to_string()
            } else {
                format!("part {expected} is missing from the list; list every part from 1 up")
            };
            return Err(BlobError::invalid_part(number, reason));
        }
        let Some(found) = stored.get(&number) else {
            return Err(BlobError::invalid_part(
                number,
                "was never uploaded (or the upload was aborted); upload it, then complete again",
            ));
        };
        if !found.etag.is_empty() && bare_etag(&found.etag) != bare_etag(&part.etag) {
            return Err(BlobError::invalid_part(
                number,
                format!(
                    "the ETag sent ({}) does not match the stored part's ({}); send the ETag its PUT answered, or upload the part again",
                    part.etag, found.etag
                ),
            ));
        }
        sizes.push(found.size);
    }
    check_sizes(&sizes, part_size)?;
    Ok(sizes.iter().sum())
}

fn check_sizes(sizes: &[u64], part_size: Option<u64>) -> Result<()> {
    let last = sizes.len();
    let full = part_size.unwrap_or(sizes[0]);
    for (index, &size) in sizes.iter().enumerate() {
        let number = index as u32 + 1;
        if number as usize != last && size != full {
            return Err(BlobError::invalid_part(
                number,
                format!(
                    "is {size} bytes, but every part but the last must be {full} bytes; upload it again with the right size"
                ),
            ));
        }
        if number as usize == last && last > 1 && (size == 0 || size > full) {
            return Err(BlobError::invalid_part(
                number,
                format!("is the last part and {size} bytes; it must be 1 to {full} bytes"),
            ));
        }
        if last == 1 && part_size.is_some_and(|full| size > full) {
            return Err(BlobError::invalid_part(
                number,
                format!("is {size} bytes, more than the part size of {full}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(sizes: &[u64]) -> Vec<PartInfo> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| PartInfo {
                part_number: i as u32 + 1,
                etag: format!("\"e{}\"", i + 1),
                size,
            })
            .collect()
    }

    fn requested(numbers: &[u32]) -> Vec<CompletedPart> {
        numbers
            .iter()
            .map(|&n| CompletedPart {
                part_number: n,
                etag: format!("e{n}"),
            })
            .collect()
    }

    fn refused_part(result: Result<u64>) -> (u32, String) {
        match result {
            Err(BlobError::InvalidPart {
                part_number,
                reason,
            }) => (part_number, reason),
            other => panic!("expected InvalidPart, got {other:?}"),
        }
    }

    #[test]
    fn complete_parts_return_the_total_size_with_or_without_quotes() {
        let total = check_parts(&requested(&[1, 2, 3]), &stored(&[4, 4, 1]), Some(4)).unwrap();
        assert_eq!(total, 9);
        let quoted = vec![CompletedPart {
            part_number: 1,
            etag: "\"e1\"".into(),
        }];
        assert_eq!(check_parts(&quoted, &stored(&[7]), None).unwrap(), 7);
    }

    #[test]
    fn a_gap_a_repeat_or_a_wrong_order_is_refused() {
        let parts = stored(&[4, 4, 4]);
        assert!(
            refused_part(check_parts(&requested(&[1, 3]), &parts, None))
                .1
                .contains("part 2 is missing")
        );
        assert!(
            refused_part(check_parts(&requested(&[1, 1, 2]), &parts, None))
                .1
                .contains("twice")
        );
        assert!(
            refused_part(check_parts(&requested(&[2, 1]), &parts, None))
                .1
                .contains("missing")
        );
        assert!(
            refused_part(check_parts(&requested(&[1, 2, 1]), &parts, None))
                .1
                .contains("order")
        );
        assert_eq!(refused_part(check_parts(&[], &parts, None)).0, 1);
    }

    #[test]
    fn a_part_that_never_arrived_or_has_another_etag_is_refused() {
        let (number, reason) = refused_part(check_parts(&requested(&[1, 2]), &stored(&[4]), None));
        assert_eq!((number, reason.contains("never uploaded")), (2, true));
        let mut wrong = requested(&[1]);
        wrong[0].etag = "\"other\"".into();
        assert!(
            refused_part(check_parts(&wrong, &stored(&[4]), None))
                .1
                .contains("ETag")
        );
    }

    #[test]
    fn an_unlisted_etag_is_taken_on_trust() {
        let mut parts = stored(&[4]);
        parts[0].etag.clear();
        assert_eq!(check_parts(&requested(&[1]), &parts, None).unwrap(), 4);
    }

    #[test]
    fn sizes_must_match_the_part_size_except_a_shorter_last_part() {
        let ok = check_parts(&requested(&[1, 2, 3]), &stored(&[4, 4, 4]), Some(4));
        assert_eq!(ok.unwrap(), 12);
        assert_eq!(
            refused_part(check_parts(
                &requested(&[1, 2, 3]),
                &stored(&[4, 3, 1]),
                Some(4)
            ))
            .0,
            2
        );
        assert_eq!(
            refused_part(check_parts(&requested(&[1, 2]), &stored(&[4, 5]), Some(4))).0,
            2
        );
        assert_eq!(
            refused_part(check_parts(&requested(&[1, 2]), &stored(&[4, 0]), None)).0,
            2
        );
        assert_eq!(
            refused_part(check_parts(&requested(&[1, 2]), &stored(&[3, 3]), Some(4))).0,
            1
        );
        assert_eq!(
            refused_part(check_parts(&requested(&[1]), &stored(&[5]), Some(4))).0,
            1
        );
        // Without a part size, part 1 sets it.
        assert_eq!(
            refused_part(check_parts(
                &requested(&[1, 2, 3]),
                &stored(&[4, 5, 1]),
                None
            ))
            .0,
            2
        );
    }

    #[test]
    fn part_numbers_outside_the_s3_range_are_refused() {
        assert!(check_part_number(0).is_err());
        assert!(check_part_number(10_001).is_err());
        check_part_number(1).unwrap();
        check_part_number(10_000).unwrap();
    }

    #[test]
    fn etags_compare_without_quotes_or_weak_marks() {
        assert_eq!(bare_etag("\"abc\""), "abc");
        assert_eq!(bare_etag("W/\"abc\""), "abc");
        assert_eq!(bare_etag(" abc "), "abc");
        assert_eq!(quoted_etag(&[0xab, 0x01]), "\"ab01\"");
    }
}
