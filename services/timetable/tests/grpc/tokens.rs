//! Every RPC needs a token.

use everytime_proto::timetable::v1 as pb;
use tonic::Code;

use crate::support::TestTimetable;

#[tokio::test]
async fn every_rpc_needs_a_token() {
    let service = TestTimetable::start().await;
    let status = service
        .timetables()
        .list_timetables(pb::ListTimetablesRequest { semester: None })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
