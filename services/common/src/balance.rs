//! Client-side load balancing over DNS, for `dns:///host:port` targets.
//!
//! On Kubernetes our Services are headless: the name resolves to every ready
//! pod. A plain channel is one long-lived HTTP/2 connection, so a client
//! would send everything to the one pod it reached first, and replicas
//! added later would get nothing. A balanced channel instead resolves
//! `host:port` now and every [`REFRESH_INTERVAL`], keeps one lazily
//! connecting endpoint per address, and spreads calls across them with
//! tonic's power-of-two-choices balancer ([`Channel::balance_channel`]). It
//! is still a [`Channel`], so every generated `XxxClient<Channel>` takes it.
//!
//! tonic's balancer alone breaks two of our guarantees (a deadline on every
//! call, a quick `UNAVAILABLE` for a backend that is down), so the refresher
//! that feeds it adds two rules:
//!
//! - **The set is never empty.** With no endpoint the balancer waits forever
//!   for one to become ready, and the per-call deadline, which lives inside
//!   each endpoint, never starts. So a lookup that fails or answers nothing
//!   keeps the last known addresses, and until a lookup has ever answered
//!   the set holds one placeholder endpoint, `127.0.0.1:0`, which refuses
//!   at once (no socket can listen on port 0): calls fail fast with
//!   `UNAVAILABLE`.
//! - **Balance over the addresses that accept connections.** A lazy endpoint
//!   that cannot connect still counts as ready (it fails the call instead),
//!   so the balancer would keep sending a stopped pod its share of calls
//!   for as long as DNS lists it. Each refresh therefore tries a TCP
//!   connection to every address and balances over those that accept; when
//!   none does it keeps them all, so calls fail fast and each endpoint
//!   reconnects by itself once its backend is back.
//!
//! The refresher is a background task that ends when the last clone of the
//! channel is dropped (the balancer, and with it the receiving end of the
//! refresher's updates, goes away).

use std::{
    collections::HashSet,
    future::Future,
    io,
    net::{Ipv4Addr, SocketAddr},
    time::Duration,
};

use tokio::sync::mpsc::Sender;
use tonic::transport::{Channel, Endpoint, channel::Change};

/// The prefix of a balanced target, as in gRPC's name syntax:
/// `dns:///host:port`.
pub const DNS_SCHEME: &str = "dns:///";

/// How often a balanced channel resolves its target again (and checks which
/// addresses accept connections).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// How long a client tries to open a connection before the call fails with
/// `UNAVAILABLE`: every channel's endpoints ([`crate::grpc::channel()`]), and
/// the probes that decide which addresses accept connections.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The endpoint a balanced channel holds until a lookup has ever answered:
/// port 0, which no socket can listen on, so connecting fails at once.
const PLACEHOLDER: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Room for address changes not yet picked up by the balancer, which reads
/// them when the next call comes.
const PENDING_CHANGES: usize = 64;

/// A channel balanced over the addresses `target` (`host:port`) resolves
/// to with the system resolver, looked up now and every
/// [`REFRESH_INTERVAL`]; `endpoint` turns an address into the endpoint for
/// it (its connect timeout, deadline and keep-alive).
pub fn dns(
    target: &str,
    endpoint: impl Fn(SocketAddr) -> Result<Endpoint, tonic::transport::Error> + Send + 'static,
) -> Result<Channel, tonic::transport::Error> {
    let name = target.to_owned();
    let resolve = move || {
        let name = name.clone();
        async move { Ok(tokio::net::lookup_host(name).await?.collect()) }
    };
    balanced(target, endpoint, resolve, REFRESH_INTERVAL)
}

/// A channel balanced over the addresses `resolve` returns, asked now and
/// every `refresh_every` ([`dns`] with a resolver of your own, for tests).
///
/// `target` (`host:port`) is the `:authority` of every call and names the
/// backend in logs. Needs a Tokio runtime: the refresher is a task.
pub fn balanced<R, F>(
    target: &str,
    endpoint: impl Fn(SocketAddr) -> Result<Endpoint, tonic::transport::Error> + Send + 'static,
    resolve: R,
    refresh_every: Duration,
) -> Result<Channel, tonic::transport::Error>
where
    R: FnMut() -> F + Send + 'static,
    F: Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'static,
{
    let origin = Endpoint::from_shared(format!("http://{target}"))?
        .uri()
        .clone();
    let endpoint = move |address| endpoint(address).map(|built| built.origin(origin.clone()));
    let (channel, changes) = Channel::balance_channel(PENDING_CHANGES);
    // A fresh queue has room, and its receiver lives in `channel`.
    let _ = changes.try_send(Change::Insert(PLACEHOLDER, endpoint(PLACEHOLDER)?));
    tokio::spawn(refresh(
        target.to_owned(),
        endpoint,
        resolve,
        refresh_every,
        changes,
    ));
    Ok(channel)
}

/// Keeps the balancer's endpoints in step with `resolve`, until the channel
/// is dropped.
async fn refresh<R, F>(
    target: String,
    endpoint: impl Fn(SocketAddr) -> Result<Endpoint, tonic::transport::Error>,
    mut resolve: R,
    every: Duration,
    changes: Sender<Change<SocketAddr, Endpoint>>,
) where
    R: FnMut() -> F,
    F: Future<Output = io::Result<Vec<SocketAddr>>>,
{
    // What the balancer holds, and what the last answering lookup said.
    let mut balanced = HashSet::from([PLACEHOLDER]);
    let mut known = HashSet::new();
    let mut failing = false;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = changes.closed() => return,
            _ = ticks.tick() => {}
        }
        // A lookup gets one interval; a slow one counts as failed.
        let answer = match tokio::time::timeout(every, resolve()).await {
            Ok(Ok(addresses)) if !addresses.is_empty() => Ok(addresses),
            Ok(Ok(_)) => Err("no addresses".to_owned()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the lookup timed out".to_owned()),
        };
        match answer {
            Ok(addresses) => {
                failing = false;
                known = addresses.into_iter().collect();
            }
            // Logged once per outage, not every refresh.
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(
                    %target,
                    %error,
                    known = known.len(),
                    "cannot resolve; keeping the last known addresses"
                );
            }
            Err(error) => tracing::debug!(%target, %error, "still cannot resolve"),
        }
        if known.is_empty() {
            continue;
        }
        let mut wanted = accepting(&known).await;
        if wanted.is_empty() {
            tracing::debug!(%target, "no address accepts connections; keeping them all");
            wanted = known.clone();
        }
        let added: Vec<_> = wanted
            .difference(&balanced)
            .filter_map(|&address| match endpoint(address) {
                Ok(built) => Some((address, built)),
                Err(error) => {
                    tracing::warn!(%target, %address, %error, "cannot make an endpoint");
                    None
                }
            })
            .collect();
        // What the balancer will hold: the wanted addresses it has or gets.
        let wanted: HashSet<_> = balanced
            .intersection(&wanted)
            .copied()
            .chain(added.iter().map(|(address, _)| *address))
            .collect();
        if wanted.is_empty() || wanted == balanced {
            continue;
        }
        // Inserts first, so the set is never empty in between.
        let updates: Vec<_> = added
            .into_iter()
            .map(|(address, built)| Change::Insert(address, built))
            .chain(
                balanced
                    .difference(&wanted)
                    .map(|&address| Change::Remove(address)),
            )
            .collect();
        tracing::debug!(%target, addresses = ?wanted, "balancing over new addresses");
        for update in updates {
            if changes.send(update).await.is_err() {
                return;
            }
        }
        balanced = wanted;
    }
}

/// The addresses in `addresses` that accept a TCP connection within the
/// connect timeout.
async fn accepting(addresses: &HashSet<SocketAddr>) -> HashSet<SocketAddr> {
    let probes = addresses.iter().map(|&address| async move {
        let connect = tokio::net::TcpStream::connect(address);
        matches!(
            tokio::time::timeout(CONNECT_TIMEOUT, connect).await,
            Ok(Ok(_))
        )
        .then_some(address)
    });
    futures::future::join_all(probes)
        .await
        .into_iter()
        .flatten()
        .collect()
}
