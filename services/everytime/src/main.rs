//! `cargo run`: the whole backend in one process, on a private Postgres
//! when `DATABASE_URL` is unset. Prints the URL to open; Ctrl-C stops it
//! (the gateway first, then the services, then Postgres).

use std::{net::SocketAddr, path::Path, time::Duration};

use everytime::{Addrs, Stack, StackConfig, provision};
use everytime_common::{config, grpc, shutdown_signal, telemetry};
use everytime_proto::auth::v1::{ListSchoolsRequest, auth_service_client::AuthServiceClient};
use everytime_timetable::{catalog, domain::Semester};

/// The demo course catalog (`deploy/demo/courses.json`, made by
/// `deploy/demo/generate_courses.py`), built into the binary so the one
/// command needs no files beside it.
const DEMO_CATALOG: &str = include_str!("../../../deploy/demo/courses.json");

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

    let config = StackConfig {
        addrs: Addrs {
            gateway: config::listen_addr("GATEWAY_LISTEN_ADDR", "127.0.0.1:8080")?,
            auth: config::listen_addr("AUTH_LISTEN_ADDR", "127.0.0.1:50051")?,
            community: config::listen_addr("COMMUNITY_LISTEN_ADDR", "127.0.0.1:50052")?,
            timetable: config::listen_addr("TIMETABLE_LISTEN_ADDR", "127.0.0.1:50053")?,
        },
        auth: everytime_auth::Config::from_env_with_database(urls.auth)?,
        community: everytime_community::Config::from_env_with_database(
            everytime_community::ENV_PREFIX,
            urls.community,
        )?,
        timetable: everytime_timetable::Config::from_env_with_database(
            everytime_timetable::ENV_PREFIX,
            urls.timetable,
        )?,
        gateway: everytime_gateway::Config::from_env()?,
    };
    let timetable_database_url = config.timetable.database_url.clone();
    let mut stack = Stack::start(config).await?;
    if config::flag_or("LOAD_DEMO_CATALOG", true)? {
        // A new user should see a working app at once; a failure here is
        // worth a warning, not a refusal to start. It loads in the
        // background (one transaction) so a stop request is heard at once.
        let auth = stack.auth.addr;
        tokio::spawn(async move {
            if let Err(error) = load_demo_catalog(auth, &timetable_database_url).await {
                tracing::warn!(%error, "the demo course catalog was not loaded");
            }
        });
    }

    let url = stack.gateway_url();
    #[allow(clippy::print_stdout)]
    {
        println!();
        println!("  Everytime is running.");
        println!();
        println!("  Open      {url}/api/v1/openapi.json   (the API, described)");
        println!("  REST API  {url}/api/v1");
        println!(
            "  gRPC      auth {}, community {}, timetable {}",
            stack.auth.addr, stack.community.addr, stack.timetable.addr
        );
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

/// Loads the demo catalog into the current semester of its school (found by
/// name through auth's public `ListSchools`), the first time that semester
/// has no courses; an admin's own import is never overwritten.
async fn load_demo_catalog(auth: SocketAddr, timetable_database_url: &str) -> anyhow::Result<()> {
    let file = catalog::CatalogFile::from_json(DEMO_CATALOG)?;
    let channel = grpc::channel(&format!("http://{auth}"), Duration::from_secs(5))?;
    let schools = AuthServiceClient::new(channel)
        .list_schools(ListSchoolsRequest {})
        .await?
        .into_inner()
        .schools;
    let Some(school) = schools
        .into_iter()
        .find(|school| school.name == file.school)
    else {
        tracing::warn!(school = %file.school, "the demo catalog's school does not exist; not loading it");
        return Ok(());
    };
    let semester = Semester::parse_or_current("semester", "")?;
    let pool = catalog::connect(timetable_database_url).await?;
    let loaded = async {
        if catalog::course_count(&pool, school.id, semester.as_str()).await? > 0 {
            return Ok::<_, anyhow::Error>(None);
        }
        Ok(Some(
            catalog::import(&pool, school.id, semester.as_str(), &file.courses()).await?,
        ))
    }
    .await;
    pool.close().await;
    if let Some(imported) = loaded? {
        tracing::info!(school = %school.name, semester = %semester, imported, "demo course catalog loaded");
    }
    Ok(())
}
