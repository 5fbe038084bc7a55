//! The bearer-token layer: every RPC that is not public needs a valid
//! access token, and the verified [`Caller`] lands in the request's
//! extensions, where [`caller`] reads it.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::{Code, Request, Status};

use super::{
    metrics::METRICS_PATH,
    status::{status, verify_error_status},
};
use crate::token::{Caller, TokenVerifier, VerifyError, bearer};

/// The verified caller of a request that passed [`RequireAuthLayer`].
pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| {
            status(
                Code::Unauthenticated,
                "missing_token",
                "an access token is required",
            )
        })
}

/// Method paths anyone may call without a token: health, reflection and
/// metrics.
const ALWAYS_PUBLIC_PREFIXES: [&str; 4] = [
    METRICS_PATH,
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// A tower layer demanding a valid bearer token on every RPC except the
/// listed public methods (full paths, `/package.Service/Method`), health and
/// reflection.
#[derive(Clone)]
pub struct RequireAuthLayer {
    verifier: Arc<TokenVerifier>,
    public_methods: &'static [&'static str],
}

impl RequireAuthLayer {
    /// Checks tokens with `verifier`; `public_methods` pass without one.
    pub fn new(verifier: Arc<TokenVerifier>, public_methods: &'static [&'static str]) -> Self {
        RequireAuthLayer {
            verifier,
            public_methods,
        }
    }
}

impl<S> tower::Layer<S> for RequireAuthLayer {
    type Service = RequireAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuth {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`RequireAuthLayer`].
#[derive(Clone)]
pub struct RequireAuth<S> {
    inner: S,
    layer: RequireAuthLayer,
}

impl<S, B> tower::Service<http::Request<B>> for RequireAuth<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone that was polled ready is the one we must call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let public = layer.public_methods.contains(&path)
                || ALWAYS_PUBLIC_PREFIXES
                    .iter()
                    .any(|prefix| path.starts_with(prefix));
            if public {
                return inner.call(request).await;
            }
            let token = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(bearer);
            let verified = match token {
                None => Err(VerifyError::Missing),
                Some(token) => layer.verifier.verify(token).await,
            };
            match verified {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(error) => Ok(verify_error_status(&error).into_http()),
            }
        })
    }
}
