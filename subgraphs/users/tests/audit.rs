//! The tamper-evident audit log: every sensitive action appends one record in its own
//! transaction, the chain and its checkpoints verify, and verification names the first
//! record edited, deleted or reordered. On SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (CI runs both).

mod common;

use chrono::Duration;
use common::*;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use tessera_kit::error::ServiceError;
use tessera_users::{
    entity::{
        audit::{checkpoint, head, record},
        user::Role,
    },
    service::{
        accounts, api_keys,
        audit::{self, Event, Page, Problem, actions},
        coaching,
        key_encryption::KeyEncryption,
        keys::KeyRing,
        sessions::{self, AuthSettings},
    },
};

const PASSWORD: &str = "correct horse battery staple";

async fn records(db: &DatabaseConnection) -> Vec<record::Model> {
    record::Entity::find()
        .order_by_asc(record::Column::Seq)
        .all(db)
        .await
        .expect("the log reads")
}

async fn append(db: &DatabaseConnection, n: i64) {
    for i in 1..=n {
        let event = Event::new(actions::SIGN_IN_FAILED).with(serde_json::json!({ "i": i }));
        audit::append_alone(db, event, t0() + Duration::seconds(i))
            .await
            .expect("appended");
    }
}

/// Verifies the log, expecting `expected` first, told as `text`; what was found.
async fn first_problem(
    db: &DatabaseConnection,
    kek: &KeyEncryption,
    expected: Problem,
    text: &str,
) -> audit::Verification {
    let found = audit::verify(db, kek).await.expect("verifies");
    let first = found.problems.first().expect("a problem is found");
    assert_eq!(*first, expected, "{:?}", found.problems);
    assert_eq!(first.to_string(), text);
    found
}

#[tokio::test]
async fn every_sensitive_action_appends_one_record_and_the_chain_verifies() {
    let t = db().await;
    let db = &t.db;
    let kek = KeyEncryption::ephemeral();
    let keys = KeyRing::new(
        db.clone(),
        Duration::days(30),
        Duration::minutes(15),
        kek.clone(),
    );
    let settings = AuthSettings::default();
    let now = t0();
    let alex = athlete(db, "alex").await;
    sessions::set_password(db, alex.id, PASSWORD, "password", now)
        .await
        .expect("password set");
    let root = admin(db, "morgan").await;
    let carter = coach(db, "carter").await;

    // Refused sign-ins: a known account's is recorded against it, an unknown email's
    // against nobody.
    let wrong = sessions::sign_in(
        db,
        &keys,
        &settings,
        "alex@example.com",
        "nope nope nope",
        &[],
        now,
    )
    .await;
    assert!(
        matches!(wrong, Err(ServiceError::CredentialsRefused(_))),
        "{wrong:?}"
    );
    let unknown =
        sessions::sign_in(db, &keys, &settings, "who@example.com", PASSWORD, &[], now).await;
    assert!(unknown.is_err());
    let session = sessions::sign_in(db, &keys, &settings, "alex@example.com", PASSWORD, &[], now)
        .await
        .expect("signs in");
    // A refresh token used twice: the second use is a reuse.
    let mut ended = Vec::new();
    sessions::refresh(
        db,
        &keys,
        &settings,
        &session.refresh_token,
        now,
        &mut ended,
    )
    .await
    .expect("the first refresh works");
    let reused = sessions::refresh(
        db,
        &keys,
        &settings,
        &session.refresh_token,
        now,
        &mut ended,
    )
    .await;
    assert!(reused.is_err());
    sessions::change_password(
        db,
        &as_user(&alex),
        PASSWORD,
        "another good passphrase",
        now,
    )
    .await
    .expect("password changed");
    let alex = accounts::set_roles(
        db,
        &as_user(&root),
        alex.id,
        &[Role::Athlete, Role::Partner],
        now,
    )
    .await
    .expect("roles set");
    coaching::link(db, carter.id, alex.id, now)
        .await
        .expect("linked");
    // Linking twice changes nothing, and records nothing.
    coaching::link(db, carter.id, alex.id, now)
        .await
        .expect("linked");
    assert!(
        coaching::unlink(db, carter.id, alex.id, now)
            .await
            .expect("unlinked")
    );
    let key = api_keys::create(db, &as_user(&alex), "ci", now)
        .await
        .expect("key created");
    api_keys::revoke(db, &as_user(&root), key.record.id, now)
        .await
        .expect("key revoked");
    sessions::sign_out_everywhere(db, &as_user(&alex), now)
        .await
        .expect("signed out");
    accounts::delete_account(db, &as_user(&alex), now, Duration::days(30))
        .await
        .expect("deleted");

    let log = records(db).await;
    let seen: Vec<(&str, Option<String>, Option<String>)> = log
        .iter()
        .map(|r| (r.action.as_str(), r.actor.clone(), r.subject.clone()))
        .collect();
    let (a, r, c) = (
        Some(alex.id.to_string()),
        Some(root.id.to_string()),
        Some(key.record.id.to_string()),
    );
    assert_eq!(
        seen,
        vec![
            (actions::SIGN_IN_FAILED, None, a.clone()),
            (actions::SIGN_IN_FAILED, None, None),
            (actions::SIGNED_IN, a.clone(), a.clone()),
            (actions::REFRESH_REUSED, None, a.clone()),
            (actions::PASSWORD_CHANGED, a.clone(), a.clone()),
            (actions::ROLES_CHANGED, r.clone(), a.clone()),
            (actions::COACHING_LINKED, None, a.clone()),
            (actions::COACHING_UNLINKED, None, a.clone()),
            (actions::API_KEY_CREATED, a.clone(), c.clone()),
            (actions::API_KEY_REVOKED, r.clone(), c.clone()),
            (actions::SIGNED_OUT_EVERYWHERE, a.clone(), a.clone()),
            (actions::ACCOUNT_DELETED, a.clone(), a.clone()),
        ]
    );
    let roles: serde_json::Value = serde_json::from_str(&log[5].detail).expect("JSON");
    assert_eq!(
        roles,
        serde_json::json!({"from": ["ATHLETE"], "to": ["ATHLETE", "PARTNER"]})
    );
    // Places from 1 without gaps, each record chained to the one before.
    for (i, r) in log.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        let before = if i == 0 {
            audit::GENESIS
        } else {
            log[i - 1].hash.as_str()
        };
        assert_eq!(r.prev_hash, before, "record {}", r.seq);
    }
    // No secret is ever recorded.
    for r in &log {
        for secret in [
            PASSWORD,
            session.refresh_token.as_str(),
            key.key.as_str(),
            session.access_token.as_str(),
        ] {
            assert!(
                !r.detail.contains(secret),
                "record {} holds a secret: {}",
                r.seq,
                r.detail
            );
        }
    }

    let found = audit::verify(db, &kek).await.expect("verifies");
    assert!(found.intact(), "{:?}", found.problems);
    assert_eq!((found.records, found.last, found.checkpoints), (12, 12, 0));
    assert_eq!(
        audit::checkpoint(db, &kek, now).await.expect("checkpoint"),
        Some(12)
    );
    assert_eq!(
        audit::checkpoint(db, &kek, now).await.expect("checkpoint"),
        None,
        "once per head"
    );
    let found = audit::verify(db, &kek).await.expect("verifies");
    assert!(found.intact(), "{:?}", found.problems);
    assert_eq!(found.checkpoints, 1);

    // Administrators read it, filtered; nobody else does.
    let page = Page {
        after: 0,
        first: 50,
        action: Some(actions::SIGN_IN_FAILED.to_owned()),
        subject: None,
    };
    let failed = audit::list(db, &as_user(&root), &page)
        .await
        .expect("an admin reads");
    assert_eq!(failed.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2]);
    let about_key = Page {
        after: 9,
        first: 1,
        subject: c.clone(),
        ..Page::default()
    };
    let tail = audit::list(db, &as_user(&root), &about_key)
        .await
        .expect("reads");
    assert_eq!(tail.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![10]);
    let refused = audit::list(db, &as_user(&carter), &page).await;
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );
    let too_many = Page { first: 501, ..page };
    let refused = audit::list(db, &as_user(&root), &too_many).await;
    assert!(
        matches!(refused, Err(ServiceError::Invalid { ref field, .. }) if field == "first"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_edited_record_is_named() {
    let t = db().await;
    let kek = KeyEncryption::ephemeral();
    append(&t.db, 6).await;
    record::Entity::update_many()
        .col_expr(record::Column::Detail, Expr::value(r#"{"i":40}"#))
        .filter(record::Column::Seq.eq(4))
        .exec(&t.db)
        .await
        .expect("edited");
    first_problem(
        &t.db,
        &kek,
        Problem::Altered { seq: 4 },
        "record 4 was edited: its content does not give its hash",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_record_is_named_in_the_middle_and_at_the_end() {
    let t = db().await;
    let kek = KeyEncryption::ephemeral();
    append(&t.db, 6).await;
    audit::checkpoint(&t.db, &kek, t0())
        .await
        .expect("checkpointed");
    record::Entity::delete_many()
        .filter(record::Column::Seq.eq(3))
        .exec(&t.db)
        .await
        .expect("deleted");
    first_problem(
        &t.db,
        &kek,
        Problem::Missing { first: 3, last: 3 },
        "record 3 was deleted",
    )
    .await;

    // The last two deleted, and the head moved back to hide it: the checkpoint at 6
    // still counts them.
    record::Entity::delete_many()
        .filter(record::Column::Seq.gte(5))
        .exec(&t.db)
        .await
        .expect("deleted");
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::value(4))
        .exec(&t.db)
        .await
        .expect("head moved");
    let found = audit::verify(&t.db, &kek).await.expect("verifies");
    assert_eq!(
        found.problems,
        vec![
            Problem::Missing { first: 3, last: 3 },
            Problem::Missing { first: 5, last: 6 }
        ]
    );
    assert_eq!(found.problems[1].to_string(), "records 5 to 6 were deleted");
}

#[tokio::test]
async fn reordered_records_are_named() {
    let t = db().await;
    let kek = KeyEncryption::ephemeral();
    append(&t.db, 5).await;
    let log = records(&t.db).await;
    // Records 2 and 3 swap places.
    for (at, from) in [(2usize, 3usize), (3, 2)] {
        let source = &log[from - 1];
        let mut row: record::ActiveModel = log[at - 1].clone().into();
        row.at = Set(source.at);
        row.detail = Set(source.detail.clone());
        row.prev_hash = Set(source.prev_hash.clone());
        row.hash = Set(source.hash.clone());
        row.update(&t.db).await.expect("swapped");
    }
    first_problem(
        &t.db,
        &kek,
        Problem::OutOfChain { seq: 2 },
        "record 2 does not follow record 1: records were reordered or inserted here",
    )
    .await;
}

#[tokio::test]
async fn a_chain_recomputed_after_an_edit_is_caught_by_the_checkpoint() {
    let t = db().await;
    let kek = KeyEncryption::ephemeral();
    append(&t.db, 3).await;
    audit::checkpoint(&t.db, &kek, t0())
        .await
        .expect("checkpointed");
    append(&t.db, 2).await;
    // Whoever writes the database but lacks the KEK edits record 2 and recomputes every
    // hash after it, and the head: the chain itself is consistent again.
    let mut previous = records(&t.db).await[0].hash.clone();
    for r in records(&t.db).await.into_iter().skip(1) {
        let detail = if r.seq == 2 {
            r#"{"i":"forged"}"#.to_owned()
        } else {
            r.detail.clone()
        };
        let hash = audit::record_hash(
            r.seq,
            &r.at,
            r.actor.as_deref(),
            &r.action,
            r.subject.as_deref(),
            &detail,
            &previous,
        );
        let mut row: record::ActiveModel = r.into();
        row.detail = Set(detail);
        row.prev_hash = Set(previous.clone());
        row.hash = Set(hash.clone());
        row.update(&t.db).await.expect("rewritten");
        previous = hash;
    }
    head::Entity::update_many()
        .col_expr(head::Column::Hash, Expr::value(previous))
        .exec(&t.db)
        .await
        .expect("head rewritten");
    let found = first_problem(&t.db, &kek, Problem::Rewritten { seq: 3, since: 0 }, "record 3 is not the record checkpoint 3 vouches for: the chain was rewritten after record 0").await;
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);

    // A checkpoint moved to the forged hash needs the KEK's MAC: without it, forged.
    let forged = records(&t.db).await[2].hash.clone();
    checkpoint::Entity::update_many()
        .col_expr(checkpoint::Column::Hash, Expr::value(forged))
        .exec(&t.db)
        .await
        .expect("checkpoint edited");
    let found = audit::verify(&t.db, &kek).await.expect("verifies");
    assert_eq!(found.problems, vec![Problem::ForgedCheckpoint { seq: 3 }]);
    assert_eq!(
        found.problems[0].to_string(),
        "checkpoint 3 was forged or edited: its MAC is wrong"
    );

    // Under a KEK no longer configured, a checkpoint cannot be checked: said, not failed.
    let other = KeyEncryption::ephemeral();
    let found = audit::verify(&t.db, &other).await.expect("verifies");
    assert_eq!(found.unverifiable.len(), 1);
    assert_eq!(found.checkpoints, 0);
}

#[tokio::test]
async fn concurrent_appends_get_every_place_once() {
    let t = db().await;
    let kek = KeyEncryption::ephemeral();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let db = t.db.clone();
            tokio::spawn(async move {
                let event =
                    Event::new(actions::SIGN_IN_FAILED).with(serde_json::json!({ "task": i }));
                audit::append_alone(&db, event, t0()).await
            })
        })
        .collect();
    let mut places = Vec::new();
    for task in tasks {
        places.push(task.await.expect("joins").expect("appended"));
    }
    places.sort_unstable();
    assert_eq!(places, (1..=16).collect::<Vec<i64>>());
    let found = audit::verify(&t.db, &kek).await.expect("verifies");
    assert!(found.intact(), "{:?}", found.problems);
    assert_eq!(found.records, 16);
    let _ = t.db.execute_unprepared("SELECT 1").await;
}

#[tokio::test]
async fn the_router_records_what_only_it_sees_and_nobody_else_can() {
    use std::time::Duration as StdDuration;
    use tessera_identity::internal::{AUDIT_PATH, HEADER, Signer, router_identity};
    use tessera_kit::testing::{identity_header, router_key};

    let t = db().await;
    let root = admin(&t.db, "morgan").await;
    let served = serve(&t.db).await;
    let url = format!("{}{AUDIT_PATH}", served.url);
    let record = serde_json::json!({
        "action": actions::CACHE_INVALIDATED,
        "actor": root.id.to_string(),
        "subject": null,
        "detail": {"tags": ["CodexEntry:1"]},
    });
    let router = Signer::new(&router_key(), StdDuration::from_secs(60)).token(&router_identity());
    let sent = served
        .client
        .post(&url)
        .header(HEADER, router.as_ref())
        .json(&record)
        .send()
        .await
        .expect("answers");
    assert_eq!(sent.status(), 201);
    let log = records(&t.db).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, actions::CACHE_INVALIDATED);
    assert_eq!(log[0].actor, Some(root.id.to_string()));
    let detail: serde_json::Value = serde_json::from_str(&log[0].detail).expect("JSON");
    assert_eq!(
        detail,
        serde_json::json!({"by": "router", "detail": {"tags": ["CodexEntry:1"]}})
    );

    // A user's identity (even an administrator's), none, or a forged one: refused.
    let admin_viewer =
        tessera_kit::viewer::Viewer::user(root.id).with_roles(&[tessera_kit::viewer::Role::Admin]);
    let (name, as_admin) = identity_header(Some(&admin_viewer));
    for (token, status) in [
        (Some(as_admin), 403),
        (None, 401),
        (Some("forged".to_owned()), 401),
    ] {
        let mut request = served.client.post(&url).json(&record);
        if let Some(token) = token {
            request = request.header(name, token);
        }
        let refused = request.send().await.expect("answers");
        assert_eq!(refused.status(), status);
    }
    // Only the router's own actions, in a well-formed body.
    let other =
        serde_json::json!({"action": actions::ACCOUNT_DELETED, "actor": null, "subject": null});
    for body in [other.to_string(), "{".to_owned()] {
        let refused = served
            .client
            .post(&url)
            .header(HEADER, router.as_ref())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("answers");
        assert_eq!(refused.status(), 400);
    }
    assert_eq!(
        records(&t.db).await.len(),
        1,
        "nothing refused was recorded"
    );
}

#[tokio::test]
async fn administrators_read_the_log_through_graphql_and_others_are_refused() {
    use tessera_kit::{
        testing::error_codes,
        viewer::{Role as ViewerRole, Viewer},
    };

    let t = db().await;
    let root = admin(&t.db, "morgan").await;
    let alex = athlete(&t.db, "alex").await;
    append(&t.db, 3).await;
    let served = serve(&t.db).await;
    let query = "query($after: Int!) { auditLog(after: $after, first: 2) { seq action actor subject detail hash } }";
    let as_admin = Viewer::user(root.id).with_roles(&[ViewerRole::Admin]);
    let body = served
        .gql(Some(&as_admin), query, serde_json::json!({"after": 1}))
        .await;
    assert!(error_codes(&body).is_empty(), "{body}");
    let seqs: Vec<i64> = body["data"]["auditLog"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, vec![2, 3]);
    assert_eq!(
        body["data"]["auditLog"][0]["action"],
        actions::SIGN_IN_FAILED
    );
    let as_athlete = Viewer::user(alex.id).with_roles(&[ViewerRole::Athlete]);
    let body = served
        .gql(Some(&as_athlete), query, serde_json::json!({"after": 0}))
        .await;
    assert_eq!(
        error_codes(&body),
        vec![("auditLog".to_owned(), "FORBIDDEN".to_owned())],
        "{body}"
    );
    let body = served
        .gql(None, query, serde_json::json!({"after": 0}))
        .await;
    assert_eq!(
        error_codes(&body),
        vec![("auditLog".to_owned(), "UNAUTHENTICATED".to_owned())],
        "{body}"
    );
}
