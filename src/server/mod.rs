//! An Exa-compatible Webhooks API server on loopback, for tests, demos and benchmarks.
//! It runs on its own tokio runtime and threads, never touching Python.

mod deliver;
mod event_routes;
mod event_store;
mod faults;
pub mod resources;
mod routes;
mod store;
mod trigger_routes;

pub use faults::{Action, Fault};
pub use store::RecordedRequest;

use crate::events;
use crate::models::WebhookEvent;
use crate::timefmt;
use deliver::Target;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

pub use store::State;

pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    /// Locked only briefly: `emit` works on a handle, so a slow delivery never blocks `stop`
    /// or another caller.
    running: Mutex<Option<(Runtime, oneshot::Sender<()>)>>,
}

/// How often a waiting `emit` asks its caller whether to stop (Ctrl-C).
const INTERRUPT_CHECK_EVERY: Duration = Duration::from_millis(100);

impl Server {
    /// Binds at once, so a taken port is an error here and `port=0` gets its real number.
    pub fn start(api_key: String, host: &str, port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind((host, port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("exa-server")
            .build()?;
        let state = Arc::new(State::new(api_key));
        let (stop_tx, stop_rx) = oneshot::channel();
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        runtime.spawn(accept_loop(listener, Arc::clone(&state), stop_rx));
        Ok(Self {
            addr,
            state,
            running: Mutex::new(Some((runtime, stop_tx))),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Option<(Runtime, oneshot::Sender<()>)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_running(&self) -> bool {
        self.running().is_some()
    }

    /// Stores an event (created now, or at `created_at`, in microseconds since the epoch) and
    /// delivers it to every active webhook subscribed to its type, concurrently; returns once
    /// every try has finished (and was recorded as an attempt).
    pub fn emit(
        &self,
        event_type: &str,
        data: Option<Map<String, Value>>,
        created_at: Option<i64>,
        timeout: Duration,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<WebhookEvent, String> {
        if !events::is_known(event_type) {
            return Err(format!("unknown event type {event_type:?}"));
        }
        // Checked before any work: blocking here would stall the runtime thread itself.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err("emit cannot be called from a tokio runtime thread".into());
        }
        let Some(runtime) = self.running().as_ref().map(|(rt, _)| rt.handle().clone()) else {
            return Err("the server is stopped".into());
        };
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
            data,
            created_at: now,
            extra: Map::new(),
        };
        // Stored first, whether or not anyone is subscribed: a receiver may look it up as
        // soon as it is delivered.
        let shared_event = state.events().insert(created_at, event);
        let body: Arc<[u8]> = shared_event.to_json().to_string().into_bytes().into();
        let targets: Vec<Target> = state
            .webhooks()
            .all()
            .filter(|w| w.status == "active" && w.events.iter().any(|e| e == event_type))
            .filter_map(|w| {
                Some(Target {
                    webhook_id: w.id.clone(),
                    url: w.url.clone(),
                    secret: w.secret.clone()?,
                })
            })
            .collect();
        let attempts = runtime.block_on(async {
            let handles: Vec<_> = targets
                .into_iter()
                .map(|target| {
                    let (state, event, body) = (
                        Arc::clone(state),
                        Arc::clone(&shared_event),
                        Arc::clone(&body),
                    );
                    tokio::spawn(async move {
                        deliver::deliver(&state, &target, &event, &body, timeout).await
                    })
                })
                .collect();
            let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
            let all = async {
                let mut attempts = Vec::with_capacity(handles.len());
                for handle in handles {
                    // A task ends without its attempt only if `stop()` cancelled it meanwhile.
                    match handle.await {
                        Ok(attempt) => attempts.push(attempt),
                        Err(_) => return Err("the server stopped while delivering the event"),
                    }
                }
                Ok(attempts)
            };
            tokio::pin!(all);
            // A receiver may take up to `timeout` (a day at most): the caller may stop waiting.
            let mut ticks = tokio::time::interval(INTERRUPT_CHECK_EVERY);
            loop {
                tokio::select! {
                    attempts = &mut all => return attempts,
                    _ = ticks.tick() => if interrupted() {
                        aborts.iter().for_each(tokio::task::AbortHandle::abort);
                        return Err("interrupted");
                    },
                }
            }
        })?;
        let mut webhooks = state.webhooks();
        for attempt in attempts {
            webhooks.add_attempt(attempt);
        }
        Ok(WebhookEvent::clone(&shared_event))
    }

    /// Closes the listener and every connection. Idempotent.
    pub fn stop(&self) {
        let running = self.running().take();
        if let Some((runtime, stop)) = running {
            let _ = stop.send(());
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
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
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
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { routes::handle(&state, request).await }
            });
            // A client that goes away mid-request is not the server's problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
