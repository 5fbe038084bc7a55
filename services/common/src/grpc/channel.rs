//! Client channels: a connect timeout and a deadline on every call,
//! connecting lazily so a backend that is down at start-up is picked up when
//! it comes back; `dns:///host:port` balances over every address of `host`
//! ([`crate::balance`]).

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use crate::balance::CONNECT_TIMEOUT;

/// A channel to `url` that connects lazily, gives up connecting after a
/// second, and puts `timeout` on every call.
///
/// - `http://host:port`: one HTTP/2 connection, to the address `host`
///   resolves to whenever it (re)connects.
/// - `dns:///host:port`: balanced over every address `host` resolves to,
///   looked up again every 10 s ([`crate::balance`]), for headless
///   Kubernetes Services.
pub fn channel(url: &str, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    if let Some(target) = url.strip_prefix(crate::balance::DNS_SCHEME) {
        let named = Endpoint::from_shared(format!("http://{target}"))?;
        if named.uri().port().is_none() || target.contains('/') {
            return Err(invalid_url(url, "a dns:/// target is host:port"));
        }
        return crate::balance::dns(target, move |address| {
            endpoint(&format!("http://{address}"), timeout)
        });
    }
    if url.starts_with("dns:") {
        return Err(invalid_url(url, "only dns:///host:port is supported"));
    }
    Ok(endpoint(url, timeout)?.connect_lazy())
}

/// An endpoint with the settings every client shares.
fn endpoint(url: &str, timeout: Duration) -> Result<Endpoint, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true))
}

/// The error for a URL that parses but that we cannot use; `why` is logged.
fn invalid_url(url: &str, why: &str) -> tonic::transport::Error {
    tracing::error!(url, why, "invalid gRPC URL");
    // tonic's error has no public constructor: take the one it gives for any
    // unparsable URL (a space is never valid in one).
    match Endpoint::from_shared(" ") {
        Err(error) => error,
        Ok(_) => unreachable!("a space is not a URL"),
    }
}
