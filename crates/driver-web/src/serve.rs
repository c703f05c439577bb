//! Serves the build to the browser with no network: every request the
//! browser makes is paused (CDP `Fetch`, enabled on the browser target so it
//! covers every page, frame and worker) and either fulfilled from the build
//! folder, when it is for [`ORIGIN`], or failed as blocked.
//!
//! Paths are resolved inside the build folder only: `..` segments are
//! refused, and a path that resolves (through symlinks) outside the folder
//! is answered 404 like a missing file.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::fetch::{
    self, EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use futures::StreamExt;
use tokio::task::JoinHandle;

use crate::WebDriverError;

/// Where the game lives, as the browser sees it. HTTPS makes it a secure
/// context (crypto.subtle, AudioWorklet, SharedArrayBuffer with the
/// isolation headers below) with no certificate: nothing is ever fetched.
pub const ORIGIN: &str = "https://game.playtest";

/// Starts answering the browser's requests from `build_dir`; runs until the
/// connection ends or the handle is aborted.
pub(crate) async fn start(
    browser: Arc<Browser>,
    build_dir: PathBuf,
) -> Result<JoinHandle<()>, WebDriverError> {
    let root = build_dir
        .canonicalize()
        .map_err(|error| WebDriverError::Build {
            dir: build_dir.clone(),
            reason: error.to_string(),
        })?;
    let mut paused = browser.event_listener::<EventRequestPaused>().await?;
    let pattern = fetch::RequestPattern::builder().url_pattern("*").build();
    browser
        .execute(fetch::EnableParams::builder().pattern(pattern).build())
        .await?;
    Ok(tokio::spawn(async move {
        while let Some(request) = paused.next().await {
            let browser = browser.clone();
            let root = root.clone();
            tokio::spawn(async move {
                let url = request.request.url.clone();
                if let Err(error) = answer(&browser, &root, &request).await {
                    tracing::debug!(%url, %error, "could not answer a request");
                }
            });
        }
    }))
}

async fn answer(
    browser: &Browser,
    root: &Path,
    request: &EventRequestPaused,
) -> Result<(), WebDriverError> {
    let url = &request.request.url;
    let Some(path) = game_path(url) else {
        if request.resource_type == ResourceType::Document {
            // A link or script sending the page elsewhere: a 204 answer
            // makes the browser stay where it is, so the game goes on
            // (a failed navigation would replace it with an error page,
            // and under cross-origin isolation detach the driver).
            tracing::debug!(%url, "kept the game from navigating off its origin");
            let stay = FulfillRequestParams::builder()
                .request_id(request.request_id.clone())
                .response_code(204)
                .build()
                .map_err(WebDriverError::Command)?;
            browser.execute(stay).await?;
            return Ok(());
        }
        tracing::debug!(%url, "blocked a request off the game's origin");
        browser
            .execute(FailRequestParams::new(
                request.request_id.clone(),
                ErrorReason::BlockedByClient,
            ))
            .await?;
        return Ok(());
    };
    let (status, content_type, body) = match read(root, &path).await {
        Some((file, bytes)) => (200, content_type(&file), bytes),
        // The browser asks for it on its own; a 404 would show as an error
        // in every game's console.
        None if path == Path::new("favicon.ico") => (204, "image/x-icon", Vec::new()),
        None => (404, "text/plain; charset=utf-8", b"not found".to_vec()),
    };
    tracing::trace!(%url, status, "served");
    let headers = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Embedder-Policy", "require-corp"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
    .map(|(name, value)| HeaderEntry::new(name, value))
    .to_vec();
    let fulfil = FulfillRequestParams::builder()
        .request_id(request.request_id.clone())
        .response_code(status)
        .response_headers(headers)
        .body(base64::engine::general_purpose::STANDARD.encode(&body))
        .build()
        .map_err(WebDriverError::Command)?;
    browser.execute(fulfil).await?;
    Ok(())
}

/// The path inside the build a URL asks for (percent-decoded, without query
/// or fragment, `index.html` for a folder), or `None` when the URL is not
/// on the game's origin or climbs out of it.
pub(crate) fn game_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix(ORIGIN)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let mut path = PathBuf::new();
    for segment in rest.split('/') {
        let segment = percent_decode(segment)?;
        match segment.as_str() {
            "" | "." => continue,
            ".." => return None,
            s if s.contains(['/', '\\', '\0']) => return None,
            s => path.push(s),
        }
    }
    if rest.is_empty() || rest.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

/// Reads `relative` under `root`, following symlinks only while they stay
/// inside `root`; a folder serves its `index.html`.
async fn read(root: &Path, relative: &Path) -> Option<(PathBuf, Vec<u8>)> {
    debug_assert!(
        relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    );
    let mut file = root.join(relative).canonicalize().ok()?;
    if !file.starts_with(root) {
        tracing::warn!(path = %relative.display(), "refused a path that leads out of the build");
        return None;
    }
    if file.is_dir() {
        file = file.join("index.html").canonicalize().ok()?;
        if !file.starts_with(root) {
            return None;
        }
    }
    let bytes = tokio::fs::read(&file).await.ok()?;
    Some((file, bytes))
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type of a file, by its extension.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_on_the_game_origin_map_to_paths_in_the_build() {
        assert_eq!(
            game_path("https://game.playtest/index.html"),
            Some("index.html".into())
        );
        assert_eq!(
            game_path("https://game.playtest/a/b%20c.js?v=1#x"),
            Some("a/b c.js".into())
        );
        assert_eq!(
            game_path("https://game.playtest/"),
            Some("index.html".into())
        );
        assert_eq!(
            game_path("https://game.playtest"),
            Some("index.html".into())
        );
        assert_eq!(
            game_path("https://game.playtest/levels/"),
            Some("levels/index.html".into())
        );
    }

    #[test]
    fn other_origins_and_escapes_are_refused() {
        assert_eq!(game_path("https://example.com/index.html"), None);
        assert_eq!(game_path("https://game.playtest.evil/index.html"), None);
        assert_eq!(game_path("http://game.playtest/index.html"), None);
        assert_eq!(game_path("https://game.playtest/../etc/passwd"), None);
        assert_eq!(game_path("https://game.playtest/a/%2e%2e/%2e%2e/x"), None);
        assert_eq!(game_path("https://game.playtest/a%2fb"), None);
        assert_eq!(game_path("https://game.playtest/%zz"), None);
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("a.MJS")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("font.woff2")), "font/woff2");
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }

    #[tokio::test]
    async fn symlinks_out_of_the_build_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let build = tempfile::tempdir().unwrap();
        std::fs::write(build.path().join("ok.txt"), "ok").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            build.path().join("leak.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), build.path().join("dir")).unwrap();
        let root = build.path().canonicalize().unwrap();
        assert_eq!(read(&root, Path::new("ok.txt")).await.unwrap().1, b"ok");
        assert!(read(&root, Path::new("leak.txt")).await.is_none());
        assert!(read(&root, Path::new("dir/secret.txt")).await.is_none());
        assert!(read(&root, Path::new("missing.txt")).await.is_none());
    }
}
