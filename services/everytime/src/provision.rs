//! Databases for the one-command run.
//!
//! With `DATABASE_URL` set, every service uses it (each still in its own
//! schema), unless `AUTH_DATABASE_URL` and friends say otherwise. Without
//! it, a private cluster is started in the data folder and set up as in
//! deployment: one database, and for each service a login role that owns
//! its schema and can touch nothing else.

use std::path::PathBuf;

use everytime_devkit::postgres::{Cluster, ClusterOptions, LaunchError};
use rand::{Rng, distributions::Alphanumeric};
use sqlx::{Connection, Executor, PgConnection};

/// The database the one-command run uses in its private cluster.
pub const DATABASE: &str = "everytime";

/// The schemas, one per service.
pub const SCHEMAS: [&str; 3] = ["auth", "community", "timetable"];

/// Each service's database URL.
#[derive(Debug, Clone)]
pub struct ServiceUrls {
    /// The auth service's.
    pub auth: String,
    /// The community service's.
    pub community: String,
    /// The timetable service's.
    pub timetable: String,
}

impl ServiceUrls {
    /// Every service on one URL.
    pub fn shared(url: &str) -> ServiceUrls {
        ServiceUrls {
            auth: url.to_owned(),
            community: url.to_owned(),
            timetable: url.to_owned(),
        }
    }
}

/// Setting up the private cluster failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The cluster did not start.
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// A setup statement failed.
    #[error("setting up the database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The admin URL could not be rewritten.
    #[error("bad database URL: {0}")]
    Url(String),
}

/// Starts (or attaches to) the private cluster in `data_dir` and sets up the
/// database, extensions, roles and schemas.
pub async fn private_cluster(data_dir: PathBuf) -> Result<(Cluster, ServiceUrls), ProvisionError> {
    let cluster = Cluster::start(ClusterOptions {
        data_dir,
        durable: true,
    })
    .await?;
    cluster.ensure_database(DATABASE).await?;
    let urls = provision_roles(&cluster.url(DATABASE)).await?;
    Ok((cluster, urls))
}

/// Creates the extensions, and for each service a login role (with a fresh
/// password each start) owning the service's schema; returns each service's
/// URL with its own role.
pub async fn provision_roles(admin_url: &str) -> Result<ServiceUrls, ProvisionError> {
    let mut connection = PgConnection::connect(admin_url).await?;
    let database: String = sqlx::query_scalar("select current_database()")
        .fetch_one(&mut connection)
        .await?;
    connection
        .execute(
            "create extension if not exists pg_trgm with schema public;
             create extension if not exists btree_gist with schema public;",
        )
        .await?;
    let mut urls = Vec::with_capacity(SCHEMAS.len());
    for schema in SCHEMAS {
        let role = format!("everytime_{schema}");
        let password: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_roles where rolname = $1)")
                .bind(&role)
                .fetch_one(&mut connection)
                .await?;
        if !exists {
            connection
                .execute(format!("create role {role} login").as_str())
                .await?;
        }
        // Identifiers are our own constants and the password is alphanumeric.
        connection
            .execute(
                format!(
                    "alter role {role} with login password '{password}';
                     create schema if not exists {schema} authorization {role};
                     alter schema {schema} owner to {role};
                     grant connect on database \"{database}\" to {role};"
                )
                .as_str(),
            )
            .await?;
        let mut url =
            url::Url::parse(admin_url).map_err(|error| ProvisionError::Url(error.to_string()))?;
        url.set_username(&role)
            .and_then(|()| url.set_password(Some(&password)))
            .map_err(|()| ProvisionError::Url("cannot set credentials".into()))?;
        urls.push(url.to_string());
    }
    connection.close().await?;
    let [auth, community, timetable]: [String; 3] = urls
        .try_into()
        .map_err(|_| ProvisionError::Url("one URL per schema".into()))?;
    Ok(ServiceUrls {
        auth,
        community,
        timetable,
    })
}
