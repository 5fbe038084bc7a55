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
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use tokio::sync::mpsc;
    use tonic::transport::{Channel, Server};
    use tonic_health::{
        ServingStatus,
        pb::{
            HealthCheckRequest, HealthCheckResponse,
            health_check_response::ServingStatus as Watched, health_client::HealthClient,
            health_server::HealthServer,
        },
        server::{HealthReporter, HealthService},
    };

    use super::*;
    use crate::grpc::health::DrainingHealth;

    const SERVICE: &str = "everytime.Followed";

    /// What the follower was told, in order.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Opened,
        Status(Watched),
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

    /// Sets the service's status and checks that the follower hears it.
    async fn report(
        reporter: &HealthReporter,
        seen: &mut mpsc::UnboundedReceiver<Seen>,
        status: ServingStatus,
    ) {
        reporter.set_service_status(SERVICE, status).await;
        let watched = match status {
            ServingStatus::Serving => Watched::Serving,
            ServingStatus::NotServing => Watched::NotServing,
            ServingStatus::Unknown => Watched::Unknown,
        };
        assert_eq!(next(seen).await, Seen::Status(watched), "{status:?}");
    }

    async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
        tokio::time::timeout(Duration::from_secs(5), seen.recv())
            .await
            .expect("the follower hears within 5 s")
            .expect("the follower is alive")
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
                            service: SERVICE.into(),
                        })
                        .await
                }
            },
        ));

        assert_eq!(next(&mut seen).await, Seen::Lost, "nothing to open yet");
        assert_eq!(next(&mut seen).await, Seen::Lost, "tried again");

        let reporter = HealthReporter::new();
        reporter
            .set_service_status(SERVICE, ServingStatus::Serving)
            .await;
        let draining = Arc::new(AtomicBool::new(false));
        let health = HealthServer::new(DrainingHealth {
            inner: HealthService::from_health_reporter(reporter.clone()),
            draining: draining.clone(),
        });
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("the port is still free");
        tokio::spawn(
            Server::builder()
                .add_service(health)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let opened = loop {
            match next(&mut seen).await {
                Seen::Lost => continue,
                other => break other,
            }
        };
        assert_eq!(opened, Seen::Opened, "open once the server is there");
        assert_eq!(next(&mut seen).await, Seen::Status(Watched::Serving));
        report(&reporter, &mut seen, ServingStatus::NotServing).await;

        // A draining server ends each watch after NOT_SERVING: the stream
        // ends, and it is opened again.
        draining.store(true, Ordering::SeqCst);
        report(&reporter, &mut seen, ServingStatus::Serving).await;
        report(&reporter, &mut seen, ServingStatus::NotServing).await;
        assert_eq!(next(&mut seen).await, Seen::Lost, "the stream ended");
        assert_eq!(next(&mut seen).await, Seen::Opened, "and was opened again");
        assert_eq!(next(&mut seen).await, Seen::Status(Watched::NotServing));
        draining.store(false, Ordering::SeqCst);

        // Once what is kept is dropped, the loop ends at its next wake-up.
        drop(recorder);
        reporter
            .set_service_status(SERVICE, ServingStatus::Serving)
            .await;
        tokio::time::timeout(Duration::from_secs(5), following)
            .await
            .expect("the loop ends")
            .expect("without panicking");
    }
}
