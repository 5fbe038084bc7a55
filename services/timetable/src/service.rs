//! The gRPC handlers of `everytime.timetable.v1`: `CatalogService`,
//! `TimetableService` and `FriendService`.
//!
//! Each handler reads the verified caller, does its work on [`State`] and
//! turns an [`Error`] into a precise status. Reading someone else's
//! timetable follows its visibility, and what the caller may not see is
//! `NOT_FOUND`, exactly like what does not exist.

use std::{collections::HashMap, sync::Arc};

use everytime_common::{
    grpc::{self, timestamp},
    page,
    token::Caller,
    validate::Violations,
};
use everytime_proto::timetable::v1::{
    self as pb, catalog_service_server::CatalogService, friend_service_server::FriendService,
    timetable_service_server::TimetableService,
};
use tonic::{Request, Response, Status};

use crate::{
    State, catalog,
    domain::{Day, SearchText, Semester, TimetableName, Viewer, Visibility},
    error::{Error, Result},
    render,
    store::{self, CourseRow, RequestRow, TimetableRow},
};

/// How many times an add that lost a race is retried before giving up.
const ADD_ATTEMPTS: usize = 5;

/// What an add came to, short of an error.
#[derive(Debug)]
enum Added {
    /// The timetable with the course.
    Done(pb::Timetable),
    /// Every attempt lost a race (or found what was in the way gone
    /// again): nothing is known to clash, so this is not a `time_conflict`
    /// but `ABORTED`, which the client may simply retry.
    GaveUp,
}

/// The status of an add that gave up: `ABORTED` (a `409` the client may
/// retry), never a `time_conflict` without the courses in the way.
fn gave_up_status() -> Status {
    grpc::status(
        tonic::Code::Aborted,
        "add_contended",
        "the timetable changed while the course was being added; try again",
    )
}

/// `everytime.timetable.v1.CatalogService`.
#[derive(Debug, Clone)]
pub struct CatalogApi(pub Arc<State>);

/// `everytime.timetable.v1.TimetableService`.
#[derive(Debug, Clone)]
pub struct TimetableApi(pub Arc<State>);

/// `everytime.timetable.v1.FriendService`.
#[derive(Debug, Clone)]
pub struct FriendApi(pub Arc<State>);

fn to_request(row: RequestRow) -> pb::FriendRequest {
    pb::FriendRequest {
        id: row.id,
        from_user_id: row.from_user_id,
        to_user_id: row.to_user_id,
        create_time: Some(timestamp(row.created_at)),
    }
}

/// True when `error` broke the named constraint.
fn broke(error: &sqlx::Error, constraint: &str) -> bool {
    Error::constraint(error) == Some(constraint)
}

/// True when Postgres gave up on the transaction so another could go on: a
/// deadlock (two adds that clash each insert their slots, then each waits
/// for the other's) or a serialization failure. Trying again is right.
fn lost_race(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "40P01" || code == "40001")
}

impl State {
    /// Courses with their sessions: two queries whatever the count.
    async fn courses(&self, rows: Vec<CourseRow>) -> Result<Vec<pb::Course>> {
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let mut sessions: HashMap<i64, Vec<pb::ClassSession>> = HashMap::new();
        for session in store::sessions_of(&self.pool, &ids).await? {
            sessions
                .entry(session.course_id)
                .or_default()
                .push(pb::ClassSession {
                    day: Day::from_number(session.day)
                        .map_or(pb::Day::Unspecified, Day::to_pb)
                        .into(),
                    start: crate::domain::format_time(session.start_minute),
                    end: crate::domain::format_time(session.end_minute),
                    room: session.room,
                });
        }
        Ok(rows
            .into_iter()
            .map(|row| pb::Course {
                sessions: sessions.remove(&row.id).unwrap_or_default(),
                id: row.id,
                semester: row.semester,
                code: row.code,
                name: row.name,
                professor: row.professor,
                credits: row.credits,
            })
            .collect())
    }

    /// Timetables with their courses: three queries whatever the count.
    async fn timetables(&self, rows: Vec<TimetableRow>) -> Result<Vec<pb::Timetable>> {
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let held = store::courses_of_timetables(&self.pool, &ids).await?;
        let owners: Vec<i64> = held.iter().map(|row| row.timetable_id).collect();
        let courses = self
            .courses(held.into_iter().map(|row| row.course).collect())
            .await?;
        let mut by_timetable: HashMap<i64, Vec<pb::Course>> = HashMap::new();
        for (timetable_id, course) in owners.into_iter().zip(courses) {
            by_timetable.entry(timetable_id).or_default().push(course);
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let courses = by_timetable.remove(&row.id).unwrap_or_default();
                pb::Timetable {
                    id: row.id,
                    semester: row.semester,
                    name: row.name,
                    is_primary: row.is_primary,
                    visibility: Visibility::from_name(&row.visibility).to_pb().into(),
                    owner_id: row.owner_id,
                    total_credits: courses.iter().map(|course| course.credits).sum(),
                    courses,
                    create_time: Some(timestamp(row.created_at)),
                }
            })
            .collect())
    }

    async fn timetable(&self, row: TimetableRow) -> Result<pb::Timetable> {
        self.timetables(vec![row])
            .await?
            .pop()
            .ok_or(Error::NotFound("timetable"))
    }

    /// Whether `caller` may read `row`.
    async fn may_read(&self, caller: &Caller, row: &TimetableRow) -> Result<bool> {
        let visibility = Visibility::from_name(&row.visibility);
        let mut viewer = Viewer {
            is_owner: row.owner_id == caller.user_id,
            is_friend: false,
            same_school: row.school_id == caller.school_id,
        };
        if visibility.allows(viewer) {
            return Ok(true);
        }
        if visibility == Visibility::Private {
            return Ok(false);
        }
        viewer.is_friend = store::are_friends(&self.pool, caller.user_id, row.owner_id).await?;
        Ok(visibility.allows(viewer))
    }

    /// A timetable the caller may read; `NOT_FOUND` otherwise.
    async fn readable(&self, caller: &Caller, id: i64) -> Result<TimetableRow> {
        let row = store::timetable(&self.pool, id)
            .await?
            .ok_or(Error::NotFound("timetable"))?;
        if self.may_read(caller, &row).await? {
            Ok(row)
        } else {
            Err(Error::NotFound("timetable"))
        }
    }

    /// A timetable the caller owns: `NOT_FOUND` when they may not even read
    /// it, `PERMISSION_DENIED` when they may read but not change it.
    async fn owned(&self, caller: &Caller, id: i64) -> Result<TimetableRow> {
        let row = self.readable(caller, id).await?;
        if row.owner_id == caller.user_id {
            Ok(row)
        } else {
            Err(Error::NotOwner)
        }
    }

    async fn search(
        &self,
        caller: &Caller,
        request: pb::SearchCoursesRequest,
    ) -> Result<pb::SearchCoursesResponse> {
        let mut violations = Violations::new();
        let semester = violations.check(Semester::parse("semester", &request.semester));
        let text = violations.check(SearchText::parse(&request.query));
        let day = match request.day {
            Some(day) => violations.check(Day::from_pb("day", day)).map(Some),
            None => Some(None),
        };
        let size = violations.check(page::page_size(request.page_size));
        violations.finish()?;
        let (Some(semester), Some(text), Some(day), Some(size)) = (semester, text, day, size)
        else {
            return Err(Error::field("query", "is invalid"));
        };
        let scope = format!(
            "courses:{}:{}:{}:{}",
            caller.school_id,
            semester,
            text.as_ref().map_or("", SearchText::as_str),
            day.map_or("", Day::code)
        );
        let after: String = self
            .cursors
            .decode_opt(&scope, Some(&request.page_token))?
            .unwrap_or_default();
        let day_mask = day.map(Day::bit);
        let mut rows = match &text {
            None => {
                store::list_courses(
                    &self.pool,
                    caller.school_id,
                    semester.as_str(),
                    day_mask,
                    &after,
                    size + 1,
                )
                .await?
            }
            Some(text) => {
                let grams = crate::domain::query_grams(caller.school_id, &semester, text);
                store::search_courses(
                    &self.pool,
                    caller.school_id,
                    semester.as_str(),
                    &grams,
                    text.as_str(),
                    day_mask,
                    &after,
                    size + 1,
                )
                .await?
            }
        };
        let next_page_token = if rows.len() > usize::try_from(size).unwrap_or(usize::MAX) {
            rows.truncate(usize::try_from(size).unwrap_or(0));
            rows.last()
                .map(|last| self.cursors.encode(&scope, &last.code))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(pb::SearchCoursesResponse {
            courses: self.courses(rows).await?,
            next_page_token,
        })
    }

    async fn create_timetable(
        &self,
        caller: &Caller,
        request: pb::CreateTimetableRequest,
    ) -> Result<pb::Timetable> {
        let mut violations = Violations::new();
        let semester = violations.check(Semester::parse("semester", &request.semester));
        let name = match &request.name {
            Some(name) => violations.check(TimetableName::parse(name)).map(Some),
            None => Some(None),
        };
        violations.finish()?;
        let (Some(semester), Some(name)) = (semester, name) else {
            return Err(Error::field("semester", "is invalid"));
        };
        let mut tx = self.pool.begin().await?;
        store::lock_owner(&mut tx, caller.user_id).await?;
        let names = store::timetable_names(&mut tx, caller.user_id, semester.as_str()).await?;
        if i64::try_from(names.len()).unwrap_or(i64::MAX) >= store::MAX_TIMETABLES_PER_SEMESTER {
            return Err(Error::TooManyTimetables);
        }
        let name = name.unwrap_or_else(|| {
            (1..)
                .map(TimetableName::default_nth)
                .find(|candidate| !names.iter().any(|taken| taken == candidate.as_str()))
                .unwrap_or_else(|| TimetableName::default_nth(names.len() + 1))
        });
        let is_primary = store::primary_timetable(&mut *tx, caller.user_id, semester.as_str())
            .await?
            .is_none();
        let row = store::insert_timetable(
            &mut tx,
            caller.user_id,
            caller.school_id,
            semester.as_str(),
            name.as_str(),
            is_primary,
        )
        .await?;
        tx.commit().await?;
        self.timetable(row).await
    }

    async fn update_timetable(
        &self,
        caller: &Caller,
        request: pb::UpdateTimetableRequest,
    ) -> Result<pb::Timetable> {
        let mut violations = Violations::new();
        let name = request
            .name
            .as_deref()
            .and_then(|name| violations.check(TimetableName::parse(name)));
        let visibility = request
            .visibility
            .and_then(|visibility| violations.check(Visibility::from_pb(visibility)));
        violations.finish()?;

        let found = self.owned(caller, request.timetable_id).await?;
        let mut tx = self.pool.begin().await?;
        store::lock_owner(&mut tx, caller.user_id).await?;
        // Read again under the lock: a concurrent change may have moved the primary.
        let row = store::timetable(&mut *tx, found.id)
            .await?
            .ok_or(Error::NotFound("timetable"))?;
        match request.is_primary {
            Some(false) if row.is_primary => return Err(Error::PrimaryRequired),
            Some(true) if !row.is_primary => {
                store::make_primary(&mut tx, row.id, row.owner_id, &row.semester).await?;
            }
            _ => {}
        }
        if name.is_some() || visibility.is_some() {
            store::update_timetable(
                &mut tx,
                row.id,
                name.as_ref().map(TimetableName::as_str),
                visibility.map(Visibility::as_str),
            )
            .await?;
        }
        let row = store::timetable(&mut *tx, row.id)
            .await?
            .ok_or(Error::NotFound("timetable"))?;
        tx.commit().await?;
        self.timetable(row).await
    }

    async fn delete_timetable(&self, caller: &Caller, id: i64) -> Result<()> {
        let found = self.owned(caller, id).await?;
        let mut tx = self.pool.begin().await?;
        store::lock_owner(&mut tx, caller.user_id).await?;
        let row = store::timetable(&mut *tx, found.id)
            .await?
            .ok_or(Error::NotFound("timetable"))?;
        store::delete_timetable(&mut tx, row.id).await?;
        if row.is_primary {
            store::promote_oldest(&mut tx, row.owner_id, &row.semester).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_course(
        &self,
        caller: &Caller,
        timetable_id: i64,
        course_id: i64,
    ) -> Result<Added> {
        let timetable = self.owned(caller, timetable_id).await?;
        let course = store::course(&self.pool, course_id)
            .await?
            .ok_or(Error::NotFound("course"))?;
        if course.school_id != timetable.school_id {
            return Err(Error::WrongSchool);
        }
        if course.semester != timetable.semester {
            return Err(Error::WrongSemester);
        }
        for _ in 0..ADD_ATTEMPTS {
            let mut tx = self.pool.begin().await?;
            // The course first: an import changing its sessions then either
            // waits for this add (and re-slots the course here too) or has
            // finished, and the slots below copy its new sessions.
            if !store::lock_course(&mut tx, course.id).await? {
                return Err(Error::NotFound("course"));
            }
            if !store::lock_timetable(&mut tx, timetable.id).await? {
                return Err(Error::NotFound("timetable"));
            }
            if !store::insert_timetable_course(&mut tx, timetable.id, course.id).await? {
                return Err(Error::AlreadyAdded);
            }
            match store::insert_slots(&mut tx, timetable.id, course.id).await {
                Ok(()) => {
                    tx.commit().await?;
                    let row = store::timetable(&self.pool, timetable.id)
                        .await?
                        .ok_or(Error::NotFound("timetable"))?;
                    return self.timetable(row).await.map(Added::Done);
                }
                Err(error) if broke(&error, store::SLOTS_NO_OVERLAP) => {
                    tx.rollback().await?;
                    let clashing =
                        store::clashing_courses(&self.pool, timetable.id, course.id).await?;
                    if !clashing.is_empty() {
                        return Err(Error::TimeConflict(self.courses(clashing).await?));
                    }
                    // What was in the way left again before we looked: try once more.
                }
                Err(error) if lost_race(&error) => {
                    tx.rollback().await?;
                    tracing::debug!(%error, "an add lost a race; trying again");
                }
                Err(error) => return Err(error.into()),
            }
        }
        tracing::warn!(
            timetable_id = timetable.id,
            course_id = course.id,
            "an add lost every race; the client is asked to try again"
        );
        Ok(Added::GaveUp)
    }

    async fn primary_timetable(
        &self,
        owner_id: i64,
        semester: &Semester,
    ) -> Result<Option<pb::Timetable>> {
        match store::primary_timetable(&self.pool, owner_id, semester.as_str()).await? {
            Some(row) => Ok(Some(self.timetable(row).await?)),
            None => Ok(None),
        }
    }

    async fn friend_timetable(
        &self,
        caller: &Caller,
        request: pb::GetFriendTimetableRequest,
    ) -> Result<pb::Timetable> {
        let semester = Semester::parse_or_current("semester", &request.semester)?;
        if !store::are_friends(&self.pool, caller.user_id, request.user_id).await? {
            return Err(Error::NotFound("timetable"));
        }
        let row = store::primary_timetable(&self.pool, request.user_id, semester.as_str())
            .await?
            .ok_or(Error::NotFound("timetable"))?;
        if Visibility::from_name(&row.visibility) == Visibility::Private {
            return Err(Error::NotFound("timetable"));
        }
        self.timetable(row).await
    }

    async fn send_friend_request(
        &self,
        caller: &Caller,
        to: i64,
    ) -> Result<pb::SendFriendRequestResponse> {
        if to == caller.user_id {
            return Err(Error::SelfRequest);
        }
        if to <= 0 {
            return Err(Error::NotFound("user"));
        }
        let mut tx = self.pool.begin().await?;
        store::lock_users(&mut tx, caller.user_id, to).await?;
        if store::are_friends(&mut *tx, caller.user_id, to).await? {
            return Err(Error::AlreadyFriends);
        }
        // They asked first: this is a yes.
        if let Some(theirs) = store::request_between(&mut tx, to, caller.user_id).await?
            && theirs.school_id == caller.school_id
        {
            let theirs = store::take_request_to(&mut tx, theirs.id, caller.user_id)
                .await?
                .ok_or(Error::NotFound("friend_request"))?;
            befriend(&mut tx, caller.user_id, to).await?;
            tx.commit().await?;
            return Ok(pb::SendFriendRequestResponse {
                request: Some(to_request(theirs)),
                accepted: true,
            });
        }
        if store::request_between(&mut tx, caller.user_id, to)
            .await?
            .is_some()
        {
            return Err(Error::AlreadyRequested);
        }
        let row = match store::insert_request(&mut tx, caller.user_id, to, caller.school_id).await {
            Ok(row) => row,
            Err(error) if broke(&error, store::REQUEST_PAIR_KEY) => {
                return Err(Error::AlreadyRequested);
            }
            Err(error) => return Err(error.into()),
        };
        tx.commit().await?;
        Ok(pb::SendFriendRequestResponse {
            request: Some(to_request(row)),
            accepted: false,
        })
    }

    async fn accept_friend_request(&self, caller: &Caller, id: i64) -> Result<pb::Friend> {
        let found = store::request(&self.pool, id)
            .await?
            .ok_or(Error::NotFound("friend_request"))?;
        if found.to_user_id != caller.user_id || found.school_id != caller.school_id {
            // The sender knows the request exists; nobody else learns it does.
            return Err(if found.from_user_id == caller.user_id {
                Error::NotRecipient
            } else {
                Error::NotFound("friend_request")
            });
        }
        let mut tx = self.pool.begin().await?;
        store::lock_users(&mut tx, found.from_user_id, caller.user_id).await?;
        let request = store::take_request_to(&mut tx, id, caller.user_id)
            .await?
            .ok_or(Error::NotFound("friend_request"))?;
        let since = befriend(&mut tx, caller.user_id, request.from_user_id).await?;
        tx.commit().await?;
        Ok(pb::Friend {
            user_id: request.from_user_id,
            since_time: Some(timestamp(since)),
        })
    }
}

/// Makes two users friends unless one of them is at the limit. Runs under
/// [`store::lock_users`], so the counts cannot move meanwhile.
async fn befriend(
    tx: &mut sqlx::PgConnection,
    a: i64,
    b: i64,
) -> Result<chrono::DateTime<chrono::Utc>> {
    for user in [a, b] {
        if store::friend_count(tx, user).await? >= store::MAX_FRIENDS {
            return Err(Error::FriendLimit);
        }
    }
    store::insert_friendship(tx, a, b).await
}

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn import_courses(
        &self,
        request: Request<pb::ImportCoursesRequest>,
    ) -> Result<Response<pb::ImportCoursesResponse>, Status> {
        let caller = grpc::caller(&request)?;
        if !caller.is_admin() {
            return Err(Error::AdminOnly.into());
        }
        let request = request.into_inner();
        let imported = catalog::import(
            &self.0.pool,
            request.school_id,
            &request.semester,
            &request.courses,
        )
        .await?;
        Ok(Response::new(pb::ImportCoursesResponse {
            imported: i32::try_from(imported).unwrap_or(i32::MAX),
        }))
    }

    async fn search_courses(
        &self,
        request: Request<pb::SearchCoursesRequest>,
    ) -> Result<Response<pb::SearchCoursesResponse>, Status> {
        let caller = grpc::caller(&request)?;
        Ok(Response::new(
            self.0.search(&caller, request.into_inner()).await?,
        ))
    }
}

#[tonic::async_trait]
impl TimetableService for TimetableApi {
    async fn list_timetables(
        &self,
        request: Request<pb::ListTimetablesRequest>,
    ) -> Result<Response<pb::ListTimetablesResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let semester = match request.get_ref().semester.as_deref().map(str::trim) {
            Some(semester) if !semester.is_empty() => {
                Some(Semester::parse("semester", semester).map_err(Error::from)?)
            }
            _ => None,
        };
        let rows = store::timetables_of_owner(
            &self.0.pool,
            caller.user_id,
            semester.as_ref().map(Semester::as_str),
        )
        .await?;
        Ok(Response::new(pb::ListTimetablesResponse {
            timetables: self.0.timetables(rows).await?,
        }))
    }

    async fn create_timetable(
        &self,
        request: Request<pb::CreateTimetableRequest>,
    ) -> Result<Response<pb::CreateTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let timetable = self
            .0
            .create_timetable(&caller, request.into_inner())
            .await?;
        Ok(Response::new(pb::CreateTimetableResponse {
            timetable: Some(timetable),
        }))
    }

    async fn get_timetable(
        &self,
        request: Request<pb::GetTimetableRequest>,
    ) -> Result<Response<pb::GetTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let row = self
            .0
            .readable(&caller, request.get_ref().timetable_id)
            .await?;
        Ok(Response::new(pb::GetTimetableResponse {
            timetable: Some(self.0.timetable(row).await?),
        }))
    }

    async fn update_timetable(
        &self,
        request: Request<pb::UpdateTimetableRequest>,
    ) -> Result<Response<pb::UpdateTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let timetable = self
            .0
            .update_timetable(&caller, request.into_inner())
            .await?;
        Ok(Response::new(pb::UpdateTimetableResponse {
            timetable: Some(timetable),
        }))
    }

    async fn delete_timetable(
        &self,
        request: Request<pb::DeleteTimetableRequest>,
    ) -> Result<Response<pb::DeleteTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        self.0
            .delete_timetable(&caller, request.get_ref().timetable_id)
            .await?;
        Ok(Response::new(pb::DeleteTimetableResponse {}))
    }

    async fn add_course(
        &self,
        request: Request<pb::AddCourseRequest>,
    ) -> Result<Response<pb::AddCourseResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let pb::AddCourseRequest {
            timetable_id,
            course_id,
        } = request.into_inner();
        match self.0.add_course(&caller, timetable_id, course_id).await? {
            Added::Done(timetable) => Ok(Response::new(pb::AddCourseResponse {
                timetable: Some(timetable),
            })),
            Added::GaveUp => Err(gave_up_status()),
        }
    }

    async fn remove_course(
        &self,
        request: Request<pb::RemoveCourseRequest>,
    ) -> Result<Response<pb::RemoveCourseResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let pb::RemoveCourseRequest {
            timetable_id,
            course_id,
        } = request.into_inner();
        let timetable = self.0.owned(&caller, timetable_id).await?;
        if !store::delete_timetable_course(&self.0.pool, timetable.id, course_id).await? {
            return Err(Error::NotFound("course").into());
        }
        Ok(Response::new(pb::RemoveCourseResponse {}))
    }

    async fn render_timetable(
        &self,
        request: Request<pb::RenderTimetableRequest>,
    ) -> Result<Response<pb::RenderTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let row = self
            .0
            .readable(&caller, request.get_ref().timetable_id)
            .await?;
        let (timetable, added) = tokio::try_join!(
            self.0.timetable(row.clone()),
            store::course_ids_by_addition(&self.0.pool, row.id),
        )?;
        Ok(Response::new(pb::RenderTimetableResponse {
            svg: render::svg(&timetable, &added),
        }))
    }

    async fn get_primary_timetable(
        &self,
        request: Request<pb::GetPrimaryTimetableRequest>,
    ) -> Result<Response<pb::GetPrimaryTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let semester = Semester::parse_or_current("semester", &request.get_ref().semester)
            .map_err(Error::from)?;
        Ok(Response::new(pb::GetPrimaryTimetableResponse {
            timetable: self.0.primary_timetable(caller.user_id, &semester).await?,
        }))
    }

    async fn get_friend_timetable(
        &self,
        request: Request<pb::GetFriendTimetableRequest>,
    ) -> Result<Response<pb::GetFriendTimetableResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let timetable = self
            .0
            .friend_timetable(&caller, request.into_inner())
            .await?;
        Ok(Response::new(pb::GetFriendTimetableResponse {
            timetable: Some(timetable),
        }))
    }
}

#[tonic::async_trait]
impl FriendService for FriendApi {
    async fn send_friend_request(
        &self,
        request: Request<pb::SendFriendRequestRequest>,
    ) -> Result<Response<pb::SendFriendRequestResponse>, Status> {
        let caller = grpc::caller(&request)?;
        Ok(Response::new(
            self.0
                .send_friend_request(&caller, request.get_ref().user_id)
                .await?,
        ))
    }

    async fn list_friend_requests(
        &self,
        request: Request<pb::ListFriendRequestsRequest>,
    ) -> Result<Response<pb::ListFriendRequestsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let (incoming, outgoing) = tokio::try_join!(
            store::incoming_requests(&self.0.pool, caller.user_id, caller.school_id),
            store::outgoing_requests(&self.0.pool, caller.user_id),
        )?;
        Ok(Response::new(pb::ListFriendRequestsResponse {
            incoming: incoming.into_iter().map(to_request).collect(),
            outgoing: outgoing.into_iter().map(to_request).collect(),
        }))
    }

    async fn accept_friend_request(
        &self,
        request: Request<pb::AcceptFriendRequestRequest>,
    ) -> Result<Response<pb::AcceptFriendRequestResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let friend = self
            .0
            .accept_friend_request(&caller, request.get_ref().request_id)
            .await?;
        Ok(Response::new(pb::AcceptFriendRequestResponse {
            friend: Some(friend),
        }))
    }

    async fn delete_friend_request(
        &self,
        request: Request<pb::DeleteFriendRequestRequest>,
    ) -> Result<Response<pb::DeleteFriendRequestResponse>, Status> {
        let caller = grpc::caller(&request)?;
        if !store::delete_request_of(&self.0.pool, request.get_ref().request_id, caller.user_id)
            .await?
        {
            return Err(Error::NotFound("friend_request").into());
        }
        Ok(Response::new(pb::DeleteFriendRequestResponse {}))
    }

    async fn list_friends(
        &self,
        request: Request<pb::ListFriendsRequest>,
    ) -> Result<Response<pb::ListFriendsResponse>, Status> {
        let caller = grpc::caller(&request)?;
        let friends = store::friends_of(&self.0.pool, caller.user_id).await?;
        Ok(Response::new(pb::ListFriendsResponse {
            friends: friends
                .into_iter()
                .map(|row| pb::Friend {
                    user_id: row.friend_id,
                    since_time: Some(timestamp(row.created_at)),
                })
                .collect(),
        }))
    }

    async fn remove_friend(
        &self,
        request: Request<pb::RemoveFriendRequest>,
    ) -> Result<Response<pb::RemoveFriendResponse>, Status> {
        let caller = grpc::caller(&request)?;
        if !store::delete_friendship(&self.0.pool, caller.user_id, request.get_ref().user_id)
            .await?
        {
            return Err(Error::NotFound("friend").into());
        }
        Ok(Response::new(pb::RemoveFriendResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use tonic_types::StatusExt;

    use super::*;

    #[test]
    fn an_add_that_gives_up_is_a_retryable_aborted_without_conflicts() {
        let status = gave_up_status();

        assert_eq!(status.code(), tonic::Code::Aborted);
        let reason = status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone());
        assert_eq!(reason.as_deref(), Some("add_contended"));
        assert_eq!(crate::error::conflicts_of(&status), None);
    }
}
