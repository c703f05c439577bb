//! What workers can play, matched against the queue, the same in both
//! backends: the (platform, test type) pairs a lease takes jobs of, and why
//! a queued job that no connected worker plays waits, with what to do.
//!
//! A job needs its run's platform and test type (`jobs.platform`,
//! `jobs.test_type`). A replay or minimisation of a bug plays the test of
//! the run that found it, so it needs that run's test type: `verification`
//! or `discovery`, as a game loop records no trace to replay.

use playtest_types::{Capability, PlatformKind, TestType};

/// The (platform, test type) pairs `capabilities` play, as stored.
pub(crate) fn playable(capabilities: &[Capability]) -> Vec<(&'static str, &'static str)> {
    capabilities
        .iter()
        .flat_map(|c| {
            c.test_types
                .iter()
                .map(|t| (c.platform.as_str(), t.as_str()))
        })
        .collect()
}

/// The platforms of `capabilities`, in their order (the `platforms` a
/// worker is listed with).
pub(crate) fn platforms_of(capabilities: &[Capability]) -> Vec<PlatformKind> {
    let mut platforms: Vec<PlatformKind> = Vec::new();
    for capability in capabilities {
        if !platforms.contains(&capability.platform) {
            platforms.push(capability.platform);
        }
    }
    platforms
}

/// Why a queued job of `platform` and `test_type` waits when no connected
/// worker (whose capabilities together are `connected`) plays it, and
/// what to do; `None` when one does.
pub(crate) fn rejection_reason(
    platform: PlatformKind,
    test_type: TestType,
    connected: &[Capability],
) -> Option<String> {
    if connected.is_empty() {
        return Some("no worker is connected".to_string());
    }
    let mut of_platform = connected.iter().filter(|c| c.platform == platform);
    let drives_platform = of_platform.clone().next().is_some();
    if of_platform.any(|c| c.test_types.contains(&test_type)) {
        return None;
    }
    let remedy = remedy(platform, test_type);
    let (platform, test_type) = (platform.as_str(), test_type.as_str());
    Some(if drives_platform {
        format!("no connected worker plays {platform} {test_type} tests: {remedy}")
    } else {
        format!("no connected worker can drive {platform} builds: {remedy}")
    })
}

/// What gets a job of `platform` and `test_type` played.
fn remedy(platform: PlatformKind, test_type: TestType) -> &'static str {
    use TestType::{Discovery, GameLoop, Verification};
    match (platform, test_type) {
        (PlatformKind::Linux, GameLoop) => {
            "start a worker on Linux with bubblewrap (`playtest worker`)"
        }
        (PlatformKind::Linux, Verification | Discovery) => {
            "start a worker with Xvfb (`playtest worker`)"
        }
        (PlatformKind::Web, GameLoop) => {
            "a game loop runs a native program, so give the test a linux deployment config"
        }
        (PlatformKind::Web, Verification | Discovery) => {
            "start a worker with Chromium (`playtest worker`)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plays(platform: PlatformKind, test_types: &[TestType]) -> Capability {
        Capability {
            platform,
            test_types: test_types.to_vec(),
        }
    }

    #[test]
    fn a_worker_plays_each_test_type_of_each_of_its_platforms() {
        let caps = [
            plays(PlatformKind::Linux, &[TestType::GameLoop]),
            plays(
                PlatformKind::Web,
                &[TestType::Verification, TestType::Discovery],
            ),
        ];
        assert_eq!(
            playable(&caps),
            [
                ("linux", "game_loop"),
                ("web", "verification"),
                ("web", "discovery")
            ]
        );
        assert_eq!(
            platforms_of(&caps),
            [PlatformKind::Linux, PlatformKind::Web]
        );
    }

    #[test]
    fn queued_jobs_wait_for_a_worker_of_their_platform_and_test_type() {
        let linux_loops = [plays(PlatformKind::Linux, &[TestType::GameLoop])];
        assert_eq!(
            rejection_reason(PlatformKind::Web, TestType::Discovery, &[]).as_deref(),
            Some("no worker is connected")
        );
        assert_eq!(
            rejection_reason(PlatformKind::Linux, TestType::GameLoop, &linux_loops),
            None
        );
        assert_eq!(
            rejection_reason(PlatformKind::Linux, TestType::Discovery, &linux_loops).as_deref(),
            Some(
                "no connected worker plays linux discovery tests: start a worker with Xvfb \
                 (`playtest worker`)"
            )
        );
        assert_eq!(
            rejection_reason(PlatformKind::Web, TestType::Verification, &linux_loops).as_deref(),
            Some(
                "no connected worker can drive web builds: start a worker with Chromium \
                 (`playtest worker`)"
            )
        );
        let web = [plays(PlatformKind::Web, &[TestType::Verification])];
        assert_eq!(
            rejection_reason(PlatformKind::Linux, TestType::GameLoop, &web).as_deref(),
            Some(
                "no connected worker can drive linux builds: start a worker on Linux with \
                 bubblewrap (`playtest worker`)"
            )
        );
        assert_eq!(
            rejection_reason(PlatformKind::Web, TestType::GameLoop, &web).as_deref(),
            Some(
                "no connected worker plays web game_loop tests: a game loop runs a native \
                 program, so give the test a linux deployment config"
            )
        );
    }

    #[test]
    fn capabilities_of_several_workers_add_up() {
        let connected = [
            plays(PlatformKind::Linux, &[TestType::GameLoop]),
            plays(PlatformKind::Linux, &[TestType::Discovery]),
        ];
        for test_type in [TestType::GameLoop, TestType::Discovery] {
            assert_eq!(
                rejection_reason(PlatformKind::Linux, test_type, &connected),
                None
            );
        }
    }
}
