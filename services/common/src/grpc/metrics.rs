//! The RPC metrics of a server: each call counted and timed by service,
//! method and status code ([`crate::metrics`] holds the recorder), with
//! method names bounded to what the server serves.

use std::{
    collections::HashSet,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::Code;

/// The Prometheus endpoint, served on the metrics listener
/// ([`crate::metrics::serve`]), not on the gRPC port.
pub use crate::metrics::METRICS_PATH;

/// `auth` for `everytime.auth.v1.AuthService`: the label of a service's metrics.
pub(super) fn service_label(health_services: &[&'static str]) -> &'static str {
    health_services
        .first()
        .and_then(|name| name.strip_prefix("everytime."))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or("unknown")
}

/// The services every server runs beside its own: health and reflection
/// (v1 and v1alpha). The server mounts and advertises them; their methods
/// keep their names in the metrics.
pub(super) const BUILT_IN_SERVICES: [&str; 3] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Every method path this server answers: the methods of the advertised
/// services, health and reflection. Any other path is counted as
/// `unknown`, so a scan of made-up paths cannot grow the metrics without
/// bound.
pub(super) fn known_methods(health_services: &[&str]) -> HashSet<String> {
    use prost::Message as _;
    let served: HashSet<&str> = health_services
        .iter()
        .copied()
        .chain(BUILT_IN_SERVICES)
        .collect();
    let mut known = HashSet::new();
    for encoded in [
        everytime_proto::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ] {
        let Ok(set) = prost_types::FileDescriptorSet::decode(encoded) else {
            continue;
        };
        for file in set.file {
            for service in &file.service {
                let name = format!("{}.{}", file.package(), service.name());
                if served.contains(name.as_str()) {
                    known.extend(
                        service
                            .method
                            .iter()
                            .map(|method| format!("/{name}/{}", method.name())),
                    );
                }
            }
        }
    }
    known
}

/// The `method` label of a request to `path`.
fn method_label<'a>(known: &HashSet<String>, path: &'a str) -> &'a str {
    if known.contains(path) {
        path
    } else {
        "unknown"
    }
}

/// Counts and times every RPC by method and status code.
#[derive(Clone)]
pub(super) struct MetricsLayer {
    pub(super) service: &'static str,
    pub(super) known: Arc<HashSet<String>>,
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Metrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Metrics {
            inner,
            service: self.service,
            known: self.known.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct Metrics<S> {
    inner: S,
    service: &'static str,
    known: Arc<HashSet<String>>,
}

impl<S, B, R> tower::Service<http::Request<B>> for Metrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        let metrics_page = path == METRICS_PATH;
        let method = method_label(&self.known, path).to_owned();
        let service = self.service;
        let started = std::time::Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            if !metrics_page {
                // Unary errors come back "trailers-only": the status is in the
                // headers. No grpc-status header means the call succeeded.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<i32>().ok())
                    .map_or(Code::Ok, Code::from_i32);
                crate::metrics::record_rpc(
                    service,
                    &method,
                    &format!("{code:?}"),
                    started.elapsed().as_secs_f64(),
                );
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_labelled_by_the_short_service_name() {
        assert_eq!(
            service_label(&["everytime.community.v1.CommunityService"]),
            "community"
        );
        assert_eq!(service_label(&[]), "unknown");
    }

    #[test]
    fn only_methods_this_server_serves_keep_their_name_in_metrics() {
        let known = known_methods(&["everytime.community.v1.CommunityService"]);
        for served in [
            "/everytime.community.v1.CommunityService/ListBoards",
            "/everytime.community.v1.CommunityService/SearchPosts",
            "/grpc.health.v1.Health/Check",
            "/grpc.health.v1.Health/Watch",
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        ] {
            assert_eq!(method_label(&known, served), served);
        }
        for bogus in [
            "/everytime.community.v1.CommunityService/NoSuchMethod",
            "/everytime.auth.v1.AuthService/SignIn",
            "/wp-login.php",
            "/",
        ] {
            assert_eq!(method_label(&known, bogus), "unknown", "{bogus}");
        }
    }
}
