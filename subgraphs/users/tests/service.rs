//! The users domain's rules at the service level, on SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (CI runs both).

mod common;

use chrono::Duration;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_kit::{
    error::ServiceError,
    events::{Event, catalogue::CoachingUnlinked, entity::outbox},
    pagination::{PageArgs, encode},
};
use tessera_users::{
    entity::user::{Role, SubscriptionTier},
    service::{
        access::Access,
        accounts::{self, ExportedLink, ProfileUpdate, SignUp},
        coaching, directory,
        directory::UserFilter,
    },
};

fn invalid_field(err: ServiceError) -> String {
    match err {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_up_normalises_and_stores_a_free_athlete() {
    let t = db().await;
    let input = SignUp {
        handle: " Alex_Rivera ".into(),
        email: "Alex@Example.COM".into(),
        ..sign_up_input("ignored")
    };
    let user = accounts::sign_up(&t.db, input, t0()).await.expect("valid");
    assert_eq!(user.handle, "alex_rivera");
    assert_eq!(user.email, "alex@example.com");
    assert_eq!(user.roles().to_vec(), vec![Role::Athlete]);
    assert_eq!(user.subscription_tier, SubscriptionTier::Free);
    assert_eq!(user.created_at, t0());
    assert_eq!(user.get_version_of_id(), 7, "ids are UUIDv7");
    let found = directory::by_handle(&t.db, "ALEX_RIVERA")
        .await
        .expect("query");
    assert_eq!(found, Some(user));
}

trait Version {
    fn get_version_of_id(&self) -> usize;
}
impl Version for tessera_users::entity::user::Model {
    fn get_version_of_id(&self) -> usize {
        self.id.get_version_num()
    }
}

#[tokio::test]
async fn sign_up_names_each_invalid_or_taken_field() {
    let t = db().await;
    athlete(&t.db, "taken").await;
    let cases: Vec<(SignUp, &str)> = vec![
        (
            SignUp {
                handle: "x".into(),
                ..sign_up_input("case1")
            },
            "handle",
        ),
        (
            SignUp {
                handle: "taken".into(),
                ..sign_up_input("case2")
            },
            "handle",
        ),
        (
            SignUp {
                display_name: "  ".into(),
                ..sign_up_input("case3")
            },
            "displayName",
        ),
        (
            SignUp {
                email: "nope".into(),
                ..sign_up_input("case4")
            },
            "email",
        ),
        (
            SignUp {
                email: "TAKEN@example.com".into(),
                ..sign_up_input("case5")
            },
            "email",
        ),
        (
            SignUp {
                timezone: Some("Nowhere/City".into()),
                ..sign_up_input("case6")
            },
            "timezone",
        ),
        (
            SignUp {
                avatar_url: Some("http://x.com/a.png".into()),
                ..sign_up_input("case7")
            },
            "avatarUrl",
        ),
        (
            SignUp {
                role: Role::Admin,
                ..sign_up_input("case8")
            },
            "role",
        ),
    ];
    for (input, field) in cases {
        let err = accounts::sign_up(&t.db, input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
}

#[tokio::test]
async fn profiles_change_only_for_their_owner() {
    let t = db().await;
    let alex = athlete(&t.db, "alex").await;
    athlete(&t.db, "blair").await;
    let err = accounts::update_profile(&t.db, &Access::ANONYMOUS, ProfileUpdate::default(), t0())
        .await
        .expect_err("anonymous");
    assert!(matches!(err, ServiceError::Unauthenticated));

    let taken = ProfileUpdate {
        handle: Some("blair".into()),
        ..ProfileUpdate::default()
    };
    let err = accounts::update_profile(&t.db, &as_user(&alex), taken, t0())
        .await
        .expect_err("taken");
    assert_eq!(invalid_field(err), "handle");

    let later = t0() + Duration::hours(1);
    let change = ProfileUpdate {
        display_name: Some("Alex R.".into()),
        timezone: Some("Asia/Tokyo".into()),
        avatar_url: Some(Some("https://cdn.example.com/alex.png".into())),
        handle: Some("alex".into()),
    };
    let updated = accounts::update_profile(&t.db, &as_user(&alex), change, later)
        .await
        .expect("valid");
    assert_eq!(updated.display_name, "Alex R.");
    assert_eq!(updated.timezone, "Asia/Tokyo");
    assert_eq!(
        updated.avatar_url.as_deref(),
        Some("https://cdn.example.com/alex.png")
    );
    assert_eq!(updated.updated_at, later);
    assert_eq!(updated.created_at, t0());

    let clear = ProfileUpdate {
        avatar_url: Some(None),
        ..ProfileUpdate::default()
    };
    let cleared = accounts::update_profile(&t.db, &as_user(&updated), clear, later)
        .await
        .expect("valid");
    assert_eq!(cleared.avatar_url, None);
}

#[tokio::test]
async fn deletion_hides_at_once_and_purges_after_retention() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    link(&t.db, &carter, &alex).await;
    link(&t.db, &carter, &blair).await;

    let (deleted, receipt_token) =
        accounts::delete_account(&t.db, &as_user(&alex), t0(), Duration::days(30))
            .await
            .expect("deleted");
    assert_eq!(deleted.deleted_at, Some(t0()));
    // The erasure is announced with the deletion, and users' own part is confirmed.
    let receipt = tessera_users::service::erasure::by_token(&t.db, &receipt_token)
        .await
        .expect("reads")
        .expect("a receipt");
    assert_eq!(receipt.requested_at, t0());
    assert_eq!(
        receipt.pending,
        ["workouts", "notifications", "journal", "codex"]
    );
    assert_eq!(deleted.purge_after, Some(t0() + Duration::days(30)));

    // Hidden everywhere at once.
    assert_eq!(directory::by_id(&t.db, alex.id).await.expect("query"), None);
    assert_eq!(
        directory::by_handle(&t.db, "alex").await.expect("query"),
        None
    );
    let page = PageArgs::default().page().expect("valid");
    let all = directory::list(&t.db, &as_user(&carter), &UserFilter::default(), &page)
        .await
        .expect("list");
    assert!(all.iter().all(|u| u.id != alex.id));
    let coaches = coaching::coaches_of(&t.db, &[alex.id, blair.id])
        .await
        .expect("query");
    assert_eq!(coaches[&blair.id].len(), 1);
    // The deleted identity can no longer act.
    let access = Access::resolve(&t.db, tessera_kit::viewer::Viewer::user(alex.id))
        .await
        .expect("query");
    assert!(matches!(
        access.require(),
        Err(ServiceError::Unauthenticated)
    ));
    // Its handle stays reserved until the purge.
    let err = accounts::sign_up(&t.db, sign_up_input("alex"), t0())
        .await
        .expect_err("reserved");
    assert_eq!(invalid_field(err), "handle");

    // Not purged before the window ends…
    let purged = accounts::purge_deleted(&t.db, t0() + Duration::days(29))
        .await
        .expect("purge");
    assert_eq!(purged, 0);
    // …and gone for good, links included, after it.
    let purged = accounts::purge_deleted(&t.db, t0() + Duration::days(30))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    let links = coaching::links_of(&t.db, carter.id).await.expect("query");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].athlete_id, blair.id);
    // The link removed is announced as ended; the receipt token reads nothing more
    // (an administrator still reads the confirmations by id).
    let ended = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(CoachingUnlinked::KIND))
        .all(&t.db)
        .await
        .expect("reads");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].aggregate, alex.id.to_string());
    assert_eq!(
        tessera_users::service::erasure::by_token(&t.db, &receipt_token)
            .await
            .expect("reads"),
        None
    );
    let kept = tessera_users::service::erasure::of_user(&t.db, alex.id)
        .await
        .expect("reads")
        .expect("the confirmations stay");
    assert_eq!(kept.confirmed.len(), 1);
    accounts::sign_up(&t.db, sign_up_input("alex"), t0())
        .await
        .expect("handle free again");
}

#[tokio::test]
async fn listing_needs_a_caller_and_guards_private_filters() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let kim = coach(&t.db, "kim").await;
    let alex = athlete(&t.db, "alex").await;
    let ada = admin(&t.db, "ada_admin").await;
    link(&t.db, &carter, &alex).await;
    let page = PageArgs::default().page().expect("valid");

    let err = directory::list(&t.db, &Access::ANONYMOUS, &UserFilter::default(), &page)
        .await
        .expect_err("anonymous");
    assert!(matches!(err, ServiceError::Unauthenticated));

    let by_tier = UserFilter {
        subscription_tier: Some(SubscriptionTier::Free),
        ..UserFilter::default()
    };
    let err = directory::list(&t.db, &as_user(&alex), &by_tier, &page)
        .await
        .expect_err("tier");
    assert!(matches!(err, ServiceError::Forbidden(_)));
    let free = directory::list(&t.db, &as_user(&ada), &by_tier, &page)
        .await
        .expect("admin");
    assert_eq!(free.len(), 4);

    let of_carter = UserFilter {
        coach_id: Some(carter.id),
        ..UserFilter::default()
    };
    let err = directory::list(&t.db, &as_user(&kim), &of_carter, &page)
        .await
        .expect_err("other coach");
    assert!(matches!(err, ServiceError::Forbidden(_)));
    let mine = directory::list(&t.db, &as_user(&carter), &of_carter, &page)
        .await
        .expect("own");
    assert_eq!(mine.iter().map(|u| u.id).collect::<Vec<_>>(), vec![alex.id]);

    let coaches = UserFilter {
        role: Some(Role::Coach),
        ..UserFilter::default()
    };
    let found = directory::list(&t.db, &as_user(&alex), &coaches, &page)
        .await
        .expect("list");
    assert_eq!(
        found.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![carter.id, kim.id]
    );

    let search = UserFilter {
        search: Some("KI".into()),
        ..UserFilter::default()
    };
    let found = directory::list(&t.db, &as_user(&alex), &search, &page)
        .await
        .expect("list");
    assert_eq!(found.iter().map(|u| u.id).collect::<Vec<_>>(), vec![kim.id]);
    let wildcard = UserFilter {
        search: Some("%".into()),
        ..UserFilter::default()
    };
    let found = directory::list(&t.db, &as_user(&alex), &wildcard, &page)
        .await
        .expect("list");
    assert!(found.is_empty(), "LIKE wildcards in the search are literal");
}

#[tokio::test]
async fn pages_walk_forwards_and_backwards_without_gaps() {
    let t = db().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(athlete(&t.db, &format!("athlete{i}")).await.id);
    }
    let viewer = as_user(
        &directory::by_id(&t.db, ids[0])
            .await
            .expect("q")
            .expect("found"),
    );
    let filter = UserFilter::default();

    // Forwards, three at a time.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = PageArgs::forward(Some(3), after.clone())
            .page()
            .expect("valid");
        let rows = directory::list(&t.db, &viewer, &filter, &page)
            .await
            .expect("list");
        let paged = page.connection(rows, |u| u.id, |u| u.id);
        seen.extend(paged.edges.iter().map(|(_, id)| *id));
        assert_eq!(paged.page_info.has_previous_page, after.is_some());
        if !paged.page_info.has_next_page {
            break;
        }
        after = paged.page_info.end_cursor;
    }
    assert_eq!(seen, ids);

    // Backwards from the end.
    let last = PageArgs {
        last: Some(2),
        ..PageArgs::default()
    }
    .page()
    .expect("valid");
    let rows = directory::list(&t.db, &viewer, &filter, &last)
        .await
        .expect("list");
    let paged = last.connection(rows, |u| u.id, |u| u.id);
    assert_eq!(
        paged.edges.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        ids[5..].to_vec()
    );
    assert!(paged.page_info.has_previous_page);
    let before = PageArgs {
        last: Some(10),
        before: Some(encode(ids[2])),
        ..PageArgs::default()
    }
    .page()
    .expect("valid");
    let rows = directory::list(&t.db, &viewer, &filter, &before)
        .await
        .expect("list");
    let paged = before.connection(rows, |u| u.id, |u| u.id);
    assert_eq!(
        paged.edges.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    assert!(!paged.page_info.has_previous_page);

    // An empty page past the end, and a zero-size page.
    let past = PageArgs::forward(Some(3), Some(encode(ids[6])))
        .page()
        .expect("valid");
    let rows = directory::list(&t.db, &viewer, &filter, &past)
        .await
        .expect("list");
    assert!(rows.is_empty());
    let zero = PageArgs::forward(Some(0), None).page().expect("valid");
    let rows = directory::list(&t.db, &viewer, &filter, &zero)
        .await
        .expect("list");
    let paged = zero.connection(rows, |u| u.id, |u| u.id);
    assert!(paged.edges.is_empty());
    assert!(paged.page_info.has_next_page);
}

#[tokio::test]
async fn export_holds_exactly_the_callers_data() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let kim = coach(&t.db, "kim").await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    link(&t.db, &carter, &alex).await;
    link(&t.db, &kim, &alex).await;
    link(&t.db, &carter, &blair).await;

    let export = accounts::export(&t.db, &as_user(&alex), t0())
        .await
        .expect("export");
    assert_eq!(export.profile, alex);
    let mut coaches = vec![
        ExportedLink {
            user_id: carter.id,
            since: t0(),
        },
        ExportedLink {
            user_id: kim.id,
            since: t0(),
        },
    ];
    coaches.sort_by_key(|l| l.user_id);
    assert_eq!(export.coaches, coaches);
    assert!(export.athletes.is_empty());

    let export = accounts::export(&t.db, &as_user(&carter), t0())
        .await
        .expect("export");
    assert_eq!(export.profile, carter);
    assert_eq!(
        export
            .athletes
            .iter()
            .map(|l| l.user_id)
            .collect::<Vec<_>>(),
        vec![alex.id, blair.id]
    );
    let err = accounts::export(&t.db, &Access::ANONYMOUS, t0())
        .await
        .expect_err("anonymous");
    assert!(matches!(err, ServiceError::Unauthenticated));
}

#[tokio::test]
async fn private_fields_are_for_the_user_and_admins() {
    let t = db().await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    let ada = admin(&t.db, "ada_admin").await;
    assert!(as_user(&alex).check_private(&alex, "email").is_ok());
    assert!(as_user(&ada).check_private(&alex, "email").is_ok());
    assert!(matches!(
        as_user(&blair).check_private(&alex, "email"),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        Access::ANONYMOUS.check_private(&alex, "email"),
        Err(ServiceError::Unauthenticated)
    ));
}

#[tokio::test]
async fn only_coaches_can_be_linked_as_coaches() {
    let t = db().await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    let err = coaching::link(&t.db, alex.id, blair.id, t0())
        .await
        .expect_err("not a coach");
    assert_eq!(invalid_field(err), "coachId");
    let carter = coach(&t.db, "carter").await;
    coaching::link(&t.db, carter.id, alex.id, t0())
        .await
        .expect("linked");
    coaching::link(&t.db, carter.id, alex.id, t0())
        .await
        .expect("linking twice is a no-op");
    assert_eq!(
        coaching::links_of(&t.db, alex.id).await.expect("q").len(),
        1
    );
}

#[tokio::test]
async fn a_roster_is_the_coachs_active_athletes_oldest_link_first_and_bounded() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    use tessera_users::entity::{coach_athlete, user};
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let max = coaching::ROSTER_MAX;
    // ROSTER_MAX + 1 athletes, written straight into the table (signing up 501 people
    // one by one would only make the test slow).
    let athletes: Vec<user::Model> = (0..=max)
        .map(|i| user::Model {
            id: uuid::Uuid::now_v7(),
            handle: format!("athlete_{i}"),
            display_name: format!("Athlete {i}"),
            email: format!("athlete{i}@example.com"),
            roles: user::Roles::of(&[Role::Athlete]).0,
            subscription_tier: SubscriptionTier::Free,
            timezone: "UTC".to_owned(),
            avatar_url: None,
            created_at: t0(),
            updated_at: t0(),
            deleted_at: None,
            purge_after: None,
        })
        .collect();
    for chunk in athletes.chunks(50) {
        user::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&t.db)
        .await
        .expect("athletes");
    }
    // The first ROSTER_MAX linked, each a second after the one before, newest first in
    // insertion order so that the order of the roster is the links' and not the ids'.
    let at = |i: usize| t0() + Duration::seconds(i64::try_from(i).expect("small"));
    for i in (0..max).rev() {
        coaching::link(&t.db, carter.id, athletes[i].id, at(i))
            .await
            .expect("linked");
    }
    let roster = coaching::roster_of(&t.db, carter.id).await.expect("roster");
    assert_eq!(roster.len(), max);
    assert_eq!(roster[0], athletes[0].id, "oldest link first");
    assert_eq!(roster[max - 1], athletes[max - 1].id);

    // One more is refused, on the field that names them; linking again is still a no-op.
    let err = coaching::link(&t.db, carter.id, athletes[max].id, at(max))
        .await
        .expect_err("one too many");
    assert!(
        matches!(&err, ServiceError::Conflict { field: Some(f), message }
            if f == "athleteId" && message == "a coach coaches at most 500 athletes"),
        "{err:?}"
    );
    coaching::link(&t.db, carter.id, athletes[0].id, at(0))
        .await
        .expect("linking twice is a no-op, even at the bound");

    // A link made around the rule (before it, or by hand) does not make the token
    // longer: the newest link is left out.
    coach_athlete::ActiveModel {
        coach_id: Set(carter.id),
        athlete_id: Set(athletes[max].id),
        created_at: Set(at(max)),
    }
    .insert(&t.db)
    .await
    .expect("linked by hand");
    let roster = coaching::roster_of(&t.db, carter.id).await.expect("roster");
    assert_eq!(roster.len(), max);
    assert!(!roster.contains(&athletes[max].id));

    // A deleted athlete leaves the roster at once, which makes room for the newest.
    let mut gone: user::ActiveModel = athletes[3].clone().into();
    gone.deleted_at = Set(Some(t0()));
    gone.update(&t.db).await.expect("deleted");
    let roster = coaching::roster_of(&t.db, carter.id).await.expect("roster");
    assert_eq!(roster.len(), max);
    assert!(!roster.contains(&athletes[3].id));
    assert_eq!(roster.last(), Some(&athletes[max].id));

    // Unlinking says whether there was a link.
    assert!(
        coaching::unlink(&t.db, carter.id, athletes[0].id, chrono::Utc::now())
            .await
            .expect("unlinked")
    );
    assert!(
        !coaching::unlink(&t.db, carter.id, athletes[0].id, chrono::Utc::now())
            .await
            .expect("no link")
    );
    let roster = coaching::roster_of(&t.db, carter.id).await.expect("roster");
    assert_eq!(roster[0], athletes[1].id);
    // An athlete has no roster.
    assert_eq!(
        coaching::roster_of(&t.db, athletes[1].id)
            .await
            .expect("roster"),
        Vec::<uuid::Uuid>::new()
    );
}

#[tokio::test]
async fn a_retired_signing_key_stays_published_until_its_tokens_expire_then_goes() {
    use tessera_users::service::{key_encryption::KeyEncryption, keys::KeyRing};
    let t = db().await;
    let minutes = Duration::minutes;
    // Keys due at once: the second call makes a new key and retires the first.
    let kek = KeyEncryption::ephemeral();
    let rotating = KeyRing::new(t.db.clone(), Duration::zero(), minutes(15), kek.clone());
    let kids = |jwks: serde_json::Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    let first = kids(rotating.jwks(t0()).await.expect("a key"));
    assert_eq!(first.len(), 1);
    let both = kids(
        rotating
            .jwks(t0() + Duration::seconds(1))
            .await
            .expect("rotated"),
    );
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(
        both[1], first[0],
        "the newest first, the retired one still there"
    );

    let steady = KeyRing::new(t.db.clone(), Duration::days(30), minutes(15), kek);
    // Retired at t0+1s, published for the 15-minute token life plus a minute.
    let still = kids(steady.jwks(t0() + minutes(16)).await.expect("keys"));
    assert_eq!(still, both);
    let later = kids(steady.jwks(t0() + minutes(17)).await.expect("keys"));
    assert_eq!(later, [both[0].clone()], "the expired key is gone");
}

#[tokio::test]
async fn signing_keys_are_sealed_at_rest_and_sealed_again_under_a_new_kek() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    use tessera_users::{
        entity::signing_key,
        service::{key_encryption::KeyEncryption, keys::KeyRing},
    };
    let t = db().await;
    let minutes = Duration::minutes;
    let stored = |db: sea_orm::DatabaseConnection| async move {
        signing_key::Entity::find()
            .all(&db)
            .await
            .expect("rows")
            .into_iter()
            .map(|row| (row.kid, row.private_pem))
            .collect::<Vec<_>>()
    };
    let (old, new) = (
        KeyEncryption::generate_text(),
        KeyEncryption::generate_text(),
    );
    let old_kek = KeyEncryption::parse(&old).expect("parses");
    let ring = KeyRing::new(
        t.db.clone(),
        Duration::days(30),
        minutes(15),
        old_kek.clone(),
    );
    let key = ring.signing_key(t0()).await.expect("a key");

    // What the database holds opens nothing without the KEK.
    let rows = stored(t.db.clone()).await;
    assert_eq!(rows.len(), 1);
    let (kid, sealed) = &rows[0];
    assert_eq!(kid, key.kid());
    assert!(
        sealed.starts_with(&format!("sealed:v1:{}:", old_kek.sealing_id())),
        "{sealed}"
    );
    assert!(!sealed.contains("PRIVATE KEY"));
    assert!(!sealed.contains(&*key.to_pkcs8_pem()));

    // A ring without that KEK cannot sign, and says which KEK it lacks.
    let stranger = KeyRing::new(
        t.db.clone(),
        Duration::days(30),
        minutes(15),
        KeyEncryption::parse(&new).expect("parses"),
    );
    let err = stranger.signing_key(t0()).await.expect_err("cannot open");
    let ServiceError::Internal(sea_orm::DbErr::Custom(reason)) = err else {
        panic!("expected an internal error, got {err:?}");
    };
    assert_eq!(
        reason,
        format!(
            "signing key {kid} is sealed under key-encryption key {}, which is not among those configured ({})",
            old_kek.sealing_id(),
            KeyEncryption::parse(&new).expect("parses").sealing_id()
        )
    );

    // Rotated: the new KEK first, the old one second. The next load seals the key
    // again under the new one; the key itself is the same.
    let rotated = KeyEncryption::parse(&format!("{}\n{}", &*new, &*old)).expect("parses");
    let ring = KeyRing::new(
        t.db.clone(),
        Duration::days(30),
        minutes(15),
        rotated.clone(),
    );
    let same = ring.signing_key(t0()).await.expect("opens");
    assert_eq!(same.public_base64(), key.public_base64());
    let (_, resealed) = &stored(t.db.clone()).await[0];
    assert!(resealed.starts_with(&format!("sealed:v1:{}:", rotated.sealing_id())));
    let only_new = KeyEncryption::parse(&new).expect("parses");
    let ring = KeyRing::new(
        t.db.clone(),
        Duration::days(30),
        minutes(15),
        only_new.clone(),
    );
    assert_eq!(
        ring.signing_key(t0()).await.expect("opens").public_base64(),
        key.public_base64(),
        "the old KEK is no longer needed"
    );

    // A key stored in clear (a database from before sealing) is sealed on load.
    let legacy = tessera_identity::Ed25519Key::generate("legacy").expect("a key");
    signing_key::Entity::delete_many()
        .exec(&t.db)
        .await
        .expect("emptied");
    signing_key::Entity::insert(signing_key::ActiveModel {
        kid: Set("legacy".to_owned()),
        private_pem: Set(legacy.to_pkcs8_pem().to_string()),
        created_at: Set(t0()),
        retired_at: Set(None),
        expires_at: Set(None),
    })
    .exec_without_returning(&t.db)
    .await
    .expect("inserted");
    let ring = KeyRing::new(
        t.db.clone(),
        Duration::days(30),
        minutes(15),
        only_new.clone(),
    );
    let opened = ring.signing_key(t0()).await.expect("opens");
    assert_eq!(opened.public_base64(), legacy.public_base64());
    let (_, now_sealed) = &stored(t.db.clone()).await[0];
    assert!(now_sealed.starts_with(&format!("sealed:v1:{}:", only_new.sealing_id())));
}

#[tokio::test]
async fn links_made_before_events_existed_are_announced_once_by_the_migration() {
    use sea_orm_migration::MigratorTrait;
    let t = db().await;
    tessera_users::demo::seed(&t.db, t0())
        .await
        .expect("demo data");
    // As before events existed: links, and nothing announced.
    outbox::Entity::delete_many()
        .exec(&t.db)
        .await
        .expect("emptied");
    tessera_migrations::UsersMigrator::down(&t.db, Some(1))
        .await
        .expect("rolls back");
    tessera_migrations::UsersMigrator::up(&t.db, None)
        .await
        .expect("applies");
    let announced = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("coaching.linked"))
        .all(&t.db)
        .await
        .expect("reads");
    assert_eq!(announced.len(), 4, "the demo's four links");
    let event = tessera_kit::events::outbox::envelope_of(&announced[0]);
    let linked: tessera_kit::events::catalogue::CoachingLinked =
        event.decode().expect("a version 1 coaching.linked event");
    assert_eq!(event.aggregate, linked.athlete_id.to_string());
    assert_eq!(event.producer, "users");
}
