//! An Exa-compatible Webhooks API server on loopback, for tests, demos and benchmarks.
//! It runs on its own tokio runtime and threads, never touching Python.

mod routes;
mod store;

pub use store::RecordedRequest;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

pub use store::State;

pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    running: Option<(Runtime, oneshot::Sender<()>)>,
}

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
            running: Some((runtime, stop_tx)),
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

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Closes the listener and every connection. Idempotent.
    pub fn stop(&mut self) {
        if let Some((runtime, stop)) = self.running.take() {
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
                async move { Ok::<_, Infallible>(routes::handle(&state, request).await) }
            });
            // A client that goes away mid-request is not the server's problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
