//! `grpc.health.v1` that lets a drain finish: tonic's health service,
//! except that once the server is draining, each `Watch` stream ends right
//! after it has told the watcher `NOT_SERVING` (an open watch would
//! otherwise hold the drain forever).

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use tokio_stream::Stream;
use tonic::{Request, Status};
use tonic_health::{
    pb::{HealthCheckRequest, HealthCheckResponse, health_server::Health},
    server::HealthService,
};

/// The `grpc.health.v1` service of [`serve`]: tonic's, except that once the
/// server is draining a `Watch` stream ends right after it has told the
/// watcher `NOT_SERVING`.
pub(super) struct DrainingHealth {
    pub(super) inner: HealthService,
    pub(super) draining: Arc<AtomicBool>,
}

#[tonic::async_trait]
impl Health for DrainingHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckResponse>, Status> {
        self.inner.check(request).await
    }

    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<Self::WatchStream>, Status> {
        let statuses = self.inner.watch(request).await?.into_inner();
        Ok(tonic::Response::new(Box::pin(UntilDrained {
            statuses: Box::pin(statuses),
            draining: self.draining.clone(),
            done: false,
        })))
    }
}

/// Health statuses until the server drains and one of them says
/// `NOT_SERVING`.
struct UntilDrained {
    statuses: Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>,
    draining: Arc<AtomicBool>,
    done: bool,
}

impl Stream for UntilDrained {
    type Item = Result<HealthCheckResponse, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let polled = self.statuses.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Ok(response))) = &polled
            && response.status()
                == tonic_health::pb::health_check_response::ServingStatus::NotServing
            && self.draining.load(Ordering::SeqCst)
        {
            self.done = true;
        }
        polled
    }
}
