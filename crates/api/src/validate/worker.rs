//! What a worker may register as able to play: its capabilities, in either
//! shape of the registration, as the one list the store keeps.

use playtest_types::{Capability, PlatformKind, RegisterWorkerRequest, TestType};

use crate::ApiError;

/// The worker's capabilities, one a platform (ordered by platform name)
/// with its test types in [`TestType::ALL`]'s order. A registration of the
/// older shape (`platforms` only) plays every test type of its platforms.
pub fn capabilities(request: &RegisterWorkerRequest) -> Result<Vec<Capability>, ApiError> {
    let given: Vec<Capability> = match (&request.capabilities[..], &request.platforms[..]) {
        ([], []) => {
            return Err(ApiError::validation(
                "capabilities",
                "capabilities must name at least one platform (web, linux) with the test types \
                 the worker plays on it (verification, discovery, game_loop)",
            ));
        }
        ([_, ..], [_, ..]) => {
            return Err(ApiError::validation(
                "platforms",
                "give capabilities or platforms (which plays every test type), not both",
            ));
        }
        ([], platforms) => platforms
            .iter()
            .map(|&platform| Capability {
                platform,
                test_types: TestType::ALL.to_vec(),
            })
            .collect(),
        (capabilities, []) => {
            for (i, capability) in capabilities.iter().enumerate() {
                if capability.test_types.is_empty() {
                    return Err(ApiError::validation(
                        format!("capabilities[{i}].test_types"),
                        "test_types must name at least one test type the worker plays \
                         (verification, discovery, game_loop)",
                    ));
                }
            }
            capabilities.to_vec()
        }
    };
    Ok(merged(&given))
}

/// One capability a platform, with the test types of every entry for it.
fn merged(given: &[Capability]) -> Vec<Capability> {
    let mut platforms: Vec<PlatformKind> = given.iter().map(|c| c.platform).collect();
    platforms.sort_by_key(|p| p.as_str());
    platforms.dedup();
    platforms
        .into_iter()
        .map(|platform| {
            let of_platform = || given.iter().filter(move |c| c.platform == platform);
            Capability {
                platform,
                test_types: TestType::ALL
                    .into_iter()
                    .filter(|t| of_platform().any(|c| c.test_types.contains(t)))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        capabilities: Vec<Capability>,
        platforms: Vec<PlatformKind>,
    ) -> RegisterWorkerRequest {
        RegisterWorkerRequest {
            name: "w".into(),
            capabilities,
            platforms,
            slots: 1,
            version: None,
        }
    }

    fn plays(platform: PlatformKind, test_types: &[TestType]) -> Capability {
        Capability {
            platform,
            test_types: test_types.to_vec(),
        }
    }

    #[test]
    fn a_registration_of_platforms_only_plays_every_test_type_of_them() {
        let old = request(vec![], vec![PlatformKind::Web, PlatformKind::Linux]);
        assert_eq!(
            capabilities(&old).unwrap(),
            [
                plays(PlatformKind::Linux, &TestType::ALL),
                plays(PlatformKind::Web, &TestType::ALL)
            ]
        );
    }

    #[test]
    fn capabilities_are_merged_by_platform_and_put_in_order() {
        let given = request(
            vec![
                plays(PlatformKind::Web, &[TestType::Discovery]),
                plays(PlatformKind::Linux, &[TestType::GameLoop]),
                plays(
                    PlatformKind::Web,
                    &[TestType::Verification, TestType::Discovery],
                ),
            ],
            vec![],
        );
        assert_eq!(
            capabilities(&given).unwrap(),
            [
                plays(PlatformKind::Linux, &[TestType::GameLoop]),
                plays(
                    PlatformKind::Web,
                    &[TestType::Verification, TestType::Discovery]
                )
            ]
        );
    }

    fn refused_field(request: &RegisterWorkerRequest) -> String {
        match capabilities(request) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_worker_that_plays_nothing_or_names_both_shapes_is_refused() {
        assert_eq!(refused_field(&request(vec![], vec![])), "capabilities");
        let nothing = vec![plays(PlatformKind::Web, &[])];
        assert_eq!(
            refused_field(&request(nothing, vec![])),
            "capabilities[0].test_types"
        );
        let both = request(
            vec![plays(PlatformKind::Web, &[TestType::Discovery])],
            vec![PlatformKind::Web],
        );
        assert_eq!(refused_field(&both), "platforms");
    }
}
