//! The authenticator against JWKS files, JWKS URLs and an API-key exchange.

use serde_json::json;

use super::*;

fn authenticator() -> Authenticator {
    Authenticator::new(AuthOptions {
        // Never fetched: these tests map claims, they verify nothing.
        jwks: vec![JwksSource::Url("http://127.0.0.1:9/jwks.json".to_owned())],
        ..AuthOptions::default()
    })
    .expect("valid options")
}

fn identity(claims: serde_json::Value) -> Identity {
    authenticator().identity(serde_json::from_value(claims).expect("claims"))
}

#[test]
fn kept_api_keys_are_forgotten_when_an_invalidation_names_api_keys_or_may_be_lost() {
    let auth = authenticator();
    let kept = |auth: &Authenticator| auth.api_keys.get(&[7; 32]).is_some();
    let keep = |auth: &Authenticator| {
        auth.api_keys
            .insert([7; 32], Err(AuthError::ApiKeyRefused("unknown".to_owned())));
    };
    keep(&auth);
    // Other types, and a type whose name only starts the same: kept.
    auth.invalidated(Some(&[
        r#"User:{"id":"1"}"#.to_owned(),
        "ApiKeys".to_owned(),
    ]));
    assert!(kept(&auth));
    for tags in [
        Some(vec![r#"ApiKey:{"id":"k1"}"#.to_owned()]),
        Some(vec!["User".to_owned(), "ApiKey".to_owned()]),
        // The subscription was lost: anything may have changed.
        None,
    ] {
        keep(&auth);
        auth.invalidated(tags.as_deref());
        assert!(!kept(&auth), "{tags:?}");
    }
}

#[test]
fn a_coachs_athletes_travel_and_nobody_elses_do() {
    let ids: Vec<String> = (0..=ROSTER_MAX).map(|i| format!("athlete-{i}")).collect();
    let coach = identity(json!({
        "sub": "carter", "exp": 1, "roles": ["coach", "athlete"],
        "athletes": ["alex", "blair"], "tier": "pro",
    }));
    assert_eq!(coach.athletes, ["alex", "blair"]);
    assert_eq!(coach.roles, ["coach", "athlete"]);

    // The same claim without the coach role names nobody.
    let athlete = identity(json!({
        "sub": "alex", "exp": 1, "roles": ["athlete"], "athletes": ["blair"],
    }));
    assert!(athlete.athletes.is_empty(), "{athlete:?}");

    // No claim: nobody; a longer list than any roster: cut to the bound.
    let none = identity(json!({ "sub": "kim", "exp": 1, "roles": ["coach"] }));
    assert!(none.athletes.is_empty());
    let long = identity(json!({ "sub": "kim", "exp": 1, "roles": ["coach"], "athletes": ids }));
    assert_eq!(long.athletes.len(), ROSTER_MAX);
    assert_eq!(long.athletes.last(), Some(&ids[ROSTER_MAX - 1]));
}
