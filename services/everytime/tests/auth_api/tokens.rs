//! Access tokens the gateway must refuse: unsigned, forged, tampered and expired.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use everytime_common::token::{Role, SigningKey, TokenSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{self, TestStack};

/// An unsigned token (`alg: none`).
fn unsigned_jwt(header: &Value, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

fn claims_for(session: &support::Session, exp_offset: i64) -> Value {
    let now = chrono_now();
    let settings = TokenSettings::default();
    json!({
        "sub": session.id.to_string(),
        "sid": "1",
        "school_id": 1,
        "role": "user",
        "iss": settings.issuer,
        "aud": settings.audience,
        "exp": now + exp_offset,
        "iat": now,
        "jti": "test",
    })
}

fn chrono_now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).expect("fits")
}

#[tokio::test]
async fn forged_tampered_and_expired_tokens_are_401() {
    let key = SigningKey::generate();
    let stack = TestStack::start_with({
        let key = key.clone();
        move |config| config.auth.signing_key = Some(key)
    })
    .await;
    let session = stack.user("victim").await;
    let kid = key.kid().to_owned();

    // Control: a token we mint with the real key is accepted, so each case
    // below fails for its own reason.
    let mut good = key
        .sign(&serde_json::from_value(claims_for(&session, 600)).expect("claims"))
        .expect("signs");
    assert_eq!(
        stack.get("/api/v1/users/me", Some(&good)).await.status,
        StatusCode::OK
    );

    let none = unsigned_jwt(
        &json!({"alg": "none", "typ": "JWT", "kid": kid}),
        &claims_for(&session, 600),
    );
    let own_key = SigningKey::generate()
        .sign(&serde_json::from_value(claims_for(&session, 600)).expect("claims"))
        .expect("signs");
    let mut own_key_real_kid = own_key.split('.').map(str::to_owned).collect::<Vec<_>>();
    own_key_real_kid[0] =
        URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}).to_string());
    let own_key_real_kid = own_key_real_kid.join(".");
    let mut tampered_parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered_claims = claims_for(&session, 600);
    tampered_claims["role"] = json!(Role::Admin.as_str());
    tampered_parts[1] = URL_SAFE_NO_PAD.encode(tampered_claims.to_string());
    let tampered = tampered_parts.join(".");
    let expired = key
        .sign(&serde_json::from_value(claims_for(&session, -3600)).expect("claims"))
        .expect("signs");
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(kid.clone()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &claims_for(&session, 600),
        &jsonwebtoken::EncodingKey::from_secret(key.public_jwk().x.as_bytes()),
    )
    .expect("signs");

    for (name, token, code) in [
        ("alg none", none, "invalid_token"),
        ("a key of our own", own_key, "invalid_token"),
        (
            "our key under the real kid",
            own_key_real_kid,
            "invalid_token",
        ),
        ("a tampered payload", tampered, "invalid_token"),
        ("HS256 with the public key as secret", hmac, "invalid_token"),
        ("an expired exp", expired, "token_expired"),
        ("garbage", "garbage".to_owned(), "invalid_token"),
    ] {
        let reply = stack.get("/api/v1/users/me", Some(&token)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            reply.text
        );
        reply.assert_problem(401, code);
    }
    stack
        .get("/api/v1/users/me", None)
        .await
        .assert_problem(401, "missing_token");
    good.push('x');
    stack
        .get("/api/v1/users/me", Some(&good))
        .await
        .assert_problem(401, "invalid_token");
}
