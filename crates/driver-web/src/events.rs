//! Turns what the page reports over DevTools (console calls, uncaught
//! exceptions and rejections, browser log entries, a renderer crash) into
//! [`GameEvent`]s, kept in order until the next observation.
//!
//! DevTools events are preferred to `window.onerror`-style hooks: they come
//! with stack traces and also cover what the page cannot see (network
//! errors, a crash). URLs on the game's origin are shortened to their path,
//! so a source reads `game.js:12:5`.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::log::EventEntryAdded;
use chromiumoxide::cdp::js_protocol::runtime::{EventConsoleApiCalled, EventExceptionThrown};
use futures::StreamExt;
use playtest_agent::{ConsoleLevel, GameEvent};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::WebDriverError;
use crate::serve::ORIGIN;

/// At most this many events wait for an observation; older ones are
/// dropped (a game logging every frame must not eat the worker's memory).
const MAX_PENDING: usize = 10_000;

/// What happened since the last observation, and whether the game is gone.
#[derive(Debug)]
pub(crate) struct EventLog {
    pending: Mutex<Vec<(f64, GameEvent)>>,
    gone: watch::Sender<Option<String>>,
}

impl EventLog {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(EventLog {
            pending: Mutex::new(Vec::new()),
            gone: watch::Sender::new(None),
        })
    }

    /// Keeps `event`, which happened at `timestamp` (ms since the epoch).
    pub(crate) fn push(&self, timestamp: f64, event: GameEvent) {
        push_onto(&mut self.pending(), timestamp, event);
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<(f64, GameEvent)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every event kept, oldest first.
    pub(crate) fn take(&self) -> Vec<GameEvent> {
        let mut pending = std::mem::take(&mut *self.pending());
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        pending.into_iter().map(|(_, event)| event).collect()
    }

    pub(crate) fn has_pending(&self) -> bool {
        !self.pending().is_empty()
    }

    /// The game is gone: records a [`GameEvent::Crashed`] once. The event
    /// is pending before anyone can see the game gone (the pending list is
    /// held while both change), so an observation that finds the game gone
    /// always has the crash to report.
    pub(crate) fn set_gone(&self, reason: &str) {
        let mut pending = self.pending();
        if self.gone.borrow().is_some() {
            return;
        }
        tracing::debug!(reason, "the game is gone");
        push_onto(
            &mut pending,
            now_ms(),
            GameEvent::Crashed {
                reason: reason.to_owned(),
            },
        );
        self.gone.send_replace(Some(reason.to_owned()));
    }

    /// After a restart: the game is back. A crash of the page that was
    /// replaced is forgotten if no observation reported it yet: whoever
    /// restarts knows it is gone, and the new page's first observation must
    /// not report the old one's crash (a replay would see its bug at once).
    pub(crate) fn revive(&self) {
        let mut pending = self.pending();
        pending.retain(|(_, event)| !matches!(event, GameEvent::Crashed { .. }));
        self.gone.send_replace(None);
    }

    pub(crate) fn gone(&self) -> Option<String> {
        self.gone.borrow().clone()
    }

    pub(crate) fn watch_gone(&self) -> watch::Receiver<Option<String>> {
        self.gone.subscribe()
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

/// Collects `page`'s events into `log` until the page is dropped or the
/// task aborted.
/// Adds an event, dropping the oldest beyond [`MAX_PENDING`].
fn push_onto(pending: &mut Vec<(f64, GameEvent)>, timestamp: f64, event: GameEvent) {
    if pending.len() == MAX_PENDING {
        pending.remove(0);
    }
    pending.push((timestamp, event));
}

pub(crate) async fn watch_page(
    page: &Page,
    log: Arc<EventLog>,
) -> Result<JoinHandle<()>, WebDriverError> {
    let mut exceptions = page.event_listener::<EventExceptionThrown>().await?;
    let mut console = page.event_listener::<EventConsoleApiCalled>().await?;
    let mut entries = page.event_listener::<EventEntryAdded>().await?;
    let mut crashes = page.event_listener::<EventTargetCrashed>().await?;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(event) = exceptions.next() => {
                    let details = serde_json::to_value(&event.exception_details).unwrap_or_default();
                    log.push(*event.timestamp.inner(), exception_event(&details));
                }
                Some(event) = console.next() => {
                    let json = serde_json::to_value(&*event).unwrap_or_default();
                    if let Some(game_event) = console_event(&json) {
                        log.push(*event.timestamp.inner(), game_event);
                    }
                }
                Some(event) = entries.next() => {
                    let json = serde_json::to_value(&event.entry).unwrap_or_default();
                    log.push(*event.entry.timestamp.inner(), log_entry_event(&json));
                }
                Some(_) = crashes.next() => log.set_gone("the renderer crashed"),
                else => break,
            }
        }
    }))
}

/// `https://game.playtest/js/game.js` → `js/game.js`, in any text.
pub(crate) fn strip_origin(text: &str) -> String {
    text.replace(&format!("{ORIGIN}/"), "")
}

/// `url:line:column` (1-based, as DevTools shows them) of a call frame or
/// of an exception or log entry.
fn source_of(url: Option<&str>, line: Option<i64>, column: Option<i64>) -> Option<String> {
    let url = url.filter(|u| !u.is_empty())?;
    let mut source = strip_origin(url);
    if let Some(line) = line {
        source.push_str(&format!(":{}", line + 1));
        if let Some(column) = column {
            source.push_str(&format!(":{}", column + 1));
        }
    }
    Some(source)
}

fn top_frame_source(stack: &Value) -> Option<String> {
    let frame = stack.get("callFrames")?.as_array()?.first()?;
    source_of(
        frame.get("url").and_then(Value::as_str),
        frame.get("lineNumber").and_then(Value::as_i64),
        frame.get("columnNumber").and_then(Value::as_i64),
    )
}

fn format_stack(stack: &Value) -> Option<String> {
    let frames = stack.get("callFrames")?.as_array()?;
    if frames.is_empty() {
        return None;
    }
    let lines: Vec<String> = frames
        .iter()
        .map(|frame| {
            let name = frame
                .get("functionName")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("<anonymous>");
            let at = source_of(
                frame.get("url").and_then(Value::as_str),
                frame.get("lineNumber").and_then(Value::as_i64),
                frame.get("columnNumber").and_then(Value::as_i64),
            )
            .unwrap_or_else(|| "<unknown>".into());
            format!("    at {name} ({at})")
        })
        .collect();
    Some(lines.join("\n"))
}

/// A `Runtime.exceptionThrown`'s details as an event.
pub(crate) fn exception_event(details: &Value) -> GameEvent {
    let text = details
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("Uncaught");
    let unhandled_rejection = text.contains("(in promise)");
    let exception = details.get("exception");
    let description = exception
        .and_then(|e| e.get("description").and_then(Value::as_str))
        .map(str::to_owned)
        .or_else(|| exception.and_then(|e| e.get("value")).map(render_value));
    let message = match description.as_deref() {
        // An Error's description is its stack: message first, frames after.
        Some(description) => {
            let first = description.lines().next().unwrap_or_default();
            format!("{text} {}", strip_origin(first))
        }
        None => text.to_owned(),
    };
    let stack = details
        .get("stackTrace")
        .and_then(format_stack)
        .or_else(|| {
            let description = description?;
            let frames: Vec<&str> = description.lines().skip(1).collect();
            (!frames.is_empty()).then(|| strip_origin(&frames.join("\n")))
        })
        .or_else(|| {
            source_of(
                details.get("url").and_then(Value::as_str),
                details.get("lineNumber").and_then(Value::as_i64),
                details.get("columnNumber").and_then(Value::as_i64),
            )
            .map(|at| format!("    at {at}"))
        });
    GameEvent::Exception {
        message,
        stack,
        unhandled_rejection,
    }
}

/// A `Runtime.consoleAPICalled` as an event; `None` for calls that print
/// nothing (`console.groupEnd`, `console.clear`).
pub(crate) fn console_event(call: &Value) -> Option<GameEvent> {
    let kind = call.get("type").and_then(Value::as_str).unwrap_or("log");
    let level = match kind {
        "error" | "assert" => ConsoleLevel::Error,
        "warning" => ConsoleLevel::Warning,
        "debug" | "trace" => ConsoleLevel::Debug,
        "endGroup" | "clear" => return None,
        _ => ConsoleLevel::Info,
    };
    let args = call
        .get("args")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = args.iter().map(render_remote).collect::<Vec<_>>().join(" ");
    let text = if kind == "assert" && text.is_empty() {
        "Assertion failed".to_owned()
    } else {
        strip_origin(&text)
    };
    Some(GameEvent::Console {
        level,
        text,
        source: call.get("stackTrace").and_then(top_frame_source),
    })
}

/// A `Log.entryAdded` entry (network errors, security, interventions) as a
/// console event.
pub(crate) fn log_entry_event(entry: &Value) -> GameEvent {
    let level = match entry.get("level").and_then(Value::as_str) {
        Some("error") => ConsoleLevel::Error,
        Some("warning") => ConsoleLevel::Warning,
        Some("verbose") => ConsoleLevel::Debug,
        _ => ConsoleLevel::Info,
    };
    let text = entry
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let source = entry
        .get("stackTrace")
        .and_then(top_frame_source)
        .or_else(|| {
            source_of(
                entry.get("url").and_then(Value::as_str),
                entry.get("lineNumber").and_then(Value::as_i64),
                None,
            )
        });
    GameEvent::Console {
        level,
        text: strip_origin(text),
        source,
    }
}

/// A `Runtime.RemoteObject` as console text: strings bare, primitives by
/// value, objects by their preview (`{a: 1}`, `[1, 2]`) or description.
fn render_remote(object: &Value) -> String {
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let subtype = object.get("subtype").and_then(Value::as_str);
    match (kind, subtype) {
        ("undefined", _) => "undefined".into(),
        ("object", Some("null")) => "null".into(),
        ("string", _) => object
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => {
            if let Some(unserializable) = object.get("unserializableValue").and_then(Value::as_str)
            {
                return unserializable.to_owned();
            }
            if let Some(value) = object
                .get("value")
                .filter(|v| !v.is_object() && !v.is_array())
            {
                return render_value(value);
            }
            if let Some(preview) = object.get("preview").filter(|_| subtype != Some("error")) {
                return render_preview(preview);
            }
            object
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| kind.to_owned())
        }
    }
}

fn render_preview(preview: &Value) -> String {
    let properties = preview
        .get("properties")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let is_array = preview.get("subtype").and_then(Value::as_str) == Some("array");
    let overflow = preview.get("overflow").and_then(Value::as_bool) == Some(true);
    let mut parts: Vec<String> = properties
        .iter()
        .map(|p| {
            let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
            let value = if p.get("type").and_then(Value::as_str) == Some("string") {
                format!("'{value}'")
            } else {
                value.to_owned()
            };
            if is_array {
                value
            } else {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                format!("{name}: {value}")
            }
        })
        .collect();
    if overflow {
        parts.push("…".into());
    }
    if is_array {
        format!("[{}]", parts.join(", "))
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

fn render_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_uncaught_error_keeps_its_message_and_stack_with_short_urls() {
        let details = json!({
            "exceptionId": 2, "text": "Uncaught", "lineNumber": 0, "columnNumber": 132,
            "url": "https://game.playtest/game.js",
            "stackTrace": {"callFrames": [
                {"functionName": "onKey", "url": "https://game.playtest/game.js", "lineNumber": 11, "columnNumber": 4},
                {"functionName": "", "url": "https://game.playtest/lib/x.js", "lineNumber": 0, "columnNumber": 7}
            ]},
            "exception": {"type": "object", "subtype": "error", "description": "Error: boom\n    at onKey (https://game.playtest/game.js:12:5)"}
        });
        let GameEvent::Exception {
            message,
            stack,
            unhandled_rejection,
        } = exception_event(&details)
        else {
            panic!("not an exception");
        };
        assert_eq!(message, "Uncaught Error: boom");
        assert_eq!(
            stack.as_deref(),
            Some("    at onKey (game.js:12:5)\n    at <anonymous> (lib/x.js:1:8)")
        );
        assert!(!unhandled_rejection);
    }

    #[test]
    fn a_restart_forgets_the_unreported_crash_of_the_replaced_page_but_not_its_console() {
        let log = EventLog::new();
        log.push(
            1.0,
            GameEvent::Console {
                level: ConsoleLevel::Info,
                text: "last words".into(),
                source: None,
            },
        );
        log.set_gone("the renderer crashed");
        log.revive();
        assert_eq!(log.gone(), None);
        let events = log.take();
        assert_eq!(events.len(), 1);
        assert!(matches!(&events[0], GameEvent::Console { text, .. } if text == "last words"));
    }

    #[test]
    fn a_rejection_is_marked_unhandled() {
        let details = json!({
            "text": "Uncaught (in promise)", "lineNumber": 0, "columnNumber": 1,
            "exception": {"type": "string", "value": "nope"}
        });
        let GameEvent::Exception {
            message,
            unhandled_rejection,
            ..
        } = exception_event(&details)
        else {
            panic!("not an exception");
        };
        assert_eq!(message, "Uncaught (in promise) nope");
        assert!(unhandled_rejection);
    }

    #[test]
    fn console_arguments_are_rendered_like_devtools() {
        let call = json!({
            "type": "warning",
            "args": [
                {"type": "string", "value": "hello"},
                {"type": "number", "value": 1, "description": "1"},
                {"type": "object", "className": "Object", "description": "Object",
                 "preview": {"type": "object", "overflow": false, "properties": [
                     {"name": "a", "type": "number", "value": "1"},
                     {"name": "b", "type": "string", "value": "x"}]}},
                {"type": "undefined"},
                {"type": "object", "subtype": "null", "value": null}
            ],
            "stackTrace": {"callFrames": [{"functionName": "", "url": "https://game.playtest/game.js", "lineNumber": 2, "columnNumber": 9}]}
        });
        assert_eq!(
            console_event(&call),
            Some(GameEvent::Console {
                level: ConsoleLevel::Warning,
                text: "hello 1 {a: 1, b: 'x'} undefined null".into(),
                source: Some("game.js:3:10".into()),
            })
        );
    }

    #[test]
    fn network_log_entries_become_console_errors() {
        let entry = json!({
            "source": "network", "level": "error",
            "text": "Failed to load resource: the server responded with a status of 404 ()",
            "url": "https://game.playtest/missing.png"
        });
        assert_eq!(
            log_entry_event(&entry),
            GameEvent::Console {
                level: ConsoleLevel::Error,
                text: "Failed to load resource: the server responded with a status of 404 ()"
                    .into(),
                source: Some("missing.png".into()),
            }
        );
    }

    #[test]
    fn events_come_out_in_time_order_and_a_crash_is_recorded_once() {
        let log = EventLog::new();
        let console = |text: &str| GameEvent::Console {
            level: ConsoleLevel::Info,
            text: text.into(),
            source: None,
        };
        log.push(2.0, console("second"));
        log.push(1.0, console("first"));
        assert_eq!(log.take(), vec![console("first"), console("second")]);
        log.set_gone("boom");
        log.set_gone("again");
        assert_eq!(log.gone().as_deref(), Some("boom"));
        assert_eq!(
            log.take(),
            vec![GameEvent::Crashed {
                reason: "boom".into()
            }]
        );
        log.revive();
        assert_eq!(log.gone(), None);
    }
}
