//! The gRPC face of `everytime.timetable.v1`: `CatalogService`,
//! `TimetableService` and `FriendService`.
//!
//! Each method takes the caller from the verified token, hands the message
//! to its use case ([`crate::catalog`], [`crate::timetables`],
//! [`crate::friends`]) and wraps the answer ([`grpc::unpack`],
//! [`grpc::reply`]); the use case's [`crate::error::Error`] becomes the
//! status. Nothing else happens here.

use std::sync::Arc;

use everytime_common::grpc::{self, users::Token};
use everytime_proto::timetable::v1::{
    self as pb, catalog_service_server::CatalogService,
    friend_event_service_server::FriendEventService, friend_service_server::FriendService,
    grade_service_server::GradeService, review_service_server::ReviewService,
    timetable_service_server::TimetableService,
};
use tonic::{Request, Response, Status};

use crate::{
    State, catalog, custom_entries, free_time, friend_events as events, friends, grades, reviews,
    timetables,
};

/// `everytime.timetable.v1.CatalogService`.
#[derive(Debug, Clone)]
pub struct CatalogApi(pub Arc<State>);

/// `everytime.timetable.v1.TimetableService`.
#[derive(Debug, Clone)]
pub struct TimetableApi(pub Arc<State>);

/// `everytime.timetable.v1.FriendService`.
#[derive(Debug, Clone)]
pub struct FriendApi(pub Arc<State>);

/// `everytime.timetable.v1.GradeService`.
#[derive(Debug, Clone)]
pub struct GradeApi(pub Arc<State>);

/// `everytime.timetable.v1.ReviewService`.
#[derive(Debug, Clone)]
pub struct ReviewApi(pub Arc<State>);

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn import_courses(
        &self,
        request: Request<pb::ImportCoursesRequest>,
    ) -> Result<Response<pb::ImportCoursesResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(catalog::import_courses(&self.0, &caller, request).await)
    }

    async fn search_courses(
        &self,
        request: Request<pb::SearchCoursesRequest>,
    ) -> Result<Response<pb::SearchCoursesResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(catalog::search_courses(&self.0, &caller, request).await)
    }
}

#[tonic::async_trait]
impl TimetableService for TimetableApi {
    async fn list_timetables(
        &self,
        request: Request<pb::ListTimetablesRequest>,
    ) -> Result<Response<pb::ListTimetablesResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::list_timetables(&self.0, &caller, request).await)
    }

    async fn create_timetable(
        &self,
        request: Request<pb::CreateTimetableRequest>,
    ) -> Result<Response<pb::CreateTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::create_timetable(&self.0, &caller, request).await)
    }

    async fn get_timetable(
        &self,
        request: Request<pb::GetTimetableRequest>,
    ) -> Result<Response<pb::GetTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::get_timetable(&self.0, &caller, request).await)
    }

    async fn update_timetable(
        &self,
        request: Request<pb::UpdateTimetableRequest>,
    ) -> Result<Response<pb::UpdateTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::update_timetable(&self.0, &caller, request).await)
    }

    async fn delete_timetable(
        &self,
        request: Request<pb::DeleteTimetableRequest>,
    ) -> Result<Response<pb::DeleteTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::delete_timetable(&self.0, &caller, request).await)
    }

    async fn add_course(
        &self,
        request: Request<pb::AddCourseRequest>,
    ) -> Result<Response<pb::AddCourseResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::add_course(&self.0, &caller, request).await)
    }

    async fn remove_course(
        &self,
        request: Request<pb::RemoveCourseRequest>,
    ) -> Result<Response<pb::RemoveCourseResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::remove_course(&self.0, &caller, request).await)
    }

    async fn add_custom_entry(
        &self,
        request: Request<pb::AddCustomEntryRequest>,
    ) -> Result<Response<pb::AddCustomEntryResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(custom_entries::add_custom_entry(&self.0, &caller, request).await)
    }

    async fn remove_custom_entry(
        &self,
        request: Request<pb::RemoveCustomEntryRequest>,
    ) -> Result<Response<pb::RemoveCustomEntryResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(custom_entries::remove_custom_entry(&self.0, &caller, request).await)
    }

    async fn copy_timetable(
        &self,
        request: Request<pb::CopyTimetableRequest>,
    ) -> Result<Response<pb::CopyTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::copy_timetable(&self.0, &caller, request).await)
    }

    async fn render_timetable(
        &self,
        request: Request<pb::RenderTimetableRequest>,
    ) -> Result<Response<pb::RenderTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::render_timetable(&self.0, &caller, request).await)
    }

    async fn get_primary_timetable(
        &self,
        request: Request<pb::GetPrimaryTimetableRequest>,
    ) -> Result<Response<pb::GetPrimaryTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::get_primary_timetable(&self.0, &caller, request).await)
    }

    async fn get_friend_timetable(
        &self,
        request: Request<pb::GetFriendTimetableRequest>,
    ) -> Result<Response<pb::GetFriendTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::get_friend_timetable(&self.0, &caller, request).await)
    }

    async fn get_my_timetable(
        &self,
        request: Request<pb::GetMyTimetableRequest>,
    ) -> Result<Response<pb::GetMyTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(timetables::get_my_timetable(&self.0, &caller, request).await)
    }
}

#[tonic::async_trait]
impl FriendService for FriendApi {
    async fn send_friend_request(
        &self,
        request: Request<pb::SendFriendRequestRequest>,
    ) -> Result<Response<pb::SendFriendRequestResponse>, Status> {
        let token = Token::of(request.metadata());
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::send_friend_request(&self.0, &caller, &token, request).await)
    }

    async fn list_friend_requests(
        &self,
        request: Request<pb::ListFriendRequestsRequest>,
    ) -> Result<Response<pb::ListFriendRequestsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::list_friend_requests(&self.0, &caller, request).await)
    }

    async fn accept_friend_request(
        &self,
        request: Request<pb::AcceptFriendRequestRequest>,
    ) -> Result<Response<pb::AcceptFriendRequestResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::accept_friend_request(&self.0, &caller, request).await)
    }

    async fn delete_friend_request(
        &self,
        request: Request<pb::DeleteFriendRequestRequest>,
    ) -> Result<Response<pb::DeleteFriendRequestResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::delete_friend_request(&self.0, &caller, request).await)
    }

    async fn list_friends(
        &self,
        request: Request<pb::ListFriendsRequest>,
    ) -> Result<Response<pb::ListFriendsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::list_friends(&self.0, &caller, request).await)
    }

    async fn remove_friend(
        &self,
        request: Request<pb::RemoveFriendRequest>,
    ) -> Result<Response<pb::RemoveFriendResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(friends::remove_friend(&self.0, &caller, request).await)
    }

    async fn find_free_time(
        &self,
        request: Request<pb::FindFreeTimeRequest>,
    ) -> Result<Response<pb::FindFreeTimeResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(free_time::find_free_time(&self.0, &caller, request).await)
    }
}

#[tonic::async_trait]
impl GradeService for GradeApi {
    async fn get_grades(
        &self,
        request: Request<pb::GetGradesRequest>,
    ) -> Result<Response<pb::GetGradesResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(grades::get_grades(&self.0, &caller, request).await)
    }

    async fn put_grade_semester(
        &self,
        request: Request<pb::PutGradeSemesterRequest>,
    ) -> Result<Response<pb::PutGradeSemesterResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(grades::put_grade_semester(&self.0, &caller, request).await)
    }

    async fn set_target_credits(
        &self,
        request: Request<pb::SetTargetCreditsRequest>,
    ) -> Result<Response<pb::SetTargetCreditsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(grades::set_target_credits(&self.0, &caller, request).await)
    }

    async fn fill_grades_from_timetable(
        &self,
        request: Request<pb::FillGradesFromTimetableRequest>,
    ) -> Result<Response<pb::FillGradesFromTimetableResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(grades::fill_grades_from_timetable(&self.0, &caller, request).await)
    }
}

#[tonic::async_trait]
impl ReviewService for ReviewApi {
    async fn create_review(
        &self,
        request: Request<pb::CreateReviewRequest>,
    ) -> Result<Response<pb::CreateReviewResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reviews::create_review(&self.0, &caller, request).await)
    }

    async fn list_course_reviews(
        &self,
        request: Request<pb::ListCourseReviewsRequest>,
    ) -> Result<Response<pb::ListCourseReviewsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reviews::list_course_reviews(&self.0, &caller, request).await)
    }

    async fn delete_review(
        &self,
        request: Request<pb::DeleteReviewRequest>,
    ) -> Result<Response<pb::DeleteReviewResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reviews::delete_review(&self.0, &caller, request).await)
    }

    async fn like_review(
        &self,
        request: Request<pb::LikeReviewRequest>,
    ) -> Result<Response<pb::LikeReviewResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reviews::like_review(&self.0, &caller, request).await)
    }

    async fn list_my_reviews(
        &self,
        request: Request<pb::ListMyReviewsRequest>,
    ) -> Result<Response<pb::ListMyReviewsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reviews::list_my_reviews(&self.0, &caller, request).await)
    }
}

/// `everytime.timetable.v1.FriendEventService`: the outbox of friend
/// requests, for the services that follow it (no user token).
#[derive(Debug, Clone)]
pub struct FriendEventApi(pub Arc<State>);

#[tonic::async_trait]
impl FriendEventService for FriendEventApi {
    type WatchFriendEventsStream = events::FriendEventStream;

    async fn watch_friend_events(
        &self,
        request: Request<pb::WatchFriendEventsRequest>,
    ) -> Result<Response<Self::WatchFriendEventsStream>, Status> {
        Ok(Response::new(events::watch(
            &self.0.pool,
            &self.0.events,
            request.into_inner(),
        )))
    }

    async fn acknowledge_friend_events(
        &self,
        request: Request<pb::AcknowledgeFriendEventsRequest>,
    ) -> Result<Response<pb::AcknowledgeFriendEventsResponse>, Status> {
        grpc::reply(events::acknowledge(&self.0.pool, request.into_inner()).await)
    }
}
