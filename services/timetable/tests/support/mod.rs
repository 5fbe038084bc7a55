//! Starts a real timetable service on 127.0.0.1:0 with a fresh database and
//! tokens signed by a key of the test's own, and talks to it with the
//! generated tonic clients. Auth is a stand-in that knows schools 1 to 3
//! ([`auth`]).

#![allow(dead_code)]

pub mod auth;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use everytime_common::token::{Claims, Role, SigningKey, StaticKeys, TokenSettings, random_id};
use everytime_proto::timetable::v1::{
    self as pb, catalog_service_client::CatalogServiceClient,
    friend_service_client::FriendServiceClient, review_service_client::ReviewServiceClient,
    timetable_service_client::TimetableServiceClient,
};
use everytime_timetable::Config;
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::{Request, transport::Channel};

pub const SEMESTER: &str = "2026-2";

pub struct TestTimetable {
    pub addr: SocketAddr,
    pub channel: Channel,
    pub database_url: String,
    key: SigningKey,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    auth: JoinHandle<()>,
}

/// A caller: a user id, their school and a token saying so.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub school_id: i64,
    pub token: String,
}

impl TestTimetable {
    pub async fn start() -> TestTimetable {
        let (auth_addr, auth) = auth::start().await;
        Self::start_with_auth(format!("http://{auth_addr}"), auth).await
    }

    /// A service whose auth does not answer at all.
    pub async fn start_with_auth_down() -> TestTimetable {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port");
        Self::start_with_auth(format!("http://{closed}"), tokio::spawn(async {})).await
    }

    async fn start_with_auth(auth_url: String, auth: JoinHandle<()>) -> TestTimetable {
        let database_url = everytime_devkit::postgres::test_database()
            .await
            .expect("a test database");
        let key = SigningKey::generate();
        let verifier = Arc::new(
            TokenSettings::default().verifier(Arc::new(StaticKeys(vec![key.public_jwk().clone()]))),
        );
        // Auth is asked about schools only: the verifier has the keys already.
        let mut config = Config::new(database_url.clone(), auth_url);
        config.service.verifier = Some(verifier);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            everytime_timetable::serve(config, listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("timetable runs");
        });
        let channel =
            everytime_common::grpc::channel(&format!("http://{addr}"), Duration::from_secs(30))
                .expect("a channel");
        let service = TestTimetable {
            addr,
            channel,
            database_url,
            key,
            stop: Some(stop),
            task: Some(task),
            auth,
        };
        service.wait_ready().await;
        service
    }

    async fn wait_ready(&self) {
        let mut health = tonic_health::pb::health_client::HealthClient::new(self.channel.clone());
        for _ in 0..600 {
            let check = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await;
            if check.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the timetable service did not become ready");
    }

    pub fn token(&self, user_id: i64, school_id: i64, role: Role) -> String {
        let now = chrono::Utc::now().timestamp();
        let settings = TokenSettings::default();
        self.key
            .sign(&Claims {
                sub: user_id.to_string(),
                sid: "1".into(),
                school_id,
                role,
                iss: settings.issuer,
                aud: settings.audience,
                exp: now + 900,
                iat: now,
                jti: random_id(),
            })
            .expect("signs")
    }

    /// A user of `school_id`.
    pub fn user(&self, id: i64, school_id: i64) -> User {
        User {
            id,
            school_id,
            token: self.token(id, school_id, Role::User),
        }
    }

    /// An administrator (of school 1).
    pub fn admin(&self) -> User {
        User {
            id: 999_999,
            school_id: 1,
            token: self.token(999_999, 1, Role::Admin),
        }
    }

    pub fn catalog(&self) -> CatalogServiceClient<Channel> {
        CatalogServiceClient::new(self.channel.clone())
    }

    pub fn timetables(&self) -> TimetableServiceClient<Channel> {
        TimetableServiceClient::new(self.channel.clone())
    }

    pub fn reviews(&self) -> ReviewServiceClient<Channel> {
        ReviewServiceClient::new(self.channel.clone())
    }

    pub fn friends(&self) -> FriendServiceClient<Channel> {
        FriendServiceClient::new(self.channel.clone())
    }

    /// Imports `courses` for `school_id` and `SEMESTER` as an admin.
    pub async fn import(
        &self,
        school_id: i64,
        courses: Vec<pb::CourseInput>,
    ) -> Result<i32, tonic::Status> {
        self.import_for(school_id, SEMESTER, courses).await
    }

    pub async fn import_for(
        &self,
        school_id: i64,
        semester: &str,
        courses: Vec<pb::CourseInput>,
    ) -> Result<i32, tonic::Status> {
        self.catalog()
            .import_courses(authed(
                pb::ImportCoursesRequest {
                    school_id,
                    semester: semester.into(),
                    courses,
                    courses_json: None,
                },
                &self.admin().token,
            ))
            .await
            .map(|response| response.into_inner().imported)
    }

    /// Imports `courses` sent as JSON values, as an admin.
    pub async fn import_json(
        &self,
        school_id: i64,
        semester: &str,
        courses: Vec<serde_json::Value>,
    ) -> Result<i32, tonic::Status> {
        self.catalog()
            .import_courses(authed(
                pb::ImportCoursesRequest {
                    school_id,
                    semester: semester.into(),
                    courses: Vec::new(),
                    courses_json: Some(list_value(courses)),
                },
                &self.admin().token,
            ))
            .await
            .map(|response| response.into_inner().imported)
    }

    /// Every course of the school's `SEMESTER` matching `query`, as `user`.
    pub async fn search(&self, user: &User, query: &str) -> Vec<pb::Course> {
        self.catalog()
            .search_courses(authed(
                pb::SearchCoursesRequest {
                    semester: SEMESTER.into(),
                    query: query.into(),
                    day: None,
                    page_size: Some(100),
                    page_token: String::new(),
                },
                &user.token,
            ))
            .await
            .expect("searches")
            .into_inner()
            .courses
    }

    /// The id of the course with `code` in the user's school.
    pub async fn course_id(&self, user: &User, code: &str) -> i64 {
        self.search(user, code)
            .await
            .into_iter()
            .find(|course| course.code == code)
            .map(|course| course.id)
            .unwrap_or_else(|| panic!("no course {code}"))
    }

    pub async fn create_timetable(&self, user: &User, name: Option<&str>) -> pb::Timetable {
        self.timetables()
            .create_timetable(authed(
                pb::CreateTimetableRequest {
                    semester: SEMESTER.into(),
                    name: name.map(str::to_owned),
                },
                &user.token,
            ))
            .await
            .expect("creates a timetable")
            .into_inner()
            .timetable
            .expect("a timetable")
    }

    pub async fn add(
        &self,
        user: &User,
        timetable_id: i64,
        course_id: i64,
    ) -> Result<pb::Timetable, tonic::Status> {
        self.timetables()
            .add_course(authed(
                pb::AddCourseRequest {
                    timetable_id,
                    course_id,
                },
                &user.token,
            ))
            .await
            .map(|response| response.into_inner().timetable.expect("a timetable"))
    }

    pub async fn get(
        &self,
        user: &User,
        timetable_id: i64,
    ) -> Result<pb::Timetable, tonic::Status> {
        self.timetables()
            .get_timetable(authed(
                pb::GetTimetableRequest { timetable_id },
                &user.token,
            ))
            .await
            .map(|response| response.into_inner().timetable.expect("a timetable"))
    }

    pub async fn set_visibility(&self, user: &User, timetable_id: i64, visibility: pb::Visibility) {
        self.timetables()
            .update_timetable(authed(
                pb::UpdateTimetableRequest {
                    timetable_id,
                    name: None,
                    is_primary: None,
                    visibility: Some(visibility.into()),
                },
                &user.token,
            ))
            .await
            .expect("updates");
    }

    /// Makes `a` and `b` friends.
    pub async fn befriend(&self, a: &User, b: &User) {
        let sent = self
            .friends()
            .send_friend_request(authed(
                pb::SendFriendRequestRequest { user_id: b.id },
                &a.token,
            ))
            .await
            .expect("sends")
            .into_inner();
        let request = sent.request.expect("a request");
        self.friends()
            .accept_friend_request(authed(
                pb::AcceptFriendRequestRequest {
                    request_id: request.id,
                },
                &b.token,
            ))
            .await
            .expect("accepts");
    }
}

impl Drop for TestTimetable {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        drop(self.task.take());
        self.auth.abort();
    }
}

/// `message` with `authorization: Bearer <token>` metadata.
pub fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("ascii"),
    );
    request
}

/// The `ErrorInfo` reason and the `BadRequest` fields of a status.
pub use everytime_devkit::status::reason_and_fields;

/// A session.
pub fn session(day: pb::Day, start: &str, end: &str, room: &str) -> pb::ClassSession {
    pb::ClassSession {
        day: day.into(),
        start: start.into(),
        end: end.into(),
        room: room.into(),
    }
}

/// A course.
pub fn course(
    code: &str,
    name: &str,
    professor: &str,
    credits: i32,
    sessions: Vec<pb::ClassSession>,
) -> pb::CourseInput {
    pb::CourseInput {
        code: code.into(),
        name: name.into(),
        professor: professor.into(),
        credits,
        sessions,
    }
}

/// JSON values as the protobuf `ListValue` the gateway sends.
pub fn list_value(values: Vec<serde_json::Value>) -> prost_types::ListValue {
    prost_types::ListValue {
        values: values.into_iter().map(value).collect(),
    }
}

/// One JSON value as a protobuf `Value`.
pub fn value(json: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match json {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(flag) => Kind::BoolValue(flag),
        serde_json::Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(text) => Kind::StringValue(text),
        serde_json::Value::Array(items) => Kind::ListValue(list_value(items)),
        serde_json::Value::Object(fields) => Kind::StructValue(prost_types::Struct {
            fields: fields
                .into_iter()
                .map(|(name, field)| (name, value(field)))
                .collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}
