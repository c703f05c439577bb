//! The browser tab that holds the game: opened, set up before the game's
//! first script runs (viewport, focus, the UTC time zone, our hooks, the
//! caller's scripts),
//! navigated to the entry page, and watched for events.

use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetFocusEmulationEnabledParams, SetTimezoneOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, EventLoadEventFired, NavigateParams,
};
use chromiumoxide::cdp::browser_protocol::target::{
    CloseTargetParams, EventTargetCreated, GetTargetsParams,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::{Browser, Page};
use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::WebDriverError;
use crate::events::{self, EventLog};
use crate::guard::Guard;
use crate::input;
use crate::tasks::Tasks;
use crate::video::{self, LatestFrame};

/// What every page of a session is set up with.
#[derive(Debug, Clone)]
pub(crate) struct PageSetup {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Our hooks first, then the caller's scripts, in order.
    pub(crate) scripts: Vec<String>,
    pub(crate) entry_url: String,
    pub(crate) load_timeout: Duration,
    pub(crate) touch: bool,
    /// Frames a second of the recording, when there is one.
    pub(crate) video_fps: u32,
}

/// One tab and the tasks that watch it.
#[derive(Debug)]
pub(crate) struct PageSession {
    pub(crate) page: Page,
    _watcher: Tasks,
    screencast: Tasks,
}

impl PageSession {
    /// Opens a tab, sets it up, starts sending its screen to `recording`
    /// if there is one, and loads the game in it.
    pub(crate) async fn open(
        browser: &Browser,
        setup: &PageSetup,
        log: Arc<EventLog>,
        guard: &Guard,
        recording: Option<LatestFrame>,
    ) -> Result<PageSession, WebDriverError> {
        let page = tokio::time::timeout(setup.load_timeout, browser.new_page("about:blank"))
            .await
            .map_err(|_| WebDriverError::Timeout(setup.load_timeout))??;
        close_other_tabs(browser, &page).await;
        let metrics = SetDeviceMetricsOverrideParams::builder()
            .width(i64::from(setup.width))
            .height(i64::from(setup.height))
            .device_scale_factor(1.0)
            .mobile(false)
            .build()
            .map_err(WebDriverError::Command)?;
        guard.run(page.execute(metrics)).await?;
        guard
            .run(page.execute(SetFocusEmulationEnabledParams::new(true)))
            .await?;
        // With the hooks' fixed clock, the same local date and hour on
        // every machine.
        guard
            .run(page.execute(SetTimezoneOverrideParams::new("UTC")))
            .await?;
        if setup.touch {
            input::enable_touch(&page, guard).await?;
        }
        for script in &setup.scripts {
            let params = AddScriptToEvaluateOnNewDocumentParams::new(script.clone());
            guard.run(page.execute(params)).await?;
        }
        let watcher = Tasks::one(events::watch_page(&page, log).await?);
        let mut session = PageSession {
            page,
            _watcher: watcher,
            screencast: Tasks::default(),
        };
        if let Some(latest) = recording {
            session.record_into(latest, setup).await?;
        }
        session
            .navigate(&setup.entry_url, setup.load_timeout)
            .await?;
        Ok(session)
    }

    /// Loads `url` afresh and waits for its `load` event.
    pub(crate) async fn navigate(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<(), WebDriverError> {
        let mut loaded = self.page.event_listener::<EventLoadEventFired>().await?;
        let navigation = async {
            let response = self.page.execute(NavigateParams::new(url)).await?;
            if let Some(error) = response.result.error_text.clone() {
                return Err(WebDriverError::Load {
                    url: url.to_owned(),
                    reason: error,
                });
            }
            match loaded.next().await {
                Some(_) => Ok(()),
                None => Err(WebDriverError::Gone("the tab closed while loading".into())),
            }
        };
        tokio::time::timeout(timeout, navigation)
            .await
            .map_err(|_| WebDriverError::Timeout(timeout))?
    }

    /// Sends the screen to `latest` (again: a crashed renderer's screencast
    /// does not survive it).
    pub(crate) async fn record_into(
        &mut self,
        latest: LatestFrame,
        setup: &PageSetup,
    ) -> Result<(), WebDriverError> {
        self.screencast = Tasks::default();
        let task = video::screencast(
            &self.page,
            latest,
            setup.width,
            setup.height,
            setup.video_fps,
        )
        .await?;
        self.screencast = Tasks::one(task);
        Ok(())
    }

    /// Stops sending the screen to the recording.
    pub(crate) fn stop_recording(&mut self) {
        self.screencast = Tasks::default();
    }

    /// Evaluates `expression` in the page and returns its value as JSON
    /// (`null` for `undefined`, a string for `NaN` and the like).
    pub(crate) async fn evaluate(
        &self,
        guard: &Guard,
        expression: &str,
        await_promise: bool,
        timeout: Duration,
    ) -> Result<Value, WebDriverError> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(await_promise)
            .build()
            .map_err(WebDriverError::Command)?;
        let response = guard.run_within(timeout, self.page.execute(params)).await?;
        let result = &response.result;
        if let Some(details) = &result.exception_details {
            let description = details
                .exception
                .as_ref()
                .and_then(|e| e.description.clone())
                .unwrap_or_default();
            let message = format!("{} {}", details.text, description);
            return Err(WebDriverError::Script(events::strip_origin(message.trim())));
        }
        if let Some(value) = &result.result.value {
            return Ok(value.clone());
        }
        Ok(result
            .result
            .unserializable_value
            .as_ref()
            .map(|v| Value::String(v.inner().clone()))
            .unwrap_or(Value::Null))
    }

    /// Closes the tab, without waiting for a renderer that may be hung.
    pub(crate) async fn close(self, browser: &Browser) {
        let close = CloseTargetParams::new(self.page.target_id().clone());
        let _ = tokio::time::timeout(Duration::from_secs(2), browser.execute(close)).await;
    }
}

/// Closes every tab a page opens (`window.open`, `target=_blank` links):
/// the game is played in one tab, and an explorer clicking links must not
/// pile up renderers.
pub(crate) async fn close_popups(browser: Arc<Browser>) -> Result<JoinHandle<()>, WebDriverError> {
    let mut created = browser.event_listener::<EventTargetCreated>().await?;
    Ok(tokio::spawn(async move {
        while let Some(event) = created.next().await {
            let target = &event.target_info;
            if target.r#type == "page" && target.opener_id.is_some() {
                tracing::debug!(url = %target.url, "closing a tab the game opened");
                let close = CloseTargetParams::new(target.target_id.clone());
                let _ = tokio::time::timeout(Duration::from_secs(2), browser.execute(close)).await;
            }
        }
    }))
}

/// Closes the tab Chromium opened at start: one renderer is enough.
async fn close_other_tabs(browser: &Browser, ours: &Page) {
    let Ok(Ok(targets)) = tokio::time::timeout(
        Duration::from_secs(2),
        browser.execute(GetTargetsParams::default()),
    )
    .await
    else {
        return;
    };
    for target in &targets.result.target_infos {
        if target.r#type == "page" && &target.target_id != ours.target_id() {
            let close = CloseTargetParams::new(target.target_id.clone());
            let _ = tokio::time::timeout(Duration::from_secs(2), browser.execute(close)).await;
        }
    }
}
