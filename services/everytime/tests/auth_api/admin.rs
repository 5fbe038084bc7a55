//! What only administrators may do: creating schools.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestStack;

#[tokio::test]
async fn only_admins_may_create_schools() {
    let stack = TestStack::start_with(|config| {
        config.auth.admin = Some(everytime_auth::AdminAccount {
            username: "admin".into(),
            password: "admin password".into(),
            email: "admin@localhost".into(),
            nickname: "관리자".into(),
        });
    })
    .await;
    let user = stack.user("student").await;
    let admin = stack.sign_in_with("admin", "admin password").await;
    assert_eq!(admin.body["user"]["role"], "admin");
    let admin_token = admin.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    stack
        .post(
            "/api/v1/admin/schools",
            Some(&user.token),
            json!({"name": "몰래대학교"}),
        )
        .await
        .assert_problem(403, "admin_only");
    let created = stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "새로운대학교"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["name"], "새로운대학교");
    stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "새로운대학교"}),
        )
        .await
        .assert_problem(409, "school_name_taken");
    let nul = stack
        .post(
            "/api/v1/admin/schools",
            Some(&admin_token),
            json!({"name": "널\u{0}대학교"}),
        )
        .await;
    nul.assert_problem(400, "invalid_input");
    assert_eq!(nul.error_fields(), ["name"]);
    let schools = stack.get("/api/v1/schools", None).await;
    assert!(
        schools.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["name"] == "새로운대학교")
    );
    assert!(
        !schools.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|s| s["name"] == "몰래대학교")
    );
}
