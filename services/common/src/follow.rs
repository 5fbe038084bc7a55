//! Following a long-lived server stream that keeps something in memory up
//! to date: the ended sessions every token verifier holds
//! ([`crate::token::revoked`]) and the gateway's cache of write
//! restrictions. Both open a stream, hand each message to what they keep,
//! and reopen it with back-off when it cannot open, ends or breaks, for as
//! long as what they keep is alive.
//!
//! What is kept says what it does on each of those ([`Follower`]);
//! [`follow`] is the loop. It holds what is kept only through a [`Weak`],
//! so dropping the last [`Arc`] ends the loop at its next wake-up.

use std::{future::Future, sync::Weak, time::Duration};

use tonic::{Response, Status, Streaming};

/// The first wait before reopening a stream; it doubles on each failure
/// in a row, up to the follower's maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// What a followed stream keeps up to date.
pub trait Follower: Send + Sync + 'static {
    /// A message of the stream.
    type Message: Send + 'static;

    /// The stream is open (its response came; messages may follow).
    fn opened(&self) {}

    /// A message came.
    fn received(&self, message: Self::Message);

    /// The stream could not open, ended or broke: nothing will be heard
    /// until it is open again.
    fn lost(&self);
}

/// Follows the stream `open` opens for `follower` until `follower` is
/// dropped: each message goes to [`Follower::received`], and after every
/// failure to open and every end or break [`Follower::lost`] is called and
/// the stream is reopened after a back-off (50 ms doubling to
/// `max_backoff`, back to 50 ms once a stream opens). `open` is given the
/// follower, so a request may say where to resume.
///
/// A stream that breaks is logged each time; failing to open is logged
/// once an outage, as `cannot follow {what}`.
pub async fn follow<F, Open, Opening>(
    follower: Weak<F>,
    what: &'static str,
    max_backoff: Duration,
    mut open: Open,
) where
    F: Follower,
    Open: FnMut(&F) -> Opening,
    Opening: Future<Output = Result<Response<Streaming<F::Message>>, Status>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut warned = false;
    loop {
        let opening = match follower.upgrade() {
            Some(follower) => open(&follower),
            None => return,
        };
        match opening.await {
            Ok(response) => {
                match follower.upgrade() {
                    Some(follower) => follower.opened(),
                    None => return,
                }
                backoff = FIRST_BACKOFF;
                warned = false;
                let mut stream = response.into_inner();
                loop {
                    let message = stream.message().await;
                    let Some(follower) = follower.upgrade() else {
                        return;
                    };
                    match message {
                        Ok(Some(message)) => follower.received(message),
                        Ok(None) => break,
                        Err(status) => {
                            tracing::warn!(%status, "the stream of {what} broke");
                            break;
                        }
                    }
                }
            }
            Err(status) if !warned => {
                tracing::warn!(%status, "cannot follow {what}");
                warned = true;
            }
            Err(_) => {}
        }
        match follower.upgrade() {
            Some(follower) => follower.lost(),
            None => return,
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(max_backoff);
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::VecDeque,
        pin::Pin,
        sync::{Arc, Mutex},
    };

    use tokio::sync::mpsc;
    use tokio_stream::{Stream, wrappers::UnboundedReceiverStream};
    use tonic::{
        Request,
        transport::{Channel, Server},
    };
    use tonic_health::pb::{
        HealthCheckRequest, HealthCheckResponse,
        health_check_response::ServingStatus,
        health_client::HealthClient,
        health_server::{Health, HealthServer},
    };

    use super::*;

    type Statuses = mpsc::UnboundedSender<Result<HealthCheckResponse, Status>>;

    /// What one `Watch` answers, as the test writes it.
    type Watched = UnboundedReceiverStream<Result<HealthCheckResponse, Status>>;

    /// A health service whose `Watch` streams the test writes: each call
    /// takes the next one set up, or is refused when there is none.
    #[derive(Default, Clone)]
    struct Scripted(Arc<Mutex<VecDeque<Watched>>>);

    impl Scripted {
        /// The next stream a `Watch` gets, written through the sender.
        fn next_stream(&self) -> Statuses {
            let (sender, receiver) = mpsc::unbounded_channel();
            self.0
                .lock()
                .expect("not poisoned")
                .push_back(UnboundedReceiverStream::new(receiver));
            sender
        }
    }

    #[tonic::async_trait]
    impl Health for Scripted {
        async fn check(
            &self,
            _: Request<HealthCheckRequest>,
        ) -> Result<Response<HealthCheckResponse>, Status> {
            Err(Status::unimplemented("only watched"))
        }

        type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

        async fn watch(
            &self,
            _: Request<HealthCheckRequest>,
        ) -> Result<Response<Self::WatchStream>, Status> {
            let next = self.0.lock().expect("not poisoned").pop_front();
            match next {
                Some(stream) => Ok(Response::new(Box::pin(stream))),
                None => Err(Status::unavailable("no stream set up")),
            }
        }
    }

    /// What the follower was told, in order.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Opened,
        Status(ServingStatus),
        Lost,
    }

    struct Recorder(mpsc::UnboundedSender<Seen>);

    impl Follower for Recorder {
        type Message = HealthCheckResponse;

        fn opened(&self) {
            let _ = self.0.send(Seen::Opened);
        }

        fn received(&self, message: HealthCheckResponse) {
            let _ = self.0.send(Seen::Status(message.status()));
        }

        fn lost(&self) {
            let _ = self.0.send(Seen::Lost);
        }
    }

    async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
        tokio::time::timeout(Duration::from_secs(5), seen.recv())
            .await
            .expect("the follower hears within 5 s")
            .expect("the follower is alive")
    }

    /// Sends `status` on `stream` and checks that the follower hears it.
    async fn report(
        stream: &Statuses,
        seen: &mut mpsc::UnboundedReceiver<Seen>,
        status: ServingStatus,
    ) {
        stream
            .send(Ok(HealthCheckResponse {
                status: status.into(),
            }))
            .expect("the stream is open");
        assert_eq!(next(seen).await, Seen::Status(status));
    }

    #[tokio::test]
    async fn it_reopens_after_a_failed_open_and_after_an_end_until_dropped() {
        // An address where nothing listens yet.
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port");
        let client = HealthClient::new(
            Channel::from_shared(format!("http://{address}"))
                .expect("a URI")
                .connect_lazy(),
        );
        let (tell, mut seen) = mpsc::unbounded_channel();
        let recorder = Arc::new(Recorder(tell));
        let following = tokio::spawn(follow(
            Arc::downgrade(&recorder),
            "health",
            Duration::from_millis(100),
            move |_: &Recorder| {
                let mut client = client.clone();
                async move {
                    client
                        .watch(HealthCheckRequest {
                            service: String::new(),
                        })
                        .await
                }
            },
        ));

        assert_eq!(next(&mut seen).await, Seen::Lost, "nothing to open yet");
        assert_eq!(next(&mut seen).await, Seen::Lost, "tried again");

        let health = Scripted::default();
        let first = health.next_stream();
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("the port is still free");
        tokio::spawn(
            Server::builder()
                .add_service(HealthServer::new(health.clone()))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let opened = loop {
            match next(&mut seen).await {
                Seen::Lost => continue,
                other => break other,
            }
        };
        assert_eq!(opened, Seen::Opened, "open once the server is there");
        report(&first, &mut seen, ServingStatus::Serving).await;
        report(&first, &mut seen, ServingStatus::NotServing).await;

        // The stream ends: it is opened again.
        let second = health.next_stream();
        drop(first);
        assert_eq!(next(&mut seen).await, Seen::Lost, "the stream ended");
        assert_eq!(next(&mut seen).await, Seen::Opened, "and was opened again");
        report(&second, &mut seen, ServingStatus::Serving).await;

        // Once what is kept is dropped, the loop ends at its next wake-up.
        drop(recorder);
        let _ = second.send(Ok(HealthCheckResponse::default()));
        tokio::time::timeout(Duration::from_secs(5), following)
            .await
            .expect("the loop ends")
            .expect("without panicking");
    }
}
