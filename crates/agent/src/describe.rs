//! Actions in words: a compact key for maps and graphs, and readable
//! numbered reproduction steps for people.

use playtest_types::Action;

/// A short, unique, stable text for an action (`key:ArrowUp`,
/// `click:120,40`), used as a map key and in the state graph.
pub fn action_key(action: &Action) -> String {
    match action {
        Action::Key(key) => format!("key:{key}"),
        Action::KeyDown(key) => format!("keydown:{key}"),
        Action::KeyUp(key) => format!("keyup:{key}"),
        Action::Click([x, y]) => format!("click:{x},{y}"),
        Action::ClickSelector(selector) => format!("click_selector:{selector}"),
        Action::Type(text) => format!("type:{text}"),
        Action::Drag([[x1, y1], [x2, y2]]) => format!("drag:{x1},{y1}>{x2},{y2}"),
        Action::Tap([x, y]) => format!("tap:{x},{y}"),
        Action::WaitMs(ms) => format!("wait:{ms}"),
    }
}

/// Whether an action is an input to the game (everything but a wait).
pub fn is_input(action: &Action) -> bool {
    !matches!(action, Action::WaitMs(_))
}

fn key_name(key: &str) -> &str {
    if key == " " { "Space" } else { key }
}

/// One action as an imperative sentence without the final full stop.
pub fn describe_action(action: &Action) -> String {
    match action {
        Action::Key(key) => format!("Press {}", key_name(key)),
        Action::KeyDown(key) => format!("Press and hold {}", key_name(key)),
        Action::KeyUp(key) => format!("Release {}", key_name(key)),
        Action::Click([x, y]) => format!("Click at ({x}, {y})"),
        Action::ClickSelector(selector) => format!("Click the element matching `{selector}`"),
        Action::Type(text) => format!("Type \"{text}\""),
        Action::Drag([[x1, y1], [x2, y2]]) => format!("Drag from ({x1}, {y1}) to ({x2}, {y2})"),
        Action::Tap([x, y]) => format!("Tap at ({x}, {y})"),
        Action::WaitMs(ms) => format!("Wait {ms} ms"),
    }
}

/// Numbered steps a person can follow to see the bug: a fresh start, then
/// the actions, with consecutive waits merged, a key held between
/// `KeyDown` and `KeyUp` told as one hold, and repeats collapsed
/// ("Press ArrowLeft 5 times").
pub fn reproduction_steps(seed: u64, actions: &[Action]) -> String {
    let mut lines = vec![format!("Start the game fresh (seed {seed})")];
    let mut previous: Option<(String, usize)> = None;
    for phrase in phrases(actions) {
        match &mut previous {
            Some((text, count)) if *text == phrase && !phrase.starts_with("Wait") => *count += 1,
            _ => {
                if let Some(done) = previous.take() {
                    lines.push(with_count(done));
                }
                previous = Some((phrase, 1));
            }
        }
    }
    if let Some(done) = previous {
        lines.push(with_count(done));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("{}. {line}.", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn with_count((text, count): (String, usize)) -> String {
    match count {
        1 => text,
        2 => format!("{text} twice"),
        n => format!("{text} {n} times"),
    }
}

/// Groups actions into what a person would do as one gesture.
fn phrases(actions: &[Action]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < actions.len() {
        match &actions[i] {
            Action::WaitMs(_) => {
                let total: u64 = actions[i..]
                    .iter()
                    .map_while(|a| match a {
                        Action::WaitMs(ms) => Some(*ms),
                        _ => None,
                    })
                    .sum();
                i += actions[i..]
                    .iter()
                    .take_while(|a| matches!(a, Action::WaitMs(_)))
                    .count();
                out.push(format!("Wait {total} ms"));
            }
            Action::KeyDown(key) => {
                let waits = actions[i + 1..]
                    .iter()
                    .take_while(|a| matches!(a, Action::WaitMs(_)))
                    .count();
                let release = actions.get(i + 1 + waits);
                if release == Some(&Action::KeyUp(key.clone())) {
                    let held: u64 = actions[i + 1..i + 1 + waits]
                        .iter()
                        .map(|a| if let Action::WaitMs(ms) = a { *ms } else { 0 })
                        .sum();
                    out.push(format!("Hold {} for {held} ms", key_name(key)));
                    i += waits + 2;
                } else {
                    out.push(describe_action(&actions[i]));
                    i += 1;
                }
            }
            other => {
                out.push(describe_action(other));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduction_steps_are_numbered_merged_and_collapsed() {
        let actions = vec![
            Action::Key("ArrowUp".into()),
            Action::WaitMs(150),
            Action::WaitMs(50),
            Action::Click([120, 340]),
            Action::Key("ArrowLeft".into()),
            Action::Key("ArrowLeft".into()),
            Action::Key("ArrowLeft".into()),
            Action::KeyDown(" ".into()),
            Action::WaitMs(400),
            Action::KeyUp(" ".into()),
        ];
        assert_eq!(
            reproduction_steps(42, &actions),
            "1. Start the game fresh (seed 42).\n2. Press ArrowUp.\n3. Wait 200 ms.\n4. Click at (120, 340).\n5. Press ArrowLeft 3 times.\n6. Hold Space for 400 ms."
        );
    }

    #[test]
    fn an_empty_trace_is_a_fresh_start() {
        assert_eq!(
            reproduction_steps(7, &[]),
            "1. Start the game fresh (seed 7)."
        );
    }

    #[test]
    fn action_keys_tell_actions_apart() {
        assert_ne!(
            action_key(&Action::Key("a".into())),
            action_key(&Action::KeyDown("a".into()))
        );
        assert_eq!(action_key(&Action::Click([1, 2])), "click:1,2");
    }
}
