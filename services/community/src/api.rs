//! The tonic trait impl of `everytime.community.v1.CommunityService`, and
//! nothing else: each RPC takes the caller from the verified token, hands
//! the message to its use case ([`crate::boards`], [`crate::posts`],
//! [`crate::comments`], [`crate::reactions`], [`crate::feeds`]) and wraps the
//! answer ([`grpc::unpack`], [`grpc::reply`]); the use case's
//! [`Error`](crate::error::Error) becomes the status.

use std::sync::Arc;

use everytime_common::grpc::{self, users::Token};
use everytime_proto::community::v1::{
    self as pb, community_service_server::CommunityService, message_service_server::MessageService,
    notification_service_server::NotificationService,
};
use tonic::{Request, Response, Status};

use crate::{State, boards, comments, feeds, messages, notifications, posts, reactions, reports};

/// `everytime.community.v1.CommunityService`.
#[derive(Debug, Clone)]
pub struct CommunityApi(pub Arc<State>);

#[tonic::async_trait]
impl CommunityService for CommunityApi {
    async fn list_boards(
        &self,
        request: Request<pb::ListBoardsRequest>,
    ) -> Result<Response<pb::ListBoardsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(boards::list(&self.0, &caller, request).await)
    }

    async fn create_board(
        &self,
        request: Request<pb::CreateBoardRequest>,
    ) -> Result<Response<pb::CreateBoardResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(boards::create(&self.0, &caller, request).await)
    }

    async fn list_board_posts(
        &self,
        request: Request<pb::ListBoardPostsRequest>,
    ) -> Result<Response<pb::ListBoardPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::board_posts(&self.0, &caller, request).await)
    }

    async fn create_post(
        &self,
        request: Request<pb::CreatePostRequest>,
    ) -> Result<Response<pb::CreatePostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(posts::create(&self.0, &caller, request).await)
    }

    async fn get_post(
        &self,
        request: Request<pb::GetPostRequest>,
    ) -> Result<Response<pb::GetPostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(posts::get(&self.0, &caller, request).await)
    }

    async fn update_post(
        &self,
        request: Request<pb::UpdatePostRequest>,
    ) -> Result<Response<pb::UpdatePostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(posts::update(&self.0, &caller, request).await)
    }

    async fn delete_post(
        &self,
        request: Request<pb::DeletePostRequest>,
    ) -> Result<Response<pb::DeletePostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(posts::delete(&self.0, &caller, request).await)
    }

    async fn create_comment(
        &self,
        request: Request<pb::CreateCommentRequest>,
    ) -> Result<Response<pb::CreateCommentResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(comments::create(&self.0, &caller, request).await)
    }

    async fn delete_comment(
        &self,
        request: Request<pb::DeleteCommentRequest>,
    ) -> Result<Response<pb::DeleteCommentResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(comments::delete(&self.0, &caller, request).await)
    }

    async fn like_post(
        &self,
        request: Request<pb::LikePostRequest>,
    ) -> Result<Response<pb::LikePostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reactions::like_post(&self.0, &caller, request).await)
    }

    async fn like_comment(
        &self,
        request: Request<pb::LikeCommentRequest>,
    ) -> Result<Response<pb::LikeCommentResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reactions::like_comment(&self.0, &caller, request).await)
    }

    async fn scrap_post(
        &self,
        request: Request<pb::ScrapPostRequest>,
    ) -> Result<Response<pb::ScrapPostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reactions::scrap(&self.0, &caller, request).await)
    }

    async fn unscrap_post(
        &self,
        request: Request<pb::UnscrapPostRequest>,
    ) -> Result<Response<pb::UnscrapPostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reactions::unscrap(&self.0, &caller, request).await)
    }

    async fn list_hot_posts(
        &self,
        request: Request<pb::ListHotPostsRequest>,
    ) -> Result<Response<pb::ListHotPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::hot(&self.0, &caller, request).await)
    }

    async fn list_best_posts(
        &self,
        request: Request<pb::ListBestPostsRequest>,
    ) -> Result<Response<pb::ListBestPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::best(&self.0, &caller, request).await)
    }

    async fn search_posts(
        &self,
        request: Request<pb::SearchPostsRequest>,
    ) -> Result<Response<pb::SearchPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::search(&self.0, &caller, request).await)
    }

    async fn list_my_posts(
        &self,
        request: Request<pb::ListMyPostsRequest>,
    ) -> Result<Response<pb::ListMyPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::my_posts(&self.0, &caller, request).await)
    }

    async fn list_my_commented_posts(
        &self,
        request: Request<pb::ListMyCommentedPostsRequest>,
    ) -> Result<Response<pb::ListMyCommentedPostsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::my_commented_posts(&self.0, &caller, request).await)
    }

    async fn list_my_scraps(
        &self,
        request: Request<pb::ListMyScrapsRequest>,
    ) -> Result<Response<pb::ListMyScrapsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(feeds::my_scraps(&self.0, &caller, request).await)
    }

    async fn report_post(
        &self,
        request: Request<pb::ReportPostRequest>,
    ) -> Result<Response<pb::ReportPostResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reports::report_post(&self.0, &caller, request).await)
    }

    async fn report_comment(
        &self,
        request: Request<pb::ReportCommentRequest>,
    ) -> Result<Response<pb::ReportCommentResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reports::report_comment(&self.0, &caller, request).await)
    }

    async fn list_reports(
        &self,
        request: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reports::list_reports(&self.0, &caller, request).await)
    }

    async fn restore_reported(
        &self,
        request: Request<pb::RestoreReportedRequest>,
    ) -> Result<Response<pb::RestoreReportedResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reports::restore(&self.0, &caller, request).await)
    }

    async fn get_write_restriction(
        &self,
        request: Request<pb::GetWriteRestrictionRequest>,
    ) -> Result<Response<pb::GetWriteRestrictionResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(reports::get_write_restriction(&self.0, &caller, request).await)
    }

    type WatchWriteRestrictionChangesStream = reports::RestrictionChanges;

    async fn watch_write_restriction_changes(
        &self,
        _request: Request<pb::WatchWriteRestrictionChangesRequest>,
    ) -> Result<Response<Self::WatchWriteRestrictionChangesStream>, Status> {
        Ok(Response::new(reports::watch_changes(&self.0)))
    }
}

/// `everytime.community.v1.MessageService`.
#[derive(Debug, Clone)]
pub struct MessageApi(pub Arc<State>);

#[tonic::async_trait]
impl MessageService for MessageApi {
    async fn start_conversation(
        &self,
        request: Request<pb::StartConversationRequest>,
    ) -> Result<Response<pb::StartConversationResponse>, Status> {
        let token = Token::of(request.metadata());
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::start(&self.0, &caller, &token, request).await)
    }

    async fn list_conversations(
        &self,
        request: Request<pb::ListConversationsRequest>,
    ) -> Result<Response<pb::ListConversationsResponse>, Status> {
        let token = Token::of(request.metadata());
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::list(&self.0, &caller, &token, request).await)
    }

    async fn list_messages(
        &self,
        request: Request<pb::ListMessagesRequest>,
    ) -> Result<Response<pb::ListMessagesResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::messages(&self.0, &caller, request).await)
    }

    async fn send_message(
        &self,
        request: Request<pb::SendMessageRequest>,
    ) -> Result<Response<pb::SendMessageResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::send(&self.0, &caller, request).await)
    }

    async fn delete_conversation(
        &self,
        request: Request<pb::DeleteConversationRequest>,
    ) -> Result<Response<pb::DeleteConversationResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::delete(&self.0, &caller, request).await)
    }

    async fn block_conversation(
        &self,
        request: Request<pb::BlockConversationRequest>,
    ) -> Result<Response<pb::BlockConversationResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::block(&self.0, &caller, request).await)
    }

    async fn get_unread_message_count(
        &self,
        request: Request<pb::GetUnreadMessageCountRequest>,
    ) -> Result<Response<pb::GetUnreadMessageCountResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(messages::unread_count(&self.0, &caller, request).await)
    }
}

/// `everytime.community.v1.NotificationService`.
#[derive(Debug, Clone)]
pub struct NotificationApi(pub Arc<State>);

#[tonic::async_trait]
impl NotificationService for NotificationApi {
    async fn list_notifications(
        &self,
        request: Request<pb::ListNotificationsRequest>,
    ) -> Result<Response<pb::ListNotificationsResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(notifications::list(&self.0, &caller, request).await)
    }

    async fn get_unread_notification_count(
        &self,
        request: Request<pb::GetUnreadNotificationCountRequest>,
    ) -> Result<Response<pb::GetUnreadNotificationCountResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(notifications::unread_count(&self.0, &caller, request).await)
    }

    async fn mark_notifications_read(
        &self,
        request: Request<pb::MarkNotificationsReadRequest>,
    ) -> Result<Response<pb::MarkNotificationsReadResponse>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(notifications::mark_read(&self.0, &caller, request).await)
    }

    type WatchNotificationsStream = notifications::NotificationStream;

    async fn watch_notifications(
        &self,
        request: Request<pb::WatchNotificationsRequest>,
    ) -> Result<Response<Self::WatchNotificationsStream>, Status> {
        let (caller, request) = grpc::unpack(request)?;
        grpc::reply(notifications::watch(&self.0, &caller, request).await)
    }
}
