//! One connection's clocks. A request head must arrive within `header_timeout` of its first
//! byte (the first request's, of the connection's start); a connection between requests is
//! closed after `idle_timeout`; a client that stops reading its answer is dropped after
//! `header_timeout` without progress.
//!
//! hyper's own `header_read_timeout` cannot tell these apart: its clock starts when hyper
//! begins waiting for a head, idle time included, so it would close every keep-alive
//! connection at the header timeout. Hence our clock, fed by the socket's reads and writes.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header: Duration,
    pub idle: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests: `idle_timeout` runs.
    Idle,
    /// A request head is arriving: `header_timeout` runs from its first byte, or for the
    /// first request from the connection's start (a client that connects to say nothing is
    /// not idle between requests).
    Head,
    /// Requests are being served (the handler bounds its own body read).
    Busy(usize),
}

struct Clock {
    phase: Phase,
    since: Instant,
    /// Since when a write has been waiting for the client to read.
    write_blocked: Option<Instant>,
}

/// Shared by the socket wrapper, the service and the watchdog of one connection.
pub struct Activity {
    clock: Mutex<Clock>,
    changed: Notify,
    timeouts: Timeouts,
}

impl Activity {
    pub fn new(timeouts: Timeouts) -> Arc<Self> {
        Arc::new(Self {
            clock: Mutex::new(Clock {
                phase: Phase::Head,
                since: Instant::now(),
                write_blocked: None,
            }),
            changed: Notify::new(),
            timeouts,
        })
    }

    fn clock(&self) -> MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_phase(&self, clock: &mut Clock, phase: Phase) {
        clock.phase = phase;
        clock.since = Instant::now();
        self.changed.notify_one();
    }

    fn bytes_read(&self) {
        let mut clock = self.clock();
        if clock.phase == Phase::Idle {
            self.set_phase(&mut clock, Phase::Head);
        }
    }

    fn write_progress(&self, blocked: bool) {
        let mut clock = self.clock();
        match (blocked, clock.write_blocked) {
            (true, None) => {
                clock.write_blocked = Some(Instant::now());
                self.changed.notify_one();
            }
            (false, Some(_)) => clock.write_blocked = None,
            _ => {}
        }
    }

    /// A request head was parsed: its handler runs until the guard is dropped.
    pub fn request_started(self: &Arc<Self>) -> RequestGuard {
        let mut clock = self.clock();
        let busy = match clock.phase {
            Phase::Busy(n) => n + 1,
            _ => 1,
        };
        self.set_phase(&mut clock, Phase::Busy(busy));
        RequestGuard(Arc::clone(self))
    }

    fn deadline(&self) -> Option<Instant> {
        let clock = self.clock();
        let phase = match clock.phase {
            Phase::Idle => Some(clock.since + self.timeouts.idle),
            Phase::Head => Some(clock.since + self.timeouts.header),
            Phase::Busy(_) => None,
        };
        let stalled = clock.write_blocked.map(|t| t + self.timeouts.header);
        match (phase, stalled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Returns when the connection has overstayed one of its timeouts.
    pub async fn expired(&self) {
        loop {
            match self.deadline() {
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => tokio::select! {
                    () = self.changed.notified() => {}
                    () = tokio::time::sleep_until(deadline) => {}
                },
                None => self.changed.notified().await,
            }
        }
    }
}

pub struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let activity = &self.0;
        let mut clock = activity.clock();
        let phase = match clock.phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle,
        };
        activity.set_phase(&mut clock, phase);
    }
}

/// The socket, reporting its reads and writes to the connection's clock.
pub struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity() -> Arc<Activity> {
        Activity::new(Timeouts {
            header: Duration::from_secs(2),
            idle: Duration::from_secs(10),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn idle_head_and_busy_each_get_their_clock() {
        let a = activity();
        let start = Instant::now();
        // A new connection must send its first head in time, bytes or not.
        assert_eq!(a.deadline(), Some(start + Duration::from_secs(2)));
        // Bytes of the head do not restart its clock.
        tokio::time::advance(Duration::from_secs(1)).await;
        a.bytes_read();
        assert_eq!(a.deadline(), Some(start + Duration::from_secs(2)));
        let first = a.request_started();
        let second = a.request_started();
        assert_eq!(a.deadline(), None);
        drop(first);
        assert_eq!(a.deadline(), None);
        drop(second);
        let idle_since = Instant::now();
        assert_eq!(a.deadline(), Some(idle_since + Duration::from_secs(10)));
        // The next request's head gets its own clock from its first byte.
        tokio::time::advance(Duration::from_secs(5)).await;
        a.bytes_read();
        assert_eq!(a.deadline(), Some(Instant::now() + Duration::from_secs(2)));
        let guard = a.request_started();
        drop(guard);
        let idle_since = Instant::now();
        // A client that stops reading: the stall clock, whatever the phase.
        a.write_progress(true);
        assert_eq!(a.deadline(), Some(idle_since + Duration::from_secs(2)));
        a.write_progress(false);
        assert_eq!(a.deadline(), Some(idle_since + Duration::from_secs(10)));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_fires_at_the_deadline_and_follows_changes() {
        let a = activity();
        let start = Instant::now();
        a.expired().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(2));
        let a = activity();
        let guard = a.request_started();
        let watcher = {
            let a = Arc::clone(&a);
            tokio::spawn(async move { a.expired().await })
        };
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert!(!watcher.is_finished());
        drop(guard);
        let idle_from = Instant::now();
        let _ = watcher.await;
        assert_eq!(Instant::now(), idle_from + Duration::from_secs(10));
    }
}
