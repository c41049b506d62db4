//! `exa_webhooks._native.NativeClient` (blocking calls) and `NativeAsyncClient` (awaitables
//! for asyncio): each a configuration, one connection pool, and the calls, written once for
//! both. `Client` and `AsyncClient` in Python are thin typed wrappers around them.

use crate::client::events;
use crate::convert;
use crate::errors::{self, check};
use crate::models::attempt::PyWebhookAttempt;
use crate::models::event::PyWebhookEvent;
use crate::models::webhook::PyWebhook;
use crate::runtime;
use crate::runtime::logging;
use exa_webhooks_core::error::Error;
use exa_webhooks_core::models::{CreateWebhook, ListQuery, Page, UpdateWebhook};
use exa_webhooks_core::transport::{
    Config, LogFn, Reply, Transport, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT,
};
use exa_webhooks_core::validation::{self, FieldError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyWeakrefReference};
use pyo3::IntoPyObjectExt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MAX_RETRIES_LIMIT: u32 = 10;

/// A connection pool and what drives it. Sync calls get a single-threaded runtime of their
/// own, driven by the calling thread itself: a request and its connection never hop between
/// threads, which halves the CPU of a blocking call. Async calls share the process runtime.
#[derive(Clone)]
struct Lane {
    transport: Arc<Transport>,
    /// `None` for the async lane.
    local: Option<Arc<runtime::LocalRuntime>>,
}

/// The lane of one process: a forked child must not share its parent's connections.
struct Lanes {
    generation: u64,
    lane: Option<Lane>,
    /// Built by `new` to check the configuration there; the first lane takes it.
    spare: Option<Arc<Transport>>,
}

enum Pool {
    Open(Lanes),
    Closed,
}

/// What both client classes are: a configuration and its pool, sync or async.
struct Shared {
    config: Config,
    asynchronous: bool,
    /// Calls answer with the raw response too (`with_raw_response`).
    raw: bool,
    /// Shared by the clients `with_options` makes: one pool, one `close`.
    pool: Arc<Mutex<Pool>>,
}

/// Blocking calls: each drives its own single-threaded runtime on the calling thread.
#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeClient {
    shared: Shared,
}

/// Awaitable calls, resolved on the running asyncio loop's thread.
#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeAsyncClient {
    shared: Shared,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Every problem with the client's configuration, reported at once, keys never shown.
fn resolve_config(
    py: Python<'_>,
    api_key: Option<&Bound<'_, PyAny>>,
    base_url: Option<&Bound<'_, PyAny>>,
    timeout: Option<&Bound<'_, PyAny>>,
    max_retries: Option<&Bound<'_, PyAny>>,
    ca_bundle: Option<&Bound<'_, PyAny>>,
) -> PyResult<Config> {
    let mut errors = Vec::new();
    let api_key = match api_key.filter(|k| !k.is_none()) {
        Some(k) => convert::string("api_key", k, &mut errors),
        None => env("EXA_API_KEY"),
    };
    match &api_key {
        Some(key) => validation::validate_api_key(key, &mut errors),
        None if errors.is_empty() => errors.push(FieldError::new(
            "api_key",
            "no API key: pass api_key=... or set the EXA_API_KEY environment variable",
        )),
        None => {}
    }
    let base_url = match base_url.filter(|b| !b.is_none()) {
        Some(b) => convert::string("base_url", b, &mut errors),
        None => Some(env("EXA_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())),
    };
    let http_hosts = env(validation::ALLOW_HTTP_HOSTS_ENV)
        .map(|hosts| validation::parse_http_hosts(&hosts, &mut errors))
        .unwrap_or_default();
    let base_url =
        base_url.and_then(|b| validation::validate_base_url(&b, &http_hosts, &mut errors));
    let timeout = checked_timeout(timeout, DEFAULT_TIMEOUT, &mut errors);
    let max_retries = checked_max_retries(max_retries, DEFAULT_MAX_RETRIES, &mut errors);
    let ca_pem = match ca_bundle.filter(|c| !c.is_none()) {
        None => None,
        Some(path) => match path.extract::<std::path::PathBuf>() {
            Ok(path) => match exa_webhooks_core::transport::read_ca_bundle(&path) {
                Ok(pem) if exa_webhooks_core::transport::count_certificates(&pem) > 0 => Some(pem),
                Ok(_) => {
                    let message = format!("{} holds no PEM certificate", path.display());
                    errors.push(FieldError::new("ca_bundle", message));
                    None
                }
                Err(message) => {
                    errors.push(FieldError::new("ca_bundle", message));
                    None
                }
            },
            Err(_) => {
                let message = format!("must be a path, got {}", convert::type_name(path));
                errors.push(FieldError::new("ca_bundle", message));
                None
            }
        },
    };
    // The OS trust store's loader reads this file as it is, when the client is built: what
    // would hang or exhaust memory there is refused here (a missing file it skips, so do we).
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
        let path = std::path::Path::new(&file);
        if let Ok(meta) = std::fs::metadata(path) {
            if let Err(message) = exa_webhooks_core::transport::check_ca_file(path, &meta) {
                errors.push(FieldError::new("SSL_CERT_FILE", message));
            }
        }
    }
    check(py, errors)?;
    // With no errors reported, all three are set.
    let incomplete = || PyValueError::new_err("incomplete client configuration");
    Ok(Config {
        api_key: api_key.ok_or_else(incomplete)?,
        base_url: base_url.ok_or_else(incomplete)?,
        timeout: timeout.ok_or_else(incomplete)?,
        max_retries,
        ca_pem,
    })
}

/// Seconds per try (`default` when not given), or `None` with the problem reported.
fn checked_timeout(
    timeout: Option<&Bound<'_, PyAny>>,
    default: f64,
    errors: &mut Vec<FieldError>,
) -> Option<Duration> {
    let seconds = match timeout.filter(|t| !t.is_none()) {
        None => Some(default),
        Some(t) if t.is_instance_of::<PyBool>() => None,
        Some(t) => t.extract::<f64>().ok(),
    };
    let Some(seconds) = seconds else {
        errors.push(FieldError::new("timeout", "must be a number of seconds"));
        return None;
    };
    let before = errors.len();
    validation::validate_timeout(seconds, errors);
    (errors.len() == before).then(|| Duration::from_secs_f64(seconds))
}

/// Retries after a first try (`default` when not given); 0 with the problem reported.
fn checked_max_retries(
    max_retries: Option<&Bound<'_, PyAny>>,
    default: u32,
    errors: &mut Vec<FieldError>,
) -> u32 {
    match max_retries.filter(|m| !m.is_none()) {
        None => default,
        Some(m) => match m.extract::<u32>() {
            Ok(n) if n <= MAX_RETRIES_LIMIT && !m.is_instance_of::<PyBool>() => n,
            _ => {
                let message = format!("must be an int from 0 to {MAX_RETRIES_LIMIT}");
                errors.push(FieldError::new("max_retries", message));
                0
            }
        },
    }
}

/// The validated body of a create request.
fn create_body(
    events: &Bound<'_, PyAny>,
    url: &Bound<'_, PyAny>,
    metadata: Option<&Bound<'_, PyAny>>,
) -> PyResult<CreateWebhook> {
    let py = events.py();
    let mut errors = Vec::new();
    let events = checked_events(events, &mut errors);
    let url = checked_url(url, &mut errors);
    let metadata = checked_metadata(metadata, &mut errors);
    check(py, errors)?;
    Ok(CreateWebhook {
        events: events.unwrap_or_default(),
        url: url.unwrap_or_default(),
        metadata: metadata.flatten(),
    })
}

fn checked_events(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let events = convert::events(obj, errors)?;
    validation::validate_partial_events(&events, errors);
    events.into_iter().collect()
}

fn checked_url(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Option<String> {
    let url = convert::string("url", obj, errors)?;
    validation::validate_url("url", &url, errors);
    Some(url)
}

fn checked_metadata(
    obj: Option<&Bound<'_, PyAny>>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<Vec<(String, String)>>> {
    let metadata = convert::string_map("metadata", obj, errors)?;
    if let Some(pairs) = &metadata {
        validation::validate_metadata(pairs, errors);
    }
    Some(metadata)
}

fn checked_id(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> String {
    // Checked only once it is a str (one error, not a second "must not be empty" for it).
    let id = convert::string("webhook_id", obj, errors);
    if let Some(id) = &id {
        validation::validate_webhook_id(id, errors);
    }
    id.unwrap_or_default()
}

fn webhook_id(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = obj.py();
    let mut errors = Vec::new();
    let id = checked_id(obj, &mut errors);
    check(py, errors)?;
    Ok(id)
}

fn given<'a, 'py>(obj: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    obj.filter(|o| !o.is_none())
}

/// Paging and filters, each checked; absent (`None`) ones are left out of the query.
fn list_query(
    limit: Option<&Bound<'_, PyAny>>,
    cursor: Option<&Bound<'_, PyAny>>,
    event_type: Option<&Bound<'_, PyAny>>,
    successful: Option<&Bound<'_, PyAny>>,
    errors: &mut Vec<FieldError>,
) -> ListQuery {
    let mut query = ListQuery::default();
    if let Some(limit) = given(limit) {
        let value = if limit.is_instance_of::<PyBool>() {
            None
        } else {
            limit.extract::<i64>().ok()
        };
        match value {
            Some(n) => {
                validation::validate_limit(n, errors);
                query.limit = Some(n);
            }
            // An int too large for 64 bits is still an int: say what range it misses.
            None if limit.is_instance_of::<pyo3::types::PyInt>()
                && !limit.is_instance_of::<PyBool>() =>
            {
                errors.push(FieldError::new(
                    "limit",
                    format!(
                        "must be between 1 and {}, got {}",
                        validation::MAX_PAGE_LIMIT,
                        match limit.str().map(|s| s.to_string()) {
                            Ok(text) if text.len() <= 40 => text,
                            // Python refuses to print ints past 4300 digits: not this one either.
                            _ => "an int of more than 40 digits".to_owned(),
                        }
                    ),
                ))
            }
            None => errors.push(FieldError::new(
                "limit",
                format!("must be an int, got {}", convert::type_name(limit)),
            )),
        }
    }
    if let Some(cursor) = given(cursor) {
        query.cursor = convert::string("cursor", cursor, errors);
        if let Some(c) = &query.cursor {
            validation::validate_cursor(c, errors);
        }
    }
    if let Some(event_type) = given(event_type) {
        query.event_type = convert::string("event_type", event_type, errors);
        if let Some(t) = &query.event_type {
            validation::validate_event_type("event_type", t, errors);
        }
    }
    if let Some(successful) = given(successful) {
        match successful.cast::<PyBool>() {
            Ok(b) => query.successful = Some(b.is_true()),
            Err(_) => errors.push(FieldError::new(
                "successful",
                format!("must be a bool, got {}", convert::type_name(successful)),
            )),
        }
    }
    query
}

type PageTuple<T> = (Vec<T>, bool, Option<String>);

fn page_tuple<T, U: From<T>>(page: Page<T>) -> PageTuple<U> {
    let data = page.data.into_iter().map(U::from).collect();
    (data, page.has_more, page.next_cursor)
}

/// The running loop's `Completer` (`exa_webhooks._async.completer()`), or None where loops
/// cannot watch a socket; raises without a running loop. The last loop's answer is kept here,
/// so the common call makes no Python frame.
fn loop_completer(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static COMPLETER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    // The last loop (weakly) and its completer, as `completer()` answered.
    static LAST: Mutex<Option<(Py<PyWeakrefReference>, Py<PyAny>)>> = Mutex::new(None);
    let running = RUNNING_LOOP
        .import(py, "asyncio", "_get_running_loop")?
        .call0()?;
    if !running.is_none() {
        let last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((event_loop, completer)) = &*last {
            if event_loop
                .bind(py)
                .upgrade()
                .is_some_and(|l| l.is(&running))
            {
                return Ok(completer.bind(py).clone());
            }
        }
    }
    let completer = COMPLETER
        .import(py, "exa_webhooks._async", "completer")?
        .call0()?;
    let entry = (
        PyWeakrefReference::new(&running)?.unbind(),
        completer.clone().unbind(),
    );
    // The one replaced is dropped once the lock is released.
    let _replaced = LAST
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(entry);
    Ok(completer)
}

/// What a call hands to Python: the value, or for a client of `with_raw_response` the value
/// with its status, headers, request id and tries, as a tuple the Python layer wraps.
enum Answer<T> {
    Value(T),
    Raw(Reply<T>),
}

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Answer<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Answer::Value(value) => value.into_bound_py_any(py),
            Answer::Raw(reply) => {
                let headers: Vec<(&str, std::borrow::Cow<'_, str>)> = reply
                    .headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), String::from_utf8_lossy(value.as_bytes())))
                    .collect();
                let value = reply.value.into_bound_py_any(py)?;
                (
                    value,
                    reply.status,
                    headers,
                    reply.request_id,
                    reply.attempts,
                )
                    .into_bound_py_any(py)
            }
        }
    }
}

/// Runs a call blocking (the interpreter lock released) or as an awaitable for asyncio:
/// through the loop's `Completer` where there is one, else through pyo3-async-runtimes.
fn run<'py, T, Fut>(
    py: Python<'py>,
    lane: &Lane,
    raw: bool,
    request: impl FnOnce(Arc<Transport>, Option<LogFn>) -> Fut,
) -> PyResult<Bound<'py, PyAny>>
where
    Fut: Future<Output = Result<Reply<T>, Error>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let request = move |transport, log| {
        let fut = request(transport, log);
        async move {
            let reply = fut.await?;
            Ok(if raw {
                Answer::Raw(reply)
            } else {
                Answer::Value(reply.value)
            })
        }
    };
    // Asking the logger and finding the loop's completer run Python code: see
    // `runtime::inside`. (A sync call passes the gate again when it takes the lock back.)
    let inside = runtime::inside(py);
    let levels = logging::levels(py);
    let transport = Arc::clone(&lane.transport);
    if let Some(local) = &lane.local {
        drop(inside);
        let fut = request(transport, levels.map(logging::on_this_thread));
        return runtime::block_on(py, local, fut)?
            .map_err(|e| errors::to_pyerr(py, e))?
            .into_bound_py_any(py);
    }
    let completer = loop_completer(py)?;
    #[cfg(unix)]
    if let Ok(completer) = completer.cast::<crate::runtime::bridge::Completer>() {
        let completer = completer.get();
        let fut = request(transport, levels.map(|l| completer.log_fn(l)));
        return completer.spawn(py, fut);
    }
    drop(completer);
    // Without a completer (loops that cannot watch a socket), pyo3-async-runtimes takes the
    // interpreter lock on its own threads to hand over results; records are logged there too.
    let fut = request(transport, levels.map(logging::on_this_thread));
    runtime::future_into_py(
        py,
        async move { fut.await.map_err(errors::to_pyerr_detached) },
    )
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        asynchronous: bool,
        api_key: Option<&Bound<'_, PyAny>>,
        base_url: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
        ca_bundle: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = resolve_config(py, api_key, base_url, timeout, max_retries, ca_bundle)?;
        let transport = Transport::new(&config).map_err(|e| errors::to_pyerr(py, e))?;
        Ok(Self {
            config,
            asynchronous,
            raw: false,
            pool: Arc::new(Mutex::new(Pool::Open(Lanes {
                generation: exa_webhooks_core::fork::generation(),
                lane: None,
                spare: Some(Arc::new(transport)),
            }))),
        })
    }

    /// The same pool with another timeout and number of retries (each kept when not given).
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut errors = Vec::new();
        let config = &self.config;
        let timeout = checked_timeout(timeout, config.timeout.as_secs_f64(), &mut errors);
        let max_retries = checked_max_retries(max_retries, config.max_retries, &mut errors);
        check(py, errors)?;
        Ok(Self {
            config: Config {
                timeout: timeout.unwrap_or(config.timeout),
                max_retries,
                ..config.clone()
            },
            asynchronous: self.asynchronous,
            raw: self.raw,
            pool: Arc::clone(&self.pool),
        })
    }

    /// The same pool and policy; calls answer with their raw responses too.
    fn with_raw_response(&self) -> Self {
        Self {
            config: self.config.clone(),
            asynchronous: self.asynchronous,
            raw: true,
            pool: Arc::clone(&self.pool),
        }
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `request` with the lane's transport, blocking or as an awaitable (see `run`).
    fn call<'py, T, Fut>(
        &self,
        py: Python<'py>,
        request: impl FnOnce(Arc<Transport>, Option<LogFn>) -> Fut,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        Fut: Future<Output = Result<Reply<T>, Error>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let mut lane = self.lane(py)?;
        let (timeout, max_retries) = (self.config.timeout, self.config.max_retries);
        if !lane.transport.has_policy(timeout, max_retries) {
            // A client of `with_options`: the pool's connections, its own policy.
            lane.transport = Arc::new(lane.transport.with_policy(timeout, max_retries));
        }
        run(py, &lane, self.raw, request)
    }

    /// The lane for a call, built on first use (and again in a forked child).
    fn lane(&self, py: Python<'_>) -> PyResult<Lane> {
        let mut pool = self.pool();
        let Pool::Open(lanes) = &mut *pool else {
            return Err(closed_error(py));
        };
        let generation = exa_webhooks_core::fork::generation();
        if lanes.generation != generation {
            // The parent's pool, inherited through fork: dropping it would wake tasks of a
            // runtime whose threads are gone (and whose locks a parent thread may have held).
            let inherited = std::mem::replace(
                lanes,
                Lanes {
                    generation,
                    lane: None,
                    spare: None,
                },
            );
            std::mem::forget(inherited);
        }
        if let Some(lane) = &lanes.lane {
            return Ok(lane.clone());
        }
        let local = if self.asynchronous {
            None
        } else {
            Some(Arc::new(runtime::LocalRuntime::new()?))
        };
        let transport = match lanes.spare.take() {
            Some(transport) => transport,
            None => Arc::new(Transport::new(&self.config).map_err(|e| errors::to_pyerr(py, e))?),
        };
        let lane = Lane { transport, local };
        lanes.lane = Some(lane.clone());
        Ok(lane)
    }

    fn closed(&self) -> bool {
        matches!(*self.pool(), Pool::Closed)
    }

    fn close(&self) {
        let previous = std::mem::replace(&mut *self.pool(), Pool::Closed);
        if let Pool::Open(lanes) = previous {
            if lanes.generation != exa_webhooks_core::fork::generation() {
                // A parent's pool: left alone, as in `lane`.
                std::mem::forget(lanes);
                return;
            }
            if let Some(lane) = lanes.lane {
                lane.transport.close();
            }
        }
    }
}

fn closed_error(py: Python<'_>) -> PyErr {
    errors::exa_error(py, "this client is closed; create a new one")
}

/// The methods of both classes, written once: only where a call runs differs (`run`).
macro_rules! client_methods {
    ($class:ident, asynchronous: $asynchronous:expr) => {
        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = (api_key=None, base_url=None, timeout=None, max_retries=None, ca_bundle=None))]
            fn new(
                py: Python<'_>,
                api_key: Option<&Bound<'_, PyAny>>,
                base_url: Option<&Bound<'_, PyAny>>,
                timeout: Option<&Bound<'_, PyAny>>,
                max_retries: Option<&Bound<'_, PyAny>>,
                ca_bundle: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let shared = Shared::new(
                    py,
                    $asynchronous,
                    api_key,
                    base_url,
                    timeout,
                    max_retries,
                    ca_bundle,
                )?;
                Ok(Self { shared })
            }

            #[getter]
            fn base_url(&self) -> &str {
                &self.shared.config.base_url
            }

            #[getter]
            fn timeout(&self) -> f64 {
                self.shared.config.timeout.as_secs_f64()
            }

            #[getter]
            fn max_retries(&self) -> u32 {
                self.shared.config.max_retries
            }

            #[getter]
            fn closed(&self) -> bool {
                self.shared.closed()
            }

            /// Drops the connection pool; later calls raise.
            fn close(&self) {
                self.shared.close();
            }

            /// A client sharing this one's pool, with another timeout or retries.
            #[pyo3(signature = (timeout=None, max_retries=None))]
            fn with_options(
                &self,
                py: Python<'_>,
                timeout: Option<&Bound<'_, PyAny>>,
                max_retries: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let shared = self.shared.with_options(py, timeout, max_retries)?;
                Ok(Self { shared })
            }

            /// A client sharing this one's pool whose calls answer with their raw response:
            /// `(value, status, headers, request_id, attempts)`.
            fn with_raw_response(&self) -> Self {
                Self {
                    shared: self.shared.with_raw_response(),
                }
            }

            #[pyo3(signature = (events, url, metadata=None))]
            fn create_webhook<'py>(
                &self,
                py: Python<'py>,
                events: &Bound<'py, PyAny>,
                url: &Bound<'py, PyAny>,
                metadata: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let body = create_body(events, url, metadata)?;
                self.shared.call(py, |transport, log| async move {
                    transport
                        .create_webhook(&body, log)
                        .await
                        .map(|r| r.map(PyWebhook::from))
                })
            }

            #[pyo3(signature = (webhook_id))]
            fn get_webhook<'py>(
                &self,
                py: Python<'py>,
                webhook_id: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let id = self::webhook_id(webhook_id)?;
                self.shared.call(py, |transport, log| async move {
                    transport.get_webhook(&id, log).await.map(|r| r.map(PyWebhook::from))
                })
            }

            #[pyo3(signature = (webhook_id, events=None, url=None, metadata=None))]
            #[allow(clippy::too_many_arguments)]
            fn update_webhook<'py>(
                &self,
                py: Python<'py>,
                webhook_id: &Bound<'py, PyAny>,
                events: Option<&Bound<'py, PyAny>>,
                url: Option<&Bound<'py, PyAny>>,
                metadata: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut errors = Vec::new();
                let id = checked_id(webhook_id, &mut errors);
                let (events, url) = (given(events), given(url));
                if events.is_none() && url.is_none() && given(metadata).is_none() {
                    errors.push(FieldError::new(
                        "update",
                        "nothing to update: give at least one of events, url, metadata",
                    ));
                }
                let body = UpdateWebhook {
                    events: events.and_then(|e| checked_events(e, &mut errors)),
                    url: url.and_then(|u| checked_url(u, &mut errors)),
                    metadata: checked_metadata(metadata, &mut errors).flatten(),
                };
                check(py, errors)?;
                self.shared.call(py, |transport, log| async move {
                    transport
                        .update_webhook(&id, &body, log)
                        .await
                        .map(|r| r.map(PyWebhook::from))
                })
            }

            #[pyo3(signature = (webhook_id))]
            fn delete_webhook<'py>(
                &self,
                py: Python<'py>,
                webhook_id: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let id = self::webhook_id(webhook_id)?;
                self.shared.call(py, |transport, log| async move {
                    transport
                        .delete_webhook(&id, log)
                        .await
                        .map(|r| r.map(PyWebhook::from))
                })
            }

            /// One page, as `(items, has_more, next_cursor)`; Python wraps it in a `Page`.
            #[pyo3(signature = (limit=None, cursor=None))]
            fn list_webhooks<'py>(
                &self,
                py: Python<'py>,
                limit: Option<&Bound<'py, PyAny>>,
                cursor: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut errors = Vec::new();
                let query = list_query(limit, cursor, None, None, &mut errors);
                check(py, errors)?;
                self.shared.call(py, |transport, log| async move {
                    let page = transport.list_webhooks(&query, log).await?;
                    Ok(page.map(page_tuple::<_, PyWebhook>))
                })
            }

            #[pyo3(signature = (webhook_id, event_type=None, successful=None, limit=None, cursor=None))]
            #[allow(clippy::too_many_arguments)]
            fn list_webhook_attempts<'py>(
                &self,
                py: Python<'py>,
                webhook_id: &Bound<'py, PyAny>,
                event_type: Option<&Bound<'py, PyAny>>,
                successful: Option<&Bound<'py, PyAny>>,
                limit: Option<&Bound<'py, PyAny>>,
                cursor: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut errors = Vec::new();
                let id = checked_id(webhook_id, &mut errors);
                let query = list_query(limit, cursor, event_type, successful, &mut errors);
                check(py, errors)?;
                self.shared.call(py, |transport, log| async move {
                    let page = transport.list_webhook_attempts(&id, &query, log).await?;
                    Ok(page.map(page_tuple::<_, PyWebhookAttempt>))
                })
            }

            /// One page of events, as `(items, has_more, next_cursor)`; see `client::events`.
            #[pyo3(signature = (types=None, created_after=None, created_before=None, limit=None, cursor=None))]
            #[allow(clippy::too_many_arguments)]
            fn list_events<'py>(
                &self,
                py: Python<'py>,
                types: Option<&Bound<'py, PyAny>>,
                created_after: Option<&Bound<'py, PyAny>>,
                created_before: Option<&Bound<'py, PyAny>>,
                limit: Option<&Bound<'py, PyAny>>,
                cursor: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut errors = Vec::new();
                let mut query = events::event_query(types, created_after, created_before, &mut errors);
                let paging = list_query(limit, cursor, None, None, &mut errors);
                (query.limit, query.cursor) = (paging.limit, paging.cursor);
                check(py, errors)?;
                self.shared.call(py, |transport, log| async move {
                    let page = transport.list_events(&query, log).await?;
                    Ok(page.map(page_tuple::<_, PyWebhookEvent>))
                })
            }

            #[pyo3(signature = (event_id))]
            fn get_event<'py>(
                &self,
                py: Python<'py>,
                event_id: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let mut errors = Vec::new();
                let id = events::event_id(event_id, &mut errors);
                check(py, errors)?;
                self.shared.call(py, |transport, log| async move {
                    transport
                        .get_event(&id, log)
                        .await
                        .map(|r| r.map(PyWebhookEvent::from))
                })
            }

            fn __repr__(&self) -> String {
                format!(
                    "{}(base_url={:?}, timeout={}, max_retries={})",
                    stringify!($class),
                    self.shared.config.base_url,
                    self.shared.config.timeout.as_secs_f64(),
                    self.shared.config.max_retries
                )
            }
        }
    };
}

client_methods!(NativeClient, asynchronous: false);
client_methods!(NativeAsyncClient, asynchronous: true);
