//! The gRPC handlers of `everytime.community.v1`.

use std::sync::Arc;

use everytime_proto::community::v1::{self as pb, community_service_server::CommunityService};
use tonic::{Request, Response, Status};

use crate::State;

/// `everytime.community.v1.CommunityService`.
#[derive(Debug, Clone)]
pub struct CommunityApi(pub Arc<State>);

#[tonic::async_trait]
impl CommunityService for CommunityApi {
    async fn list_boards(&self, _request: Request<pb::ListBoardsRequest>) -> Result<Response<pb::ListBoardsResponse>, Status> {
        Err(Status::unimplemented("ListBoards"))
    }

    async fn create_board(&self, _request: Request<pb::CreateBoardRequest>) -> Result<Response<pb::CreateBoardResponse>, Status> {
        Err(Status::unimplemented("CreateBoard"))
    }

    async fn list_board_posts(&self, _request: Request<pb::ListBoardPostsRequest>) -> Result<Response<pb::ListBoardPostsResponse>, Status> {
        Err(Status::unimplemented("ListBoardPosts"))
    }

    async fn create_post(&self, _request: Request<pb::CreatePostRequest>) -> Result<Response<pb::CreatePostResponse>, Status> {
        Err(Status::unimplemented("CreatePost"))
    }

    async fn get_post(&self, _request: Request<pb::GetPostRequest>) -> Result<Response<pb::GetPostResponse>, Status> {
        Err(Status::unimplemented("GetPost"))
    }

    async fn update_post(&self, _request: Request<pb::UpdatePostRequest>) -> Result<Response<pb::UpdatePostResponse>, Status> {
        Err(Status::unimplemented("UpdatePost"))
    }

    async fn delete_post(&self, _request: Request<pb::DeletePostRequest>) -> Result<Response<pb::DeletePostResponse>, Status> {
        Err(Status::unimplemented("DeletePost"))
    }

    async fn create_comment(&self, _request: Request<pb::CreateCommentRequest>) -> Result<Response<pb::CreateCommentResponse>, Status> {
        Err(Status::unimplemented("CreateComment"))
    }

    async fn delete_comment(&self, _request: Request<pb::DeleteCommentRequest>) -> Result<Response<pb::DeleteCommentResponse>, Status> {
        Err(Status::unimplemented("DeleteComment"))
    }

    async fn like_post(&self, _request: Request<pb::LikePostRequest>) -> Result<Response<pb::LikePostResponse>, Status> {
        Err(Status::unimplemented("LikePost"))
    }

    async fn like_comment(&self, _request: Request<pb::LikeCommentRequest>) -> Result<Response<pb::LikeCommentResponse>, Status> {
        Err(Status::unimplemented("LikeComment"))
    }

    async fn scrap_post(&self, _request: Request<pb::ScrapPostRequest>) -> Result<Response<pb::ScrapPostResponse>, Status> {
        Err(Status::unimplemented("ScrapPost"))
    }

    async fn unscrap_post(&self, _request: Request<pb::UnscrapPostRequest>) -> Result<Response<pb::UnscrapPostResponse>, Status> {
        Err(Status::unimplemented("UnscrapPost"))
    }

    async fn list_hot_posts(&self, _request: Request<pb::ListHotPostsRequest>) -> Result<Response<pb::ListHotPostsResponse>, Status> {
        Err(Status::unimplemented("ListHotPosts"))
    }

    async fn list_best_posts(&self, _request: Request<pb::ListBestPostsRequest>) -> Result<Response<pb::ListBestPostsResponse>, Status> {
        Err(Status::unimplemented("ListBestPosts"))
    }

    async fn search_posts(&self, _request: Request<pb::SearchPostsRequest>) -> Result<Response<pb::SearchPostsResponse>, Status> {
        Err(Status::unimplemented("SearchPosts"))
    }

    async fn list_my_posts(&self, _request: Request<pb::ListMyPostsRequest>) -> Result<Response<pb::ListMyPostsResponse>, Status> {
        Err(Status::unimplemented("ListMyPosts"))
    }

    async fn list_my_commented_posts(&self, _request: Request<pb::ListMyCommentedPostsRequest>) -> Result<Response<pb::ListMyCommentedPostsResponse>, Status> {
        Err(Status::unimplemented("ListMyCommentedPosts"))
    }

    async fn list_my_scraps(&self, _request: Request<pb::ListMyScrapsRequest>) -> Result<Response<pb::ListMyScrapsResponse>, Status> {
        Err(Status::unimplemented("ListMyScraps"))
    }

}
