//! One trace from the gateway's request span to the service's RPC span:
//! spans are exported over real OTLP/gRPC to a small fake collector, and the
//! trace context crosses from the gateway to the service in gRPC metadata.
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
};
use reqwest::StatusCode;
use support::TestStack;
use tokio::sync::Mutex;

/// A span as the collector received it.
#[derive(Debug, Clone)]
struct Received {
    name: String,
    trace_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    attributes: HashMap<String, String>,
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
                        name: span.name,
                        trace_id: span.trace_id,
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
async fn one_trace_id_covers_the_gateway_request_and_the_service_rpc() {
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
    let reply = stack.get("/api/v1/users/me", Some(&session.token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    telemetry.flush().await;

    let mut spans = Vec::new();
    for _ in 0..50 {
        spans = collector.0.lock().await.clone();
        if spans.iter().any(|span| {
            span.attributes
                .get("rpc.method")
                .is_some_and(|m| m.ends_with("/GetMe"))
        }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        telemetry.flush().await;
    }
    let gateway = spans
        .iter()
        .find(|span| {
            span.attributes.get("http.route").map(String::as_str) == Some("/api/v1/users/me")
        })
        .unwrap_or_else(|| panic!("the gateway's span was exported: {spans:#?}"));
    let rpc = spans
        .iter()
        .find(|span| {
            span.attributes
                .get("rpc.method")
                .is_some_and(|m| m == "/everytime.auth.v1.UserService/GetMe")
        })
        .unwrap_or_else(|| panic!("the service's span was exported: {spans:#?}"));

    let sql_in_trace = spans.iter().any(|span| {
        span.name == "user_by_id"
            && span.attributes.get("db.system").map(String::as_str) == Some("postgresql")
            && span.trace_id == gateway.trace_id
    });

    assert_eq!(gateway.trace_id.len(), 16);
    assert!(sql_in_trace, "the trace goes down to the SQL: {spans:#?}");
    assert_eq!(
        rpc.trace_id, gateway.trace_id,
        "one trace across the gateway and auth"
    );
    assert!(
        !rpc.parent_span_id.is_empty(),
        "the RPC span has a parent in the gateway"
    );
    assert!(
        gateway.name.contains("/api/v1/users/me"),
        "{}",
        gateway.name
    );
    telemetry.shutdown().await;
}
