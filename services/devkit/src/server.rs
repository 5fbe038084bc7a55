//! A service started for a test the way production starts it: its
//! `serve(config, listener, shutdown)` on `127.0.0.1:0`, with a channel to
//! it and a stop that waits for the drain.

use std::{fmt::Debug, future::Future, net::SocketAddr, pin::Pin, time::Duration};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;

/// The shutdown future a test server is given: it resolves on
/// [`TestServer::stop`] or when the server is dropped.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A server running in the test's runtime.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// A channel to it (30 s deadline, so a slow CI machine does not time out).
    pub channel: Channel,
    name: &'static str,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` and spawns `serve(listener, shutdown)`; `name`
    /// (`"community"`) is what a failure says stopped. A serve that returns
    /// an error fails the test (`"<name> runs"`).
    pub async fn start<F, Fut, E>(name: &'static str, serve: F) -> TestServer
    where
        F: FnOnce(TcpListener, Shutdown) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Debug,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let served = serve(
            listener,
            Box::pin(async {
                let _ = stopped.await;
            }),
        );
        let task = tokio::spawn(async move {
            if let Err(error) = served.await {
                panic!("{name} runs: {error:?}");
            }
        });
        let channel =
            everytime_common::grpc::channel(&format!("http://{addr}"), Duration::from_secs(30))
                .expect("a channel");
        TestServer {
            addr,
            channel,
            name,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops it and waits until it has drained; fails the test if it
    /// stopped with an error.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let name = self.name;
            task.await
                .unwrap_or_else(|error| panic!("{name} stops cleanly: {error}"));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_test_server_runs_until_stopped() {
        let (ran, running) = oneshot::channel();
        let server = TestServer::start("nothing", |listener, shutdown| async move {
            let _ = ran.send(listener.local_addr().expect("an address"));
            shutdown.await;
            Ok::<(), ()>(())
        })
        .await;
        assert_eq!(running.await.expect("it ran"), server.addr);
        tokio::time::timeout(Duration::from_secs(5), server.stop())
            .await
            .expect("it stops when told");
    }
}
