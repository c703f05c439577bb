//! What the reference test plays: deployment configs of the maze (clean,
//! or with one of bench/faults' scripts) and of the game-loop scripts, and
//! the tests and the plan they run, created through the API.

use serde_json::{Value, json};

use playtest_contract::recorder::Recorder;

const CRASH_FAULT: &str = include_str!("../../../../bench/faults/crash.js");
const SOFT_LOCK_FAULT: &str = include_str!("../../../../bench/faults/ignore-input.js");
const BLACK_FAULT: &str = include_str!("../../../../bench/faults/paint-black.js");
const HANG_FAULT: &str = include_str!("../../../../bench/faults/hang-on-key.js");
/// bench/faults' console error is 2048's; the maze's goes with every key.
const CONSOLE_FAULT: &str = "window.addEventListener('keydown', function () { console.error('score board out of sync'); });";

/// Ids of what was created; configs name the build, but `no_build`.
pub struct Catalog {
    pub maze: String,
    pub maze_crash: String,
    pub maze_stuck: String,
    pub maze_black: String,
    pub maze_hang: String,
    pub pass: String,
    pub fail: String,
    pub segv: String,
    pub sleeper: String,
    pub no_build: String,
    pub game_loop: String,
    pub short_loop: String,
    pub walk: String,
    pub fall: String,
    pub explore_briefly: String,
    pub explore_long: String,
    pub plan: String,
}

/// Creates `body` at `path` (201) and returns its id.
pub fn id_of(api: &Recorder, path: &str, body: Value) -> String {
    let (status, created) = api.post(path, &body);
    assert_eq!(status, 201, "{path}: {created}");
    created["id"].as_str().unwrap().to_string()
}

impl Catalog {
    pub fn create(api: &Recorder, build_id: &str) -> Self {
        let config = |name: &str, kind: &str, entry: &str, build: Option<&str>, init: &[&str]| {
            let mut launch = json!({"entry": entry, "width": 480, "height": 400});
            if !init.is_empty() {
                launch["init_scripts"] = json!(init);
            }
            let mut body = json!({"name": name, "kind": kind, "launch": launch});
            if let Some(build) = build {
                body["build_id"] = json!(build);
            }
            id_of(api, "/api/v1/deployment-configs", body)
        };
        let build = Some(build_id);
        let maze = config("maze", "web", "index.html", build, &[]);
        let maze_crash = config(
            "maze, renderer crash",
            "web",
            "index.html",
            build,
            &[CRASH_FAULT],
        );
        let maze_stuck = config(
            "maze, input ignored",
            "web",
            "index.html",
            build,
            &[SOFT_LOCK_FAULT],
        );
        let maze_black = config(
            "maze, errors and a black screen",
            "web",
            "index.html",
            build,
            &[CONSOLE_FAULT, BLACK_FAULT],
        );
        let maze_hang = config(
            "maze, a key that hangs",
            "web",
            "index.html",
            build,
            &[HANG_FAULT],
        );
        let linux = |entry: &str| config(entry, "linux", entry, build, &[]);
        let (pass, fail, segv, sleeper) = (
            linux("pass.sh"),
            linux("fail.sh"),
            linux("segv.sh"),
            linux("sleep.sh"),
        );
        let no_build = config("no build", "linux", "pass.sh", None, &[]);

        let test = |body: Value| id_of(api, "/api/v1/tests", body);
        let game_loop = test(json!({"name": "boots", "test_type": "game_loop", "max_seconds": 60}));
        let short_loop =
            test(json!({"name": "boots quickly", "test_type": "game_loop", "max_seconds": 2}));
        let walk = test(
            json!({"name": "walk the maze", "test_type": "verification", "max_seconds": 120,
            "players": [{"name": "p1", "steps": [
                {"goal": "start the game", "actions": [{"click_selector": "#start"}],
                 "expected_results": [{"dom_text": {"selector": "#status", "contains": "playing at 0,0"}}]},
                {"goal": "walk right twice", "actions": [{"key": "ArrowRight"}, {"key": "ArrowRight"}],
                 "expected_results": [{"js": "window.game.x === 2"}, {"no_errors": true}]}]}]}),
        );
        let fall = test(
            json!({"name": "walk off the edge", "test_type": "verification", "max_seconds": 120,
            "players": [{"name": "p1", "steps": [
                {"goal": "start the game", "actions": [{"click_selector": "#start"}],
                 "expected_results": [{"no_errors": true}]},
                {"goal": "walk down past the last row",
                 "actions": [{"key": "ArrowDown"}, {"key": "ArrowDown"}, {"key": "ArrowDown"},
                             {"key": "ArrowDown"}, {"key": "ArrowDown"}],
                 "expected_results": [{"no_errors": true}]}]}]}),
        );
        let explore = |name: &str, max_actions: u32, max_seconds: u32| {
            test(
                json!({"name": name, "test_type": "discovery", "max_seconds": max_seconds,
                        "discovery": {"seed": 1, "max_actions": max_actions}}),
            )
        };
        let explore_briefly = explore("explore briefly", 50, 90);
        // The soft-lock detector wants 150 actions without a new screen.
        let explore_long = explore("explore until stuck", 240, 180);
        let plan = id_of(
            api,
            "/api/v1/test-plans",
            json!({"name": "loops", "test_items": [
            {"multiplayer_test_id": game_loop}, {"multiplayer_test_id": game_loop}]}),
        );

        Catalog {
            maze,
            maze_crash,
            maze_stuck,
            maze_black,
            maze_hang,
            pass,
            fail,
            segv,
            sleeper,
            no_build,
            game_loop,
            short_loop,
            walk,
            fall,
            explore_briefly,
            explore_long,
            plan,
        }
    }
}
