//! One trace from the gateway's request span to the service's RPC span and
//! down to the SQL: spans are exported over real OTLP/gRPC to a small fake
//! collector, and the trace context crosses from the gateway to the service
//! (and from a service to auth, for the token keys) in gRPC metadata.
//!
//! This file is its own test binary because it installs the process-wide
//! tracer.

mod support;

use std::{collections::HashMap, sync::Arc, time::Duration};

use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::any_value::Value,
    trace::v1::span::SpanKind,
};
use reqwest::StatusCode;
use support::TestStack;
use tokio::sync::Mutex;

/// A span as the collector received it.
#[derive(Debug, Clone)]
struct Received {
    name: String,
    kind: SpanKind,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    attributes: HashMap<String, String>,
}

impl Received {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// True when `span` is `ancestor` or one of its descendants, following
/// parent span ids through the exported spans.
fn descends_from(spans: &[Received], span: &Received, ancestor: &Received) -> bool {
    let by_id: HashMap<&[u8], &Received> = spans
        .iter()
        .map(|span| (span.span_id.as_slice(), span))
        .collect();
    let mut current = span;
    for _ in 0..64 {
        if current.span_id == ancestor.span_id {
            return true;
        }
        match by_id.get(current.parent_span_id.as_slice()) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

#[derive(Default, Clone)]
struct Collector(Arc<Mutex<Vec<Received>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut received = self.0.lock().await;
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                for span in scope.spans {
                    let attributes = span
                        .attributes
                        .iter()
                        .filter_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
                            Value::StringValue(value) => Some((kv.key.clone(), value.clone())),
                            _ => None,
                        })
                        .collect();
                    received.push(Received {
                        kind: span.kind(),
                        name: span.name,
                        trace_id: span.trace_id,
                        span_id: span.span_id,
                        parent_span_id: span.parent_span_id,
                        attributes,
                    });
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_trace_covers_the_gateway_request_the_service_rpc_and_its_sql() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let telemetry =
        everytime_common::telemetry::init_with("everytime-test", Some(format!("http://{addr}")));

    let stack = TestStack::start().await;
    let session = stack.user("traced").await;
    // Community's first request: it fetches the token keys from auth first.
    // (It comes before `/users/me`, which asks community for the caller's
    // write restriction and would fetch them in its own trace.)
    let reply = stack.get("/api/v1/boards", Some(&session.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    telemetry.flush().await;

    let rpc_of = |spans: &[Received], method: &str| {
        spans
            .iter()
            .find(|span| {
                span.kind == SpanKind::Server && span.attribute("rpc.method") == Some(method)
            })
            .cloned()
    };
    let mut spans = Vec::new();
    for _ in 0..50 {
        spans = collector.0.lock().await.clone();
        let community_sql = spans.iter().any(|span| {
            span.attribute("db.system") == Some("postgresql")
                && rpc_of(
                    &spans,
                    "/everytime.community.v1.CommunityService/ListBoards",
                )
                .is_some_and(|rpc| span.trace_id == rpc.trace_id)
        });
        let routes = ["/api/v1/users/me", "/api/v1/boards"].iter().all(|route| {
            spans
                .iter()
                .any(|span| span.attribute("http.route") == Some(route))
        });
        let keys = rpc_of(&spans, "/everytime.auth.v1.AuthService/GetJwks").is_some();
        if rpc_of(&spans, "/everytime.auth.v1.UserService/GetMe").is_some()
            && community_sql
            && routes
            && keys
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        telemetry.flush().await;
    }
    let request = |route: &str| {
        spans
            .iter()
            .find(|span| span.attribute("http.route") == Some(route))
            .cloned()
            .unwrap_or_else(|| panic!("the gateway's span for {route} was exported: {spans:#?}"))
    };
    let rpc = |method: &str| {
        rpc_of(&spans, method)
            .unwrap_or_else(|| panic!("the service's span of {method} was exported: {spans:#?}"))
    };

    // auth: gateway request -> GetMe -> its SQL.
    let me = request("/api/v1/users/me");
    let get_me = rpc("/everytime.auth.v1.UserService/GetMe");
    assert_eq!(me.trace_id.len(), 16);
    assert!(me.name.contains("/api/v1/users/me"), "{}", me.name);
    assert_eq!(
        get_me.trace_id, me.trace_id,
        "one trace across the gateway and auth"
    );
    assert!(
        !get_me.parent_span_id.is_empty() && descends_from(&spans, &get_me, &me),
        "auth's RPC span is a child of the gateway's request span: {get_me:#?} {me:#?}"
    );
    assert!(
        spans.iter().any(|span| span.name == "user_by_id"
            && span.attribute("db.system") == Some("postgresql")
            && descends_from(&spans, span, &get_me)),
        "the trace goes down to auth's SQL: {spans:#?}"
    );

    // community: gateway request -> ListBoards -> its SQL, and the token
    // keys it fetched from auth on the way, in the same trace.
    let boards = request("/api/v1/boards");
    let list_boards = rpc("/everytime.community.v1.CommunityService/ListBoards");
    assert_eq!(list_boards.trace_id, boards.trace_id);
    assert_ne!(
        boards.trace_id, me.trace_id,
        "each request has its own trace"
    );
    assert!(
        descends_from(&spans, &list_boards, &boards),
        "community's RPC span is a child of the gateway's request span: {list_boards:#?} {boards:#?}"
    );
    assert!(
        spans
            .iter()
            .any(|span| span.attribute("db.system") == Some("postgresql")
                && descends_from(&spans, span, &list_boards)),
        "the trace goes down to community's SQL: {spans:#?}"
    );
    // The gateway, verifying the same first token, may fetch the keys in
    // this trace too: community's fetch is the one under its RPC.
    assert!(
        spans.iter().any(|span| {
            span.kind == SpanKind::Server
                && span.attribute("rpc.method") == Some("/everytime.auth.v1.AuthService/GetJwks")
                && span.trace_id == boards.trace_id
                && descends_from(&spans, span, &list_boards)
        }),
        "community fetched the keys inside its RPC, in the request's trace: {spans:#?}"
    );
    telemetry.shutdown().await;
}
