//! The OpenAPI document lists every timetable and friends path.

use crate::support::TestStack;

#[tokio::test]
async fn every_timetable_and_friends_path_is_in_the_openapi_document() {
    let stack = TestStack::start().await;

    let document = stack.get("/api/v1/openapi.json", None).await;

    let paths = document.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/courses", "get"),
        ("/api/v1/admin/courses", "post"),
        ("/api/v1/timetables", "get"),
        ("/api/v1/timetables", "post"),
        ("/api/v1/timetables/{id}", "get"),
        ("/api/v1/timetables/{id}", "patch"),
        ("/api/v1/timetables/{id}", "delete"),
        ("/api/v1/timetables/{id}/courses", "post"),
        ("/api/v1/timetables/{id}/courses/{course_id}", "delete"),
        ("/api/v1/timetables/{id}/image.svg", "get"),
        ("/api/v1/me/timetable", "get"),
        ("/api/v1/friends/requests", "post"),
        ("/api/v1/friends/requests", "get"),
        ("/api/v1/friends/requests/{id}/accept", "post"),
        ("/api/v1/friends/requests/{id}", "delete"),
        ("/api/v1/friends", "get"),
        ("/api/v1/friends/{user_id}", "delete"),
        ("/api/v1/friends/{user_id}/timetable", "get"),
        ("/api/v1/timetables/{id}/custom-entries", "post"),
        (
            "/api/v1/timetables/{id}/custom-entries/{entry_id}",
            "delete",
        ),
        ("/api/v1/timetables/{id}/copy", "post"),
        ("/api/v1/free-time", "get"),
        ("/api/v1/courses/{course_id}/reviews", "post"),
        ("/api/v1/courses/{course_id}/reviews", "get"),
        ("/api/v1/reviews/{review_id}", "delete"),
        ("/api/v1/reviews/{review_id}/like", "put"),
        ("/api/v1/me/reviews", "get"),
        ("/api/v1/me/grades", "get"),
        ("/api/v1/me/grades/target", "put"),
        ("/api/v1/me/grades/{semester}", "put"),
        ("/api/v1/me/grades/{semester}/from-timetable", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path}"
        );
    }
}
