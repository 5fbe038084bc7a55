//! The whole Everytime backend in one process: every service and the
//! gateway, each on its own port and talking real gRPC to the others, as
//! they do when deployed apart.
//!
//! Metrics are the exception: the recorder is one per process, so every
//! part's series are on one page, served on one listener
//! ([`StackConfig::metrics`], `METRICS_LISTEN_ADDR` for the binary) rather
//! than four listeners showing the same page. Each part's own metrics
//! setting is turned off here.
//!
//! [`Stack`] starts them; the `everytime` binary (the README's first
//! command) wraps it with a private Postgres, and the end-to-end tests start
//! one per test on ports chosen by the system.

pub mod provision;

use std::{fmt::Display, future::Future, net::SocketAddr, pin::Pin, time::Duration};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// A shutdown signal handed to a server.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One running server.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), String>>>,
}

impl Running {
    /// Runs `serve(listener, shutdown)` in a task.
    pub fn spawn<F, Fut, E>(listener: TcpListener, serve: F) -> std::io::Result<Running>
    where
        F: FnOnce(TcpListener, Shutdown) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display,
    {
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown: Shutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let served = serve(listener, shutdown);
        let task = tokio::spawn(async move { served.await.map_err(|error| error.to_string()) });
        Ok(Running {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Asks it to stop and waits until in-flight requests are done.
    pub async fn stop(&mut self) -> Result<(), String> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(|error| error.to_string())?,
            None => Ok(()),
        }
    }

    /// Resolves when the server ends on its own (it failed).
    pub async fn exited(&mut self) -> Result<(), String> {
        match self.task.as_mut() {
            Some(task) => {
                let result = task
                    .await
                    .map_err(|error| error.to_string())
                    .and_then(|r| r);
                self.task = None;
                result
            }
            None => std::future::pending().await,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Where each part listens; port 0 picks a free port.
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    /// The gateway (HTTP).
    pub gateway: SocketAddr,
    /// The auth service (gRPC).
    pub auth: SocketAddr,
    /// The community service (gRPC).
    pub community: SocketAddr,
    /// The timetable service (gRPC).
    pub timetable: SocketAddr,
}

impl Addrs {
    /// Every part on a free port of 127.0.0.1.
    pub fn ephemeral() -> Addrs {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Addrs {
            gateway: any,
            auth: any,
            community: any,
            timetable: any,
        }
    }
}

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Listen addresses.
    pub addrs: Addrs,
    /// The auth service.
    pub auth: everytime_auth::Config,
    /// The community service; its auth URL is set to where auth listens.
    pub community: everytime_community::Config,
    /// The timetable service; its auth URL is set to where auth listens.
    pub timetable: everytime_timetable::Config,
    /// The gateway; its backend URLs are set to where the services listen.
    pub gateway: everytime_gateway::Config,
    /// Where the process's one metrics page is served (`None`: nowhere).
    /// Port 0 picks a free port.
    pub metrics: Option<SocketAddr>,
}

impl StackConfig {
    /// Defaults everywhere, every service on `database_url`, free ports.
    pub fn new(database_url: &str) -> StackConfig {
        StackConfig {
            addrs: Addrs::ephemeral(),
            auth: everytime_auth::Config::new(database_url),
            community: everytime_community::Config::new(database_url, String::new()),
            timetable: everytime_timetable::Config::new(database_url, String::new()),
            gateway: everytime_gateway::Config::new(),
            metrics: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        }
    }
}

/// A part of the stack did not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A service did not report SERVING in time.
    #[error("{0} did not become ready: {1}")]
    NotReady(&'static str, String),
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StackError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StackError::Bind { addr, source })
}

/// Binds `addr`, runs `serve(config, ..)` on it, and sets `addr` to the
/// address bound (port 0 picks one).
async fn spawn_part<C, F, Fut, E>(
    addr: &mut SocketAddr,
    config: C,
    serve: F,
) -> Result<Running, StackError>
where
    F: FnOnce(C, TcpListener, Shutdown) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display,
{
    let running = spawn(*addr, move |listener, shutdown| {
        serve(config, listener, shutdown)
    })
    .await?;
    *addr = running.addr;
    Ok(running)
}

/// Binds `addr` and runs `serve` on it.
async fn spawn<F, Fut, E>(addr: SocketAddr, serve: F) -> Result<Running, StackError>
where
    F: FnOnce(TcpListener, Shutdown) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display,
{
    let listener = bind(addr).await?;
    Running::spawn(listener, serve).map_err(|source| StackError::Bind { addr, source })
}

/// Every service and the gateway, running.
#[derive(Debug)]
pub struct Stack {
    config: StackConfig,
    /// The auth service.
    pub auth: Running,
    /// The community service.
    pub community: Running,
    /// The timetable service.
    pub timetable: Running,
    /// The gateway.
    pub gateway: Running,
    /// The metrics listener of the whole process, when one is configured.
    pub metrics: Option<Running>,
}

impl Stack {
    /// Binds every port, starts every part, and waits until each service
    /// answers its health check.
    pub async fn start(mut config: StackConfig) -> Result<Stack, StackError> {
        // One listener for the process's one registry, not one per part.
        config.auth.server.metrics_addr = None;
        config.community.service.server.metrics_addr = None;
        config.timetable.service.server.metrics_addr = None;
        config.gateway.metrics_addr = None;
        let metrics = match config.metrics {
            Some(addr) => {
                let running = spawn(addr, everytime_common::metrics::serve).await?;
                config.metrics = Some(running.addr);
                Some(running)
            }
            None => None,
        };

        let auth = Self::spawn_auth(&config.auth, config.addrs.auth).await?;
        config.addrs.auth = auth.addr;
        let auth_url = format!("http://{}", auth.addr);

        config.timetable.service.auth_url = auth_url.clone();
        let timetable = spawn_part(
            &mut config.addrs.timetable,
            config.timetable.clone(),
            everytime_timetable::serve,
        )
        .await?;

        // community follows timetable's friend events.
        config.community.timetable_url = format!("http://{}", timetable.addr);
        config.community.service.auth_url = auth_url.clone();
        let community = spawn_part(
            &mut config.addrs.community,
            config.community.clone(),
            everytime_community::serve,
        )
        .await?;

        config.gateway.auth_url = auth_url;
        config.gateway.community_url = format!("http://{}", community.addr);
        config.gateway.timetable_url = format!("http://{}", timetable.addr);
        let gateway = spawn_part(
            &mut config.addrs.gateway,
            config.gateway.clone(),
            everytime_gateway::serve,
        )
        .await?;

        let mut stack = Stack {
            config,
            auth,
            community,
            timetable,
            gateway,
            metrics,
        };
        stack.wait_ready(Duration::from_secs(60)).await?;
        Ok(stack)
    }

    async fn spawn_auth(
        config: &everytime_auth::Config,
        addr: SocketAddr,
    ) -> Result<Running, StackError> {
        let config = config.clone();
        spawn(addr, move |listener, shutdown| {
            everytime_auth::serve(config, listener, shutdown)
        })
        .await
    }

    /// The gateway's base URL, e.g. `http://127.0.0.1:8080`.
    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway.addr)
    }

    /// The metrics page's URL, e.g. `http://127.0.0.1:9090/metrics`, when
    /// metrics are served.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics
            .as_ref()
            .map(|running| format!("http://{}/metrics", running.addr))
    }

    /// Waits until every service reports SERVING (migrations done).
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<(), StackError> {
        for (name, running) in [
            ("auth", &mut self.auth),
            ("community", &mut self.community),
            ("timetable", &mut self.timetable),
        ] {
            let deadline = tokio::time::Instant::now() + timeout;
            let url = format!("http://{}", running.addr);
            let channel = everytime_common::grpc::channel(&url, Duration::from_secs(5))
                .map_err(|error| StackError::NotReady(name, error.to_string()))?;
            let mut client = HealthClient::new(channel);
            loop {
                let check = client
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await;
                if check.is_ok_and(|response| response.get_ref().status() == ServingStatus::Serving)
                {
                    break;
                }
                if running.task.as_ref().is_some_and(JoinHandle::is_finished) {
                    let cause = running
                        .exited()
                        .await
                        .err()
                        .unwrap_or_else(|| "exited".into());
                    return Err(StackError::NotReady(name, cause));
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(StackError::NotReady(name, "timed out".into()));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// Stops the auth service (for tests of the gateway without it).
    pub async fn stop_auth(&mut self) -> Result<(), String> {
        self.auth.stop().await
    }

    /// Starts the auth service again on the same address.
    pub async fn restart_auth(&mut self) -> Result<(), StackError> {
        self.auth = Self::spawn_auth(&self.config.auth, self.config.addrs.auth).await?;
        self.wait_ready(Duration::from_secs(30)).await
    }

    /// Stops the community service (for tests of the gateway without it).
    pub async fn stop_community(&mut self) -> Result<(), String> {
        self.community.stop().await
    }

    /// Starts the community service again on the same address.
    pub async fn restart_community(&mut self) -> Result<(), StackError> {
        let mut addr = self.config.addrs.community;
        self.community = spawn_part(
            &mut addr,
            self.config.community.clone(),
            everytime_community::serve,
        )
        .await?;
        self.wait_ready(Duration::from_secs(30)).await
    }

    /// Stops the timetable service (for tests of what it does when it is
    /// back).
    pub async fn stop_timetable(&mut self) -> Result<(), String> {
        self.timetable.stop().await
    }

    /// Starts the timetable service again on the same address.
    pub async fn restart_timetable(&mut self) -> Result<(), StackError> {
        let mut addr = self.config.addrs.timetable;
        self.timetable = spawn_part(
            &mut addr,
            self.config.timetable.clone(),
            everytime_timetable::serve,
        )
        .await?;
        self.wait_ready(Duration::from_secs(30)).await
    }

    /// Resolves when any part stops on its own, with its name and cause.
    pub async fn failed(&mut self) -> (&'static str, Result<(), String>) {
        tokio::select! {
            result = self.auth.exited() => ("auth", result),
            result = self.community.exited() => ("community", result),
            result = self.timetable.exited() => ("timetable", result),
            result = self.gateway.exited() => ("gateway", result),
        }
    }

    /// Stops the gateway first (no new work comes in), then the services.
    pub async fn shutdown(mut self) {
        for (name, running) in [
            ("gateway", &mut self.gateway),
            ("community", &mut self.community),
            ("timetable", &mut self.timetable),
            ("auth", &mut self.auth),
        ] {
            if let Err(error) = running.stop().await {
                tracing::warn!(name, %error, "stopped with an error");
            }
        }
        // Last, so the final scrape still sees the others stopping.
        if let Some(metrics) = &mut self.metrics
            && let Err(error) = metrics.stop().await
        {
            tracing::warn!(%error, "the metrics listener stopped with an error");
        }
    }
}
