//! An Exa-compatible Webhooks API server on loopback, for tests, demos and benchmarks.
//! It runs on its own tokio runtime and threads, never touching Python.

mod conn;
mod deliver;
mod event_routes;
mod event_store;
mod failure;
mod faults;
mod loopback;
mod publish;
pub mod resources;
mod routes;
mod store;
mod trigger_routes;

pub use faults::{Action, Fault};
pub use publish::{DeliverySettings, MAX_ATTEMPTS};
pub use store::RecordedRequest;

use exa_webhooks_core::events;
use exa_webhooks_core::fork;
use exa_webhooks_core::models::WebhookEvent;
use exa_webhooks_core::raw::RawObject;
use exa_webhooks_core::timefmt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use publish::Publisher;
use serde_json::{Map, Value};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::{watch, Semaphore};

pub use store::State;

/// What one server lets its clients hold: connections, time, stored webhooks. The defaults
/// live with `ExaServer`'s signature in Python.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; the next ones get a 503 and are closed.
    pub max_connections: usize,
    /// A request head must arrive within this of its first byte, and its body within this
    /// of the head; a client that reads nothing of its answer for this long is dropped.
    pub header_timeout: Duration,
    /// A connection with no request for this long is closed.
    pub idle_timeout: Duration,
    pub max_webhooks: usize,
}

/// How one `emit` delivers.
#[derive(Debug, Clone, Copy)]
pub struct EmitOptions {
    /// Each try waits at most this for the receiver's answer.
    pub timeout: Duration,
    /// Delivered twice, with the same event id.
    pub duplicate: bool,
}

/// Connections refused at once (a 503) beyond `max_connections`; past these too, a new
/// connection is closed without a word. Each lives at most `REFUSAL_TIME`.
const MAX_REFUSING: usize = 64;
const REFUSAL_TIME: Duration = Duration::from_secs(2);

struct Running {
    runtime: Option<Runtime>,
    /// `emit` calls inside the runtime: `stop` waits for them to leave before shutting it
    /// down, as a timer polled on a runtime being shut down panics.
    emits: usize,
}

pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    /// `fork::generation()` at start: a forked child has the server's memory, not its threads.
    generation: u64,
    /// Locked only briefly: `emit` works on a handle, so a slow delivery never blocks `stop`
    /// or another caller.
    running: Mutex<Running>,
    emits_left: Condvar,
    stopping: watch::Sender<bool>,
}

/// How often a waiting `emit` asks its caller whether to stop (Ctrl-C).
const INTERRUPT_CHECK_EVERY: Duration = Duration::from_millis(100);
/// How long `stop` waits for `emit` calls to see it (they do within a tick).
const EMIT_EXIT_WAIT: Duration = Duration::from_secs(5);

const STOPPED_DURING_EMIT: &str = "the server stopped while delivering the event";

/// Releases its `emit` slot, waking a waiting `stop`.
struct EmitSlot<'a>(&'a Server);

impl Drop for EmitSlot<'_> {
    fn drop(&mut self) {
        let mut running = self.0.running();
        running.emits = running.emits.saturating_sub(1);
        self.0.emits_left.notify_all();
    }
}

impl Server {
    /// Binds at once, so a taken port is an error here and `port=0` gets its real number.
    /// Bad `delivery` settings are an `InvalidInput` error.
    pub fn start(
        api_key: String,
        host: &str,
        port: u16,
        limits: Limits,
        delivery: DeliverySettings,
    ) -> io::Result<Self> {
        // Checked before binding: a bad setting must not hold a port meanwhile.
        let publisher =
            Publisher::new(delivery).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind((host, port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("exa-server")
            .build()?;
        let state = Arc::new(State::new(api_key, limits.max_webhooks, publisher));
        let (stopping, stop_rx) = watch::channel(false);
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        runtime.spawn(accept_loop(listener, Arc::clone(&state), limits, stop_rx));
        Ok(Self {
            addr,
            state,
            generation: fork::generation(),
            running: Mutex::new(Running {
                runtime: Some(runtime),
                emits: 0,
            }),
            emits_left: Condvar::new(),
            stopping,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where its own clients reach it: a server bound to every interface is reached on
    /// loopback, so the URL works here and passes the clients' loopback-only http rule.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forked(&self) -> bool {
        fork::generation() != self.generation
    }

    /// False in a forked child too: the server's threads are in the parent.
    pub fn is_running(&self) -> bool {
        !self.forked() && self.running().runtime.is_some()
    }

    /// Stores an event (created now, or at `created_at`, in microseconds since the epoch) and
    /// delivers it to every active webhook subscribed to its type, concurrently, `copies`
    /// times (2: a duplicate, as receivers must expect), each failing delivery tried as the
    /// server's `DeliverySettings` say; returns once every try has finished (and was
    /// recorded as an attempt).
    pub fn emit(
        &self,
        event_type: &str,
        data: Option<Map<String, Value>>,
        created_at: Option<i64>,
        options: EmitOptions,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<WebhookEvent, String> {
        if !events::is_known(event_type) {
            return Err(format!("unknown event type {event_type:?}"));
        }
        if self.forked() {
            return Err(
                "emit cannot run in a forked child: this ExaServer's threads are in \
                        the parent process; start a new ExaServer in the child"
                    .into(),
            );
        }
        // Checked before any work: blocking here would stall the runtime thread itself.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err("emit cannot be called from a tokio runtime thread".into());
        }
        let (runtime, mut stopping) = {
            let mut running = self.running();
            let Some(rt) = running.runtime.as_ref() else {
                return Err("the server is stopped".into());
            };
            let handle = rt.handle().clone();
            running.emits += 1;
            (handle, self.stopping.subscribe())
        };
        let _slot = EmitSlot(self);
        let state = &self.state;
        let created_at = created_at.unwrap_or_else(|| timefmt::now_millis().saturating_mul(1000));
        let now = timefmt::format_micros(created_at);
        let data = data.unwrap_or_else(|| {
            let new_id = |prefix: &str| state.new_id(prefix, 24);
            match resources::default_data(event_type, &new_id, &now) {
                Value::Object(map) => map,
                _ => Map::new(),
            }
        });
        let event = WebhookEvent {
            id: state.new_id("event_", 24),
            object: "event".into(),
            event_type: event_type.to_owned(),
            data: RawObject::from_map(&data),
            created_at: now,
            extra: Map::new(),
        };
        // Stored first, whether or not anyone is subscribed: a receiver may look it up as
        // soon as it is delivered.
        let shared_event = state.events().insert(created_at, event);
        let copies = if options.duplicate { 2 } else { 1 };
        runtime.block_on(async {
            let handles = publish::spawn(state, &shared_event, copies, options.timeout);
            let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
            let abort_all = || aborts.iter().for_each(tokio::task::AbortHandle::abort);
            let all = async {
                for handle in handles {
                    if handle.await.is_err() {
                        return Err(STOPPED_DURING_EMIT);
                    }
                }
                Ok(())
            };
            tokio::pin!(all);
            // A receiver may take up to `timeout` (a day at most) a try: the caller may stop
            // waiting.
            let mut ticks = tokio::time::interval(INTERRUPT_CHECK_EVERY);
            loop {
                tokio::select! {
                    done = &mut all => return done,
                    () = stopped(&mut stopping) => {
                        abort_all();
                        return Err(STOPPED_DURING_EMIT);
                    }
                    _ = ticks.tick() => if interrupted() {
                        abort_all();
                        return Err("interrupted");
                    },
                }
            }
        })?;
        Ok(WebhookEvent::clone(&shared_event))
    }

    /// Closes the listener and every connection, after the `emit` calls in flight have
    /// seen the stop and left the runtime. Idempotent.
    pub fn stop(&self) {
        let Some(runtime) = self.running().runtime.take() else {
            return;
        };
        self.stopping.send_replace(true);
        if self.forked() {
            // Inherited through fork: its threads are gone, and shutting it down would wait
            // for them.
            std::mem::forget(runtime);
            return;
        }
        let deadline = std::time::Instant::now() + EMIT_EXIT_WAIT;
        let mut running = self.running();
        while running.emits > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            running = self
                .emits_left
                .wait_timeout(running, left)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
        }
        drop(running);
        if tokio::runtime::Handle::try_current().is_ok() {
            // Called from async code (a Rust caller's runtime), where blocking would panic:
            // the listener and connections close without waiting for the threads.
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let serving = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let timeouts = conn::Timeouts {
        header: limits.header_timeout,
        idle: limits.idle_timeout,
    };
    loop {
        let stream = tokio::select! {
            () = stopped(&mut stop) => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        if let Ok(permit) = Arc::clone(&serving).try_acquire_owned() {
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                serve(stream, state, timeouts).await;
                drop(permit);
            });
        } else if let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() {
            let (state, max) = (Arc::clone(&state), limits.max_connections);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(REFUSAL_TIME, refuse(stream, state, max)).await;
                drop(permit);
            });
        }
        // Else dropped here: closed at once.
    }
}

/// Returns once `stop` has been called (or the server is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Serves one connection until the client closes it or overstays a timeout.
async fn serve(stream: tokio::net::TcpStream, state: Arc<State>, timeouts: conn::Timeouts) {
    let activity = conn::Activity::new(timeouts);
    let io = TokioIo::new(conn::Tracked::new(stream, Arc::clone(&activity)));
    let watched = Arc::clone(&activity);
    let service = service_fn(move |request| {
        let (state, activity) = (Arc::clone(&state), Arc::clone(&watched));
        async move {
            let _busy = activity.request_started();
            routes::handle(&state, request, timeouts.header).await
        }
    });
    let connection = http1::Builder::new()
        .max_buf_size(routes::MAX_HEAD_BYTES)
        .max_header_size(routes::MAX_HEAD_BYTES)
        .serve_connection(io, service);
    // A client that goes away mid-request is not the server's problem; one that overstays
    // is dropped with its connection.
    tokio::select! {
        _ = connection => {}
        () = activity.expired() => {}
    }
}

/// One connection past `max_connections`: a 503 that says so, then closed.
async fn refuse(stream: tokio::net::TcpStream, state: Arc<State>, max_connections: usize) {
    let service = service_fn(move |request| {
        let state = Arc::clone(&state);
        async move {
            let answer = routes::too_many_connections(&state, request, max_connections).await;
            Ok::<_, io::Error>(answer)
        }
    });
    let _ = http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
