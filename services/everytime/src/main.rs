//! `cargo run`: the whole backend in one process, on a private Postgres
//! when `DATABASE_URL` is unset. Prints the URL to open; Ctrl-C stops it
//! (the gateway first, then the services, then Postgres). The process's
//! metrics are on one listener, `METRICS_LISTEN_ADDR` (default
//! `127.0.0.1:9090`; empty or `off`: none); the parts'
//! `*_METRICS_LISTEN_ADDR` are not used here.

use std::path::Path;

use everytime::{Addrs, Stack, StackConfig, provision};
use everytime_common::{config, shutdown_signal, telemetry};

/// Every binary allocates through mimalloc (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // First: a SIGTERM during start-up then still stops us in order.
    let shutdown = shutdown_signal();
    let telemetry = telemetry::init("everytime");

    let (cluster, urls) = match config::var("DATABASE_URL") {
        Some(url) => (None, provision::ServiceUrls::shared(&url)),
        None => {
            let data_dir = Path::new(&config::var_or("DATA_DIR", ".data")).join("postgres");
            let (cluster, urls) = provision::private_cluster(data_dir).await?;
            (Some(cluster), urls)
        }
    };

    let mut config = StackConfig {
        addrs: Addrs {
            gateway: config::listen_addr("GATEWAY_LISTEN_ADDR", "127.0.0.1:8080")?,
            auth: config::listen_addr("AUTH_LISTEN_ADDR", "127.0.0.1:50051")?,
            community: config::listen_addr("COMMUNITY_LISTEN_ADDR", "127.0.0.1:50052")?,
            timetable: config::listen_addr("TIMETABLE_LISTEN_ADDR", "127.0.0.1:50053")?,
        },
        auth: everytime_auth::Config::from_env_with_database(urls.auth)?,
        community: everytime_community::Config::from_env_with_database(urls.community)?,
        timetable: everytime_timetable::Config::from_env_with_database(urls.timetable)?,
        gateway: everytime_gateway::Config::from_env()?,
        metrics: config::optional_listen_addr("METRICS_LISTEN_ADDR", "127.0.0.1:9090")?,
    };
    // A new user should see a working app at once: the timetable service
    // loads the demo catalog in the background when the current semester
    // has no courses (a failure is a warning, not a refusal to start).
    config.timetable.load_demo_catalog = config::flag_or("LOAD_DEMO_CATALOG", true)?;
    let mut stack = Stack::start(config).await?;

    let url = stack.gateway_url();
    #[allow(clippy::print_stdout)]
    {
        println!();
        println!("  Everytime is running.");
        println!();
        println!("  Open      {url}/   (the app, in a browser)");
        println!("  REST API  {url}/api/v1   (described at {url}/api/v1/openapi.json)");
        println!(
            "  gRPC      auth {}, community {}, timetable {}",
            stack.auth.addr, stack.community.addr, stack.timetable.addr
        );
        if let Some(metrics) = stack.metrics_url() {
            println!("  Metrics   {metrics}   (every part, one page)");
        }
        match &cluster {
            Some(cluster) => println!(
                "  Postgres  private cluster in {} on 127.0.0.1:{}",
                cluster.data_dir().display(),
                cluster.port()
            ),
            None => println!("  Postgres  DATABASE_URL"),
        }
        println!();
        println!("  Press Ctrl-C to stop.");
        println!();
    }

    tokio::select! {
        () = shutdown => {}
        (name, result) = stack.failed() => {
            tracing::error!(name, ?result, "a part of the stack stopped; shutting down");
        }
    }
    stack.shutdown().await;
    drop(cluster);
    tracing::info!("stopped");
    telemetry.shutdown().await;
    Ok(())
}
