//! `act()`: each `Action` as DevTools input events.

use std::time::Duration;

use playtest_types::Action;

use super::WebDriver;
use crate::WebDriverError;
use crate::hooks;
use crate::input;

impl WebDriver {
    pub(super) async fn act_inner(&mut self, action: &Action) -> Result<(), WebDriverError> {
        self.check_alive()?;
        let page = self.page()?.clone();
        let guard = self.guard.clone();
        match action {
            Action::Key(name) => {
                let key = known_key(name)?;
                input::key_down(&page, &guard, &mut self.input, &key).await?;
                input::key_up(&page, &guard, &mut self.input, &key).await
            }
            Action::KeyDown(name) => {
                let key = known_key(name)?;
                input::key_down(&page, &guard, &mut self.input, &key).await
            }
            Action::KeyUp(name) => {
                let key = known_key(name)?;
                input::key_up(&page, &guard, &mut self.input, &key).await
            }
            Action::Click(point) => {
                let point = self.check_inside(*point)?;
                input::click(&page, &guard, &self.input, point).await
            }
            Action::ClickSelector(selector) => {
                let located = self
                    .evaluate_value(&hooks::locate_script(selector), false)
                    .await
                    .map_err(|error| match error {
                        WebDriverError::Script(message) => WebDriverError::BadAction(format!(
                            "cannot use the selector {selector:?}: {message}"
                        )),
                        other => other,
                    })?;
                let Some([x, y, width, height]) =
                    serde_json::from_value::<Option<[f64; 4]>>(located)
                        .map_err(|error| WebDriverError::Command(error.to_string()))?
                else {
                    return Err(WebDriverError::BadAction(format!(
                        "no element matches {selector:?}"
                    )));
                };
                if width < 1.0 || height < 1.0 {
                    return Err(WebDriverError::BadAction(format!(
                        "the element {selector:?} has no size on screen"
                    )));
                }
                let point = [
                    x.clamp(0.0, f64::from(self.width) - 1.0),
                    y.clamp(0.0, f64::from(self.height) - 1.0),
                ];
                input::click(&page, &guard, &self.input, point).await
            }
            Action::Type(text) => {
                for c in text.chars() {
                    let key = input::char_key(c);
                    input::key_down(&page, &guard, &mut self.input, &key).await?;
                    input::key_up(&page, &guard, &mut self.input, &key).await?;
                }
                Ok(())
            }
            Action::Drag([from, to]) => {
                let from = self.check_inside(*from)?;
                let to = self.check_inside(*to)?;
                input::drag(&page, &guard, &self.input, from, to).await
            }
            Action::Tap(point) => {
                let point = self.check_inside(*point)?;
                input::tap(&page, &guard, &mut self.input, point).await
            }
            Action::WaitMs(ms) => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                Ok(())
            }
        }
    }
}

fn known_key(name: &str) -> Result<input::Key, WebDriverError> {
    input::key(name).ok_or_else(|| WebDriverError::BadAction(format!("unknown key {name:?}")))
}
