//! The gRPC handlers of `everytime.timetable.v1`.

use std::sync::Arc;

use everytime_proto::timetable::v1::{self as pb, catalog_service_server::CatalogService, timetable_service_server::TimetableService, friend_service_server::FriendService};
use tonic::{Request, Response, Status};

use crate::State;

/// `everytime.timetable.v1.CatalogService`.
#[derive(Debug, Clone)]
pub struct CatalogApi(pub Arc<State>);

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn import_courses(&self, _request: Request<pb::ImportCoursesRequest>) -> Result<Response<pb::ImportCoursesResponse>, Status> {
        Err(Status::unimplemented("ImportCourses"))
    }

    async fn search_courses(&self, _request: Request<pb::SearchCoursesRequest>) -> Result<Response<pb::SearchCoursesResponse>, Status> {
        Err(Status::unimplemented("SearchCourses"))
    }

}

/// `everytime.timetable.v1.TimetableService`.
#[derive(Debug, Clone)]
pub struct TimetableApi(pub Arc<State>);

#[tonic::async_trait]
impl TimetableService for TimetableApi {
    async fn list_timetables(&self, _request: Request<pb::ListTimetablesRequest>) -> Result<Response<pb::ListTimetablesResponse>, Status> {
        Err(Status::unimplemented("ListTimetables"))
    }

    async fn create_timetable(&self, _request: Request<pb::CreateTimetableRequest>) -> Result<Response<pb::CreateTimetableResponse>, Status> {
        Err(Status::unimplemented("CreateTimetable"))
    }

    async fn get_timetable(&self, _request: Request<pb::GetTimetableRequest>) -> Result<Response<pb::GetTimetableResponse>, Status> {
        Err(Status::unimplemented("GetTimetable"))
    }

    async fn update_timetable(&self, _request: Request<pb::UpdateTimetableRequest>) -> Result<Response<pb::UpdateTimetableResponse>, Status> {
        Err(Status::unimplemented("UpdateTimetable"))
    }

    async fn delete_timetable(&self, _request: Request<pb::DeleteTimetableRequest>) -> Result<Response<pb::DeleteTimetableResponse>, Status> {
        Err(Status::unimplemented("DeleteTimetable"))
    }

    async fn add_course(&self, _request: Request<pb::AddCourseRequest>) -> Result<Response<pb::AddCourseResponse>, Status> {
        Err(Status::unimplemented("AddCourse"))
    }

    async fn remove_course(&self, _request: Request<pb::RemoveCourseRequest>) -> Result<Response<pb::RemoveCourseResponse>, Status> {
        Err(Status::unimplemented("RemoveCourse"))
    }

    async fn render_timetable(&self, _request: Request<pb::RenderTimetableRequest>) -> Result<Response<pb::RenderTimetableResponse>, Status> {
        Err(Status::unimplemented("RenderTimetable"))
    }

    async fn get_primary_timetable(&self, _request: Request<pb::GetPrimaryTimetableRequest>) -> Result<Response<pb::GetPrimaryTimetableResponse>, Status> {
        Err(Status::unimplemented("GetPrimaryTimetable"))
    }

    async fn get_friend_timetable(&self, _request: Request<pb::GetFriendTimetableRequest>) -> Result<Response<pb::GetFriendTimetableResponse>, Status> {
        Err(Status::unimplemented("GetFriendTimetable"))
    }

}

/// `everytime.timetable.v1.FriendService`.
#[derive(Debug, Clone)]
pub struct FriendApi(pub Arc<State>);

#[tonic::async_trait]
impl FriendService for FriendApi {
    async fn send_friend_request(&self, _request: Request<pb::SendFriendRequestRequest>) -> Result<Response<pb::SendFriendRequestResponse>, Status> {
        Err(Status::unimplemented("SendFriendRequest"))
    }

    async fn list_friend_requests(&self, _request: Request<pb::ListFriendRequestsRequest>) -> Result<Response<pb::ListFriendRequestsResponse>, Status> {
        Err(Status::unimplemented("ListFriendRequests"))
    }

    async fn accept_friend_request(&self, _request: Request<pb::AcceptFriendRequestRequest>) -> Result<Response<pb::AcceptFriendRequestResponse>, Status> {
        Err(Status::unimplemented("AcceptFriendRequest"))
    }

    async fn delete_friend_request(&self, _request: Request<pb::DeleteFriendRequestRequest>) -> Result<Response<pb::DeleteFriendRequestResponse>, Status> {
        Err(Status::unimplemented("DeleteFriendRequest"))
    }

    async fn list_friends(&self, _request: Request<pb::ListFriendsRequest>) -> Result<Response<pb::ListFriendsResponse>, Status> {
        Err(Status::unimplemented("ListFriends"))
    }

    async fn remove_friend(&self, _request: Request<pb::RemoveFriendRequest>) -> Result<Response<pb::RemoveFriendResponse>, Status> {
        Err(Status::unimplemented("RemoveFriend"))
    }

}
