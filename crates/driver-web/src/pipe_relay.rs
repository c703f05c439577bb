//! Carries the DevTools protocol between chromiumoxide (which speaks it over
//! a websocket) and Chromium's `--remote-debugging-pipe` (NUL-terminated
//! JSON on two file descriptors).
//!
//! Chromium runs in a sandbox with its own network namespace, so no TCP port
//! of it can be reached from the worker; inherited pipes cross the boundary.
//! The relay listens on `127.0.0.1:0` on the host under a random path,
//! accepts one websocket (chromiumoxide's), then stops listening. Each text
//! message goes to the pipe with a NUL after it; each NUL-terminated message
//! from the pipe comes back as a text message. When the browser closes its
//! end (it exited), the relay closes the websocket and says so on
//! [`PipeRelay::closed`].

use std::io;
use std::os::fd::OwnedFd;

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::unix::pipe;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A relay for one browser; dropping it stops the relay.
#[derive(Debug)]
pub(crate) struct PipeRelay {
    url: String,
    closed: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl PipeRelay {
    /// Starts relaying between a websocket client yet to connect and the
    /// browser's pipe ends: `to_browser` (its fd 3) and `from_browser` (its
    /// fd 4).
    pub(crate) async fn start(to_browser: OwnedFd, from_browser: OwnedFd) -> io::Result<Self> {
        let to_browser = pipe::Sender::from_owned_fd(to_browser)?;
        let from_browser = pipe::Receiver::from_owned_fd(from_browser)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let token = random_token()?;
        let url = format!("ws://{}/devtools/{token}", listener.local_addr()?);
        let (closed_tx, closed) = watch::channel(false);
        let path = format!("/devtools/{token}");
        let task = tokio::spawn(async move {
            let outcome = relay(listener, &path, to_browser, from_browser).await;
            match outcome {
                Ok(()) => tracing::debug!("the browser closed its DevTools pipe"),
                Err(error) => tracing::debug!(%error, "the DevTools relay stopped"),
            }
            let _ = closed_tx.send(true);
        });
        Ok(PipeRelay { url, closed, task })
    }

    /// Where chromiumoxide connects.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Turns true when the relay has stopped (mostly: the browser exited).
    pub(crate) fn closed(&self) -> watch::Receiver<bool> {
        self.closed.clone()
    }
}

impl Drop for PipeRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    listener: TcpListener,
    path: &str,
    mut to_browser: pipe::Sender,
    mut from_browser: pipe::Receiver,
) -> io::Result<()> {
    let socket = loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let expected = path.to_owned();
        #[allow(clippy::result_large_err)] // tungstenite's callback type
        let check = move |request: &Request, response: Response| {
            if request.uri().path() == expected {
                Ok(response)
            } else {
                let mut refusal = ErrorResponse::new(None);
                *refusal.status_mut() = async_tungstenite::tungstenite::http::StatusCode::NOT_FOUND;
                Err(refusal)
            }
        };
        match async_tungstenite::tokio::accept_hdr_async_with_config(
            stream,
            check,
            Some(
                async_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .max_message_size(None)
                    .max_frame_size(None),
            ),
        )
        .await
        {
            Ok(socket) => break socket,
            Err(error) => tracing::warn!(%peer, %error, "refused a DevTools connection"),
        }
    };
    drop(listener);
    let (mut ws_out, mut ws_in) = socket.split();

    let upstream = async {
        while let Some(message) = ws_in.next().await {
            let bytes = match message.map_err(io::Error::other)? {
                Message::Text(text) => text.as_bytes().to_vec(),
                Message::Binary(bytes) => bytes.to_vec(),
                Message::Close(_) => break,
                _ => continue,
            };
            to_browser.write_all(&bytes).await?;
            to_browser.write_all(b"\0").await?;
        }
        io::Result::Ok(())
    };
    let downstream = async {
        let mut pending: Vec<u8> = Vec::with_capacity(1 << 16);
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            let read = from_browser.read(&mut chunk).await?;
            if read == 0 {
                let _ = ws_out.close(None).await;
                return io::Result::Ok(());
            }
            let start = pending.len();
            pending.extend_from_slice(&chunk[..read]);
            let mut consumed = 0;
            let mut scan_from = start;
            while let Some(nul) = pending[scan_from..].iter().position(|&b| b == 0) {
                let end = scan_from + nul;
                let text = String::from_utf8_lossy(&pending[consumed..end]).into_owned();
                ws_out
                    .feed(Message::text(text))
                    .await
                    .map_err(io::Error::other)?;
                consumed = end + 1;
                scan_from = consumed;
            }
            ws_out.flush().await.map_err(io::Error::other)?;
            pending.drain(..consumed);
        }
    };
    tokio::select! {
        result = upstream => result,
        result = downstream => result,
    }
}

/// 128 random bits from the kernel, as hex.
fn random_token() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    // SAFETY: the kernel writes at most `bytes.len()` bytes into `bytes`,
    // which lives for the call.
    let read = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if read != bytes.len() as isize {
        return Err(io::Error::last_os_error());
    }
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};

    use super::*;

    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into `fds`, an array of two.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: the two descriptors pipe2 just opened, owned by no one else.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn messages_cross_the_pipe_nul_terminated_both_ways() {
        let (browser_reads, to_browser) = pipe();
        let (from_browser, browser_writes) = pipe();
        let relay = PipeRelay::start(to_browser, from_browser).await.unwrap();
        let (mut socket, _) = async_tungstenite::tokio::connect_async(relay.url())
            .await
            .unwrap();

        socket.send(Message::text("{\"id\":1}")).await.unwrap();
        let mut browser_in = std::fs::File::from(browser_reads);
        let mut received = vec![0u8; 9];
        tokio::task::spawn_blocking(move || {
            browser_in.read_exact(&mut received).unwrap();
            received
        })
        .await
        .map(|received| assert_eq!(received, b"{\"id\":1}\0"))
        .unwrap();

        let mut browser_out = std::fs::File::from(browser_writes);
        browser_out.write_all(b"{\"a\":1}\0{\"b\"").unwrap();
        browser_out.write_all(b":2}\0").unwrap();
        let first = socket.next().await.unwrap().unwrap();
        let second = socket.next().await.unwrap().unwrap();
        assert_eq!(first, Message::text("{\"a\":1}"));
        assert_eq!(second, Message::text("{\"b\":2}"));

        // The browser exits: its end closes, so does the websocket.
        let mut closed = relay.closed();
        drop(browser_out);
        closed.wait_for(|closed| *closed).await.unwrap();
        assert!(matches!(
            socket.next().await,
            None | Some(Ok(Message::Close(_))) | Some(Err(_))
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connection_to_another_path_is_refused() {
        let (_browser_reads, to_browser) = pipe();
        let (from_browser, _browser_writes) = pipe();
        let relay = PipeRelay::start(to_browser, from_browser).await.unwrap();
        let (prefix, _) = relay.url().rsplit_once('/').unwrap();
        let wrong = format!("{prefix}/guessed");
        assert!(
            async_tungstenite::tokio::connect_async(wrong)
                .await
                .is_err()
        );
        assert!(
            async_tungstenite::tokio::connect_async(relay.url())
                .await
                .is_ok()
        );
    }
}
