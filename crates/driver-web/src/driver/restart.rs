//! `restart()`: the game afresh in the same browser, after a hang or a
//! crash too.

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::storage::ClearDataForOriginParams;
use chromiumoxide::cdp::js_protocol::runtime::TerminateExecutionParams;

use super::WebDriver;
use crate::WebDriverError;
use crate::input::{self, InputState};
use crate::observe;
use crate::serve::ORIGIN;
use crate::session::PageSession;
use crate::video::Recorder;

impl WebDriver {
    pub(super) async fn restart_inner(&mut self) -> Result<(), WebDriverError> {
        self.input.reset();
        if self.log.gone().is_none() && !self.answers_within(Duration::from_millis(500)).await {
            // A busy loop never yields to a navigation: stop it first
            // (DevTools interrupts the running script to do so).
            let page = self.page()?;
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                page.execute(TerminateExecutionParams::default()),
            )
            .await;
        }
        self.log.revive();
        self.forget_saved_state().await;
        let reloaded = match self.session.as_ref() {
            Some(session) => {
                session
                    .navigate(&self.setup.entry_url, self.timeouts.load)
                    .await
            }
            None => Err(WebDriverError::Gone("the game's tab is closed".into())),
        };
        let reloaded = match reloaded {
            Ok(()) => self.can_be_pictured().await,
            Err(error) => Err(error),
        };
        if let Err(error) = reloaded {
            tracing::warn!(%error, "reloading failed; opening a new tab");
            if let Some(old) = self.session.take() {
                old.close(&self.browser).await;
            }
            self.log.revive();
            let recording = self.recorder.as_ref().map(Recorder::latest);
            match PageSession::open(
                &self.browser,
                &self.setup,
                self.log.clone(),
                &self.guard,
                recording,
            )
            .await
            {
                Ok(session) => {
                    self.input = InputState::default();
                    self.session = Some(session);
                }
                Err(error) => {
                    self.log
                        .set_gone(&format!("cannot restart the game: {error}"));
                    return Err(error);
                }
            }
        }
        if let Some(recorder) = &self.recorder {
            let latest = recorder.latest();
            let session = self
                .session
                .as_mut()
                .ok_or_else(|| WebDriverError::Gone("the game's tab is closed".into()))?;
            session.record_into(latest, &self.setup).await?;
        }
        if self.input.touch_enabled() && !self.setup.touch {
            input::enable_touch(self.page()?, &self.guard).await?;
        }
        self.last_frames_drawn = 0;
        Ok(())
    }

    /// Clears what the game saved in the browser (local storage, IndexedDB,
    /// cookies, caches), so a restart is a first start: many games resume
    /// a saved game otherwise (puzzle and board games keep theirs in local
    /// storage; 2048 does), and a replay would not repeat.
    /// The page is left first, so nothing it saves while unloading stays.
    async fn forget_saved_state(&mut self) {
        let Some(session) = self.session.as_ref() else {
            return;
        };
        if self.log.gone().is_none()
            && let Err(error) = session
                .navigate("about:blank", Duration::from_secs(5))
                .await
        {
            tracing::debug!(%error, "could not leave the page before clearing its storage");
        }
        let Ok(page) = self.page() else {
            return;
        };
        let clear = ClearDataForOriginParams::new(ORIGIN, SAVED_STATE);
        match tokio::time::timeout(Duration::from_secs(5), page.execute(clear)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "could not clear the game's saved state"),
            Err(_) => tracing::warn!("clearing the game's saved state took over 5 s"),
        }
    }

    /// A screenshot of the reloaded page: now and then Chromium reloads a
    /// page whose screenshots never come (seen on a DOM game that saves to
    /// local storage, 2048, after a few dozen inputs and screenshots),
    /// which a new tab cures.
    async fn can_be_pictured(&self) -> Result<(), WebDriverError> {
        let page = self.page()?;
        let capture = observe::capture(page, &self.guard, self.screenshot);
        match tokio::time::timeout(self.timeouts.observe, capture).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(WebDriverError::Timeout(self.timeouts.observe)),
        }
    }

    /// Whether the page evaluates `1` within `timeout`.
    async fn answers_within(&self, timeout: Duration) -> bool {
        match self.session() {
            Ok(session) => session
                .evaluate(&self.guard, "1", false, timeout)
                .await
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// What a game can save in the browser, for `Storage.clearDataForOrigin`.
/// Not `all`, which also clears caches of the browser's own (the shader
/// cache among them): restarts after clearing `all` were seen to leave the
/// browser taking no more screenshots, in any tab (on a DOM game, 2048).
const SAVED_STATE: &str =
    "cookies,file_systems,indexeddb,local_storage,websql,service_workers,cache_storage";
