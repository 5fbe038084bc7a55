//! The demo course catalog: a realistic semester of one school, built into
//! the binary and loaded at start-up when `TIMETABLE_LOAD_DEMO_CATALOG` is
//! on, so a new user of a fresh deployment sees a working app at once.
//!
//! Schools are auth's, so the catalog names its school and [`load`] finds
//! its id through auth's public `ListSchools`, retrying with backoff while
//! auth is still starting. It imports into the current semester only when
//! that semester has no courses of the school yet: an admin's own import is
//! never overwritten, and a restart does nothing. It runs in the
//! background ([`spawn`]); the service is ready before it is done.

use std::time::Duration;

use chrono::Utc;
use everytime_proto::auth::v1::{ListSchoolsRequest, auth_service_client::AuthServiceClient};
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tonic::{Code, transport::Channel};

use crate::{
    catalog::{self, CatalogFile},
    domain::Semester,
    error,
    store::courses as store,
};

/// `deploy/demo/courses.json` (made by `deploy/demo/generate_courses.py`).
pub const CATALOG: &str = include_str!("../../../deploy/demo/courses.json");

/// How [`load`] waits for auth: attempts with a delay that doubles from
/// `first_delay` up to `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Calls to `ListSchools` before giving up.
    pub attempts: u32,
    /// The wait after the first failed call.
    pub first_delay: Duration,
    /// The longest wait between two calls.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// About two minutes in all: enough for auth to migrate and start
    /// beside us in a fresh deployment.
    fn default() -> Self {
        Retry {
            attempts: 30,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl Retry {
    /// The wait after failed call number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.first_delay
            .saturating_mul(2_u32.saturating_pow(attempt))
            .min(self.max_delay)
    }
}

/// What [`load`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// It imported this many courses.
    Imported(usize),
    /// The semester had courses of the school already; nothing changed.
    AlreadyLoaded,
    /// Auth knows no school of the catalog's name.
    NoSuchSchool(String),
}

/// Why [`load`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The built-in catalog does not parse (a broken build).
    #[error("the demo catalog does not parse: {0}")]
    Catalog(#[from] serde_json::Error),
    /// Auth did not answer `ListSchools`, even after retrying.
    #[error("auth did not list the schools: {0}")]
    Auth(#[from] tonic::Status),
    /// The import failed.
    #[error("the import failed: {0}")]
    Import(#[from] error::Error),
}

/// Whether a failed `ListSchools` may succeed later: auth not up yet, or
/// too slow while it starts.
fn worth_retrying(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable
            | Code::DeadlineExceeded
            | Code::Unknown
            | Code::Cancelled
            | Code::Aborted
            | Code::ResourceExhausted
    )
}

/// The schools auth lists, retrying as `retry` says while it is not up.
async fn schools(
    auth: &mut AuthServiceClient<Channel>,
    retry: Retry,
) -> Result<Vec<everytime_proto::auth::v1::School>, tonic::Status> {
    let mut attempt = 0;
    loop {
        match auth.list_schools(ListSchoolsRequest {}).await {
            Ok(response) => return Ok(response.into_inner().schools),
            Err(status) if worth_retrying(&status) && attempt + 1 < retry.attempts => {
                let delay = retry.delay(attempt);
                tracing::debug!(%status, ?delay, "auth is not answering yet; the demo catalog waits");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(status) => return Err(status),
        }
    }
}

/// Loads the demo catalog into the current semester of its school, unless
/// that semester has courses of the school already.
pub async fn load(
    pool: &PgPool,
    mut auth: AuthServiceClient<Channel>,
    retry: Retry,
) -> Result<Loaded, LoadError> {
    let file = CatalogFile::from_json(CATALOG)?;
    let Some(school) = schools(&mut auth, retry)
        .await?
        .into_iter()
        .find(|school| school.name == file.school)
    else {
        return Ok(Loaded::NoSuchSchool(file.school));
    };
    let semester = Semester::current(Utc::now());
    let mut tx = pool.begin().await.map_err(error::Error::from)?;
    store::lock_demo_load(&mut tx, school.id, semester.as_str()).await?;
    if store::count_courses(&mut *tx, school.id, semester.as_str()).await? > 0 {
        return Ok(Loaded::AlreadyLoaded);
    }
    let imported =
        catalog::import_in(&mut tx, school.id, semester.as_str(), &file.courses()).await?;
    tx.commit().await.map_err(error::Error::from)?;
    catalog::analyze(pool).await;
    tracing::info!(school = %school.name, %semester, imported, "demo course catalog loaded");
    Ok(Loaded::Imported(imported))
}

/// Runs [`load`] in the background; its outcome is logged. Abort the
/// handle on shutdown: an unfinished load then rolls back.
pub fn spawn(pool: PgPool, auth: AuthServiceClient<Channel>, retry: Retry) -> JoinHandle<()> {
    tokio::spawn(async move {
        match load(&pool, auth, retry).await {
            Ok(Loaded::Imported(_)) => {}
            Ok(Loaded::AlreadyLoaded) => {
                tracing::debug!("the semester has courses already; the demo catalog is not loaded");
            }
            Ok(Loaded::NoSuchSchool(school)) => {
                tracing::warn!(%school, "the demo catalog's school does not exist; not loading it");
            }
            Err(error) => tracing::warn!(%error, "the demo course catalog was not loaded"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_parses_and_names_its_school() {
        let file = CatalogFile::from_json(CATALOG).expect("parses");
        assert_eq!(file.school, "서울대학교");
        assert!(file.courses.len() >= 300, "{}", file.courses.len());
    }

    #[test]
    fn the_wait_doubles_up_to_the_cap() {
        let retry = Retry {
            attempts: 10,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let delays: Vec<u128> = (0..5).map(|n| retry.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        assert_eq!(retry.delay(u32::MAX), Duration::from_millis(500));
    }

    #[test]
    fn only_a_backend_that_is_not_up_is_retried() {
        assert!(worth_retrying(&tonic::Status::unavailable(
            "connection refused"
        )));
        assert!(worth_retrying(&tonic::Status::deadline_exceeded("slow")));
        assert!(!worth_retrying(&tonic::Status::unimplemented(
            "no such rpc"
        )));
        assert!(!worth_retrying(&tonic::Status::permission_denied("no")));
    }
}
