//! The notifications domain's rules at the service level, on SQLite, and on PostgreSQL
//! when `DATABASE_URL` is set (CI runs both).

mod common;

use std::sync::{Arc, Mutex};

use chrono::Duration;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tessera_kit::{error::ServiceError, pagination::PageArgs, purge::Retention};
use tessera_notifications::{
    demo,
    entity::{
        consent,
        consent_ledger::LedgerSource,
        delivery, device,
        kinds::{Channel, DeliveryStatus, NotificationKind, Platform},
        notification,
    },
    service::{
        delivery::{self as worker, ChannelProvider, Delivered, MAX_ATTEMPTS, Message, Providers},
        inbox, ledger, privacy, purge,
        sending::{self, Send},
        settings::{self, Preference},
    },
};

fn invalid_field(err: ServiceError) -> String {
    match err {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

async fn channels_of(t: &tessera_kit::testing::TestDb, n: &notification::Model) -> Vec<Channel> {
    inbox::deliveries_of(&t.db, &[n.id])
        .await
        .expect("deliveries")
        .remove(&n.id)
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.channel)
        .collect()
}

#[tokio::test]
async fn a_send_writes_the_outbox_for_the_channels_each_recipient_wants() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    // Blair wants system notices by email and SMS, but consented to email only.
    settings::update_preferences(
        &t.db,
        &blair.access(),
        &[
            Preference {
                kind: NotificationKind::System,
                channel: Channel::Email,
                enabled: true,
            },
            Preference {
                kind: NotificationKind::System,
                channel: Channel::Sms,
                enabled: true,
            },
            Preference {
                kind: NotificationKind::System,
                channel: Channel::Push,
                enabled: false,
            },
        ],
        t0(),
    )
    .await
    .expect("preferences");
    settings::record_consent(&t.db, &blair.access(), Channel::Email, true, t0())
        .await
        .expect("consent");
    settings::record_consent(&t.db, &blair.access(), Channel::Sms, true, t0())
        .await
        .expect("consent");
    settings::record_consent(&t.db, &blair.access(), Channel::Sms, false, t0())
        .await
        .expect("withdrawn");
    let sent = send(&t.db, &[&alex, &blair], "k1").await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].data, r#"{"screen":"home"}"#);
    assert_eq!(
        channels_of(&t, &sent[0]).await,
        vec![Channel::InApp, Channel::Push]
    );
    assert_eq!(
        channels_of(&t, &sent[1]).await,
        vec![Channel::InApp, Channel::Email]
    );
}

#[tokio::test]
async fn a_retried_send_never_creates_a_second_notification() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let first = sending::send(
        &t.db,
        &admin().access(),
        message(&[&alex, &blair], "retry-me"),
        t0(),
    )
    .await
    .expect("sent");
    assert!(!first.replayed);
    // Same sender identity: the key is the sender's.
    let sender = Person {
        id: first.notifications[0].sender_id.expect("sender"),
        ..admin()
    };
    let again = sending::send(
        &t.db,
        &sender.access(),
        message(&[&blair, &alex], "retry-me"),
        t0(),
    )
    .await
    .expect("replayed");
    assert!(again.replayed);
    assert_eq!(again.notifications, first.notifications);
    assert_eq!(
        notification::Entity::find()
            .count(&t.db)
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        delivery::Entity::find().count(&t.db).await.expect("count"),
        4
    );

    let reused = sending::send(&t.db, &sender.access(), message(&[&alex], "retry-me"), t0())
        .await
        .expect_err("other recipients");
    assert!(
        matches!(&reused, ServiceError::Conflict { field: Some(f), .. } if f == "idempotencyKey"),
        "{reused:?}"
    );
    // Another sender's key is another send.
    let other = sending::send(
        &t.db,
        &admin().access(),
        message(&[&alex], "retry-me"),
        t0(),
    )
    .await
    .expect("another sender");
    assert!(!other.replayed);
}

#[tokio::test]
async fn coaches_send_coaching_kinds_to_their_athletes_who_accept_them() {
    let t = db().await;
    let alex = athlete();
    let casey = athlete();
    let carter = coach().coaching(&[&alex]);
    let coach_message = |key: &str| Send {
        kind: NotificationKind::CoachMessage,
        ..message(&[&alex], key)
    };
    let err = sending::send(&t.db, &carter.access(), coach_message("c1"), t0())
        .await
        .expect_err("not accepted yet");
    assert!(
        matches!(&err, ServiceError::Forbidden(m) if m == "1 of the recipients do not accept messages from you"),
        "{err:?}"
    );
    settings::allow_coach(&t.db, &alex.access(), carter.id, true, t0())
        .await
        .expect("allowed");
    sending::send(&t.db, &carter.access(), coach_message("c2"), t0())
        .await
        .expect("accepted now");
    // Accepting a coach's messages does not make one their athlete: users' roster does.
    settings::allow_coach(&t.db, &casey.access(), carter.id, true, t0())
        .await
        .expect("allowed");
    let to_both = Send {
        kind: NotificationKind::CoachMessage,
        ..message(&[&alex, &casey], "c2b")
    };
    let err = sending::send(&t.db, &carter.access(), to_both, t0())
        .await
        .expect_err("Casey is not Carter's athlete");
    assert!(
        matches!(&err, ServiceError::Forbidden(m) if m == "1 of the recipients are not athletes you coach"),
        "{err:?}"
    );
    assert_eq!(
        notification::Entity::find()
            .filter(notification::Column::IdempotencyKey.eq("c2b"))
            .count(&t.db)
            .await
            .expect("count"),
        0,
        "nothing written"
    );
    let err = sending::send(&t.db, &carter.access(), message(&[&alex], "c3"), t0())
        .await
        .expect_err("system notices are not for coaches");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let err = sending::send(&t.db, &athlete().access(), message(&[&alex], "c4"), t0())
        .await
        .expect_err("athletes do not send");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    settings::allow_coach(&t.db, &alex.access(), carter.id, false, t0())
        .await
        .expect("revoked");
    let err = sending::send(&t.db, &carter.access(), coach_message("c5"), t0())
        .await
        .expect_err("revoked");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");

    for (input, field) in [
        (
            Send {
                title: "".into(),
                ..message(&[&alex], "v1")
            },
            "title",
        ),
        (
            Send {
                data: Some("[]".into()),
                ..message(&[&alex], "v2")
            },
            "data",
        ),
        (
            Send {
                idempotency_key: "".into(),
                ..message(&[&alex], "v3")
            },
            "idempotencyKey",
        ),
        (
            Send {
                recipient_ids: vec![],
                ..message(&[&alex], "v4")
            },
            "recipientIds",
        ),
    ] {
        let err = sending::send(&t.db, &admin().access(), input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
}

/// A push provider that records what it delivered, failing when told to.
struct FakePush {
    sent: Mutex<Vec<(String, Vec<String>)>>,
    fail: bool,
}

impl ChannelProvider for FakePush {
    fn channel(&self) -> Channel {
        Channel::Push
    }

    fn deliver<'a>(&'a self, message: &'a Message<'a>) -> Delivered<'a> {
        let result = if self.fail {
            Err("the push service said no".to_owned())
        } else {
            self.sent.lock().expect("lock").push((
                message.notification.title.clone(),
                message.devices.iter().map(|d| d.token.clone()).collect(),
            ));
            Ok(())
        };
        Box::pin(async move { result })
    }
}

async fn status(
    t: &tessera_kit::testing::TestDb,
    n: &notification::Model,
    channel: Channel,
) -> delivery::Model {
    inbox::deliveries_on(&t.db, &[n.id], channel)
        .await
        .expect("query")
        .remove(&n.id)
        .expect("a delivery on that channel")
}

#[tokio::test]
async fn the_worker_delivers_in_app_and_records_missing_providers_as_skipped() {
    let t = db().await;
    let alex = athlete();
    let sent = send(&t.db, &[&alex], "w1").await;
    let report = worker::deliver_due(&t.db, &Providers::default(), t0(), 100)
        .await
        .expect("runs");
    assert_eq!((report.delivered, report.skipped), (1, 1));
    let in_app = status(&t, &sent[0], Channel::InApp).await;
    assert_eq!(
        (in_app.status, in_app.attempts),
        (DeliveryStatus::Delivered, 1)
    );
    let push = status(&t, &sent[0], Channel::Push).await;
    assert_eq!(push.status, DeliveryStatus::Skipped);
    assert_eq!(
        push.detail.as_deref(),
        Some("no push provider is configured")
    );
    // Nothing is delivered twice.
    let again = worker::deliver_due(&t.db, &Providers::default(), t0(), 100)
        .await
        .expect("runs");
    assert_eq!(again, worker::Report::default());
}

#[tokio::test]
async fn push_goes_to_devices_waits_for_quiet_hours_and_retries_failures() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let casey = athlete();
    settings::register_device(&t.db, &alex.access(), Platform::Ios, "tok-alex", t0())
        .await
        .expect("device");
    settings::register_device(&t.db, &casey.access(), Platform::Web, "tok-casey", t0())
        .await
        .expect("device");
    // Casey sleeps now (t0 is 12:00 UTC): quiet 11:00–13:00 UTC.
    settings::set_quiet_hours(
        &t.db,
        &casey.access(),
        Some(("11:00", "13:00", "UTC")),
        t0(),
    )
    .await
    .expect("quiet hours");
    let push = Arc::new(FakePush {
        sent: Mutex::new(Vec::new()),
        fail: false,
    });
    let providers = Providers::default().with(push.clone());
    let sent = send(&t.db, &[&alex, &blair, &casey], "p1").await;
    worker::deliver_due(&t.db, &providers, t0(), 100)
        .await
        .expect("runs");
    assert_eq!(
        *push.sent.lock().expect("lock"),
        vec![("Hello".to_owned(), vec!["tok-alex".to_owned()])]
    );
    let blair_push = status(&t, &sent[1], Channel::Push).await;
    assert_eq!(
        (blair_push.status, blair_push.detail.as_deref()),
        (
            DeliveryStatus::Skipped,
            Some("the recipient has no registered device")
        )
    );
    let casey_push = status(&t, &sent[2], Channel::Push).await;
    assert_eq!(casey_push.status, DeliveryStatus::Pending);
    assert_eq!(casey_push.not_before, t0() + Duration::hours(1));
    assert_eq!(casey_push.attempts, 0, "waiting is not an attempt");
    // At 13:00 the quiet hours are over.
    worker::deliver_due(&t.db, &providers, t0() + Duration::hours(1), 100)
        .await
        .expect("runs");
    assert_eq!(
        status(&t, &sent[2], Channel::Push).await.status,
        DeliveryStatus::Delivered
    );

    // A failing provider: retried with back-off, then failed.
    let failing = Providers::default().with(Arc::new(FakePush {
        sent: Mutex::new(Vec::new()),
        fail: true,
    }));
    let later = send(&t.db, &[&alex], "p2").await;
    let mut clock = t0();
    for attempt in 1..=MAX_ATTEMPTS {
        worker::deliver_due(&t.db, &failing, clock, 100)
            .await
            .expect("runs");
        let d = status(&t, &later[0], Channel::Push).await;
        assert_eq!(d.attempts, attempt);
        if attempt < MAX_ATTEMPTS {
            assert_eq!(d.status, DeliveryStatus::Pending);
            assert!(d.not_before > clock, "backs off");
            assert_eq!(
                d.detail.as_deref(),
                Some("retrying: the push service said no")
            );
            clock = d.not_before;
        } else {
            assert_eq!(d.status, DeliveryStatus::Failed);
        }
    }
}

#[tokio::test]
async fn inbox_pages_counts_and_marks_read_in_batches() {
    let t = db().await;
    let people: Vec<Person> = (0..3).map(|_| athlete()).collect();
    for i in 0..3 {
        let refs: Vec<&Person> = people.iter().collect();
        send(&t.db, &refs, &format!("batch-{i}")).await;
    }
    let ids: Vec<_> = people.iter().map(|p| p.id).collect();
    t.reset_statements();
    let counts = inbox::unread_counts(&t.db, &ids).await.expect("counts");
    assert_eq!(t.statements(), 1);
    assert!(ids.iter().all(|id| counts[id] == 3));
    let first = inbox::of_recipients(
        &t.db,
        &ids,
        false,
        &PageArgs::forward(Some(2), None).page().expect("page"),
    )
    .await
    .expect("pages");
    assert!(ids.iter().all(|id| first[id].len() == 3), "2 and one more");

    let one = first[&people[0].id][0].id;
    let read = inbox::mark_read(&t.db, &people[0].access(), one, t0())
        .await
        .expect("read");
    assert_eq!(read.read_at, Some(t0()));
    let err = inbox::mark_read(&t.db, &people[1].access(), one, t0())
        .await
        .expect_err("not theirs");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
    let unread = inbox::of_recipients(
        &t.db,
        &[people[0].id],
        true,
        &PageArgs::default().page().expect("page"),
    )
    .await
    .expect("unread");
    assert_eq!(unread[&people[0].id].len(), 2);
    assert_eq!(
        inbox::mark_all_read(&t.db, &people[0].access(), t0())
            .await
            .expect("all"),
        2
    );
    let counts = inbox::unread_counts(&t.db, &ids).await.expect("counts");
    assert_eq!(counts.get(&people[0].id), None);
    assert_eq!(counts[&people[1].id], 3);
}

#[tokio::test]
async fn settings_have_defaults_history_and_checks() {
    let t = db().await;
    let alex = athlete();
    let matrix = settings::preferences_of(&t.db, &[alex.id])
        .await
        .expect("matrix");
    let on: Vec<Channel> = matrix[&alex.id]
        .iter()
        .filter(|p| p.kind == NotificationKind::CoachMessage && p.enabled)
        .map(|p| p.channel)
        .collect();
    assert_eq!(on, vec![Channel::InApp, Channel::Push]);
    assert_eq!(
        matrix[&alex.id].len(),
        NotificationKind::ALL.len() * Channel::ALL.len()
    );

    settings::record_consent(&t.db, &alex.access(), Channel::Email, true, t0())
        .await
        .expect("granted");
    settings::record_consent(
        &t.db,
        &alex.access(),
        Channel::Email,
        false,
        t0() + Duration::hours(1),
    )
    .await
    .expect("withdrawn");
    let consents = settings::consents_of(&t.db, &[alex.id])
        .await
        .expect("consents");
    let current: Vec<(Channel, bool)> = consents[&alex.id]
        .iter()
        .map(|c| (c.channel, c.granted))
        .collect();
    assert_eq!(current, vec![(Channel::Email, false)]);
    assert_eq!(consents[&alex.id][0].recorded_at, t0() + Duration::hours(1));

    for (hours, field) in [
        (("25:00", "07:00", "UTC"), "start"),
        (("22:00", "7:00", "UTC"), "end"),
        (("22:00", "22:00", "UTC"), "end"),
        (("22:00", "07:00", "Nowhere/Land"), "timezone"),
    ] {
        let err = settings::set_quiet_hours(&t.db, &alex.access(), Some(hours), t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
    let set = settings::set_quiet_hours(
        &t.db,
        &alex.access(),
        Some(("22:30", "06:45", "Europe/Berlin")),
        t0(),
    )
    .await
    .expect("valid")
    .expect("set");
    assert_eq!(
        (set.start_minute, set.end_minute),
        (22 * 60 + 30, 6 * 60 + 45)
    );
    assert_eq!(
        settings::set_quiet_hours(&t.db, &alex.access(), None, t0())
            .await
            .expect("cleared"),
        None
    );

    // A token moves to whoever registers it last.
    let blair = athlete();
    settings::register_device(
        &t.db,
        &alex.access(),
        Platform::Android,
        "shared-token",
        t0(),
    )
    .await
    .expect("alex");
    let moved = settings::register_device(
        &t.db,
        &blair.access(),
        Platform::Android,
        "shared-token",
        t0(),
    )
    .await
    .expect("blair");
    assert_eq!(moved.user_id, blair.id);
    assert_eq!(device::Entity::find().count(&t.db).await.expect("count"), 1);
    assert!(
        !settings::unregister_device(&t.db, &alex.access(), "shared-token")
            .await
            .expect("not alex's")
    );
    assert!(
        settings::unregister_device(&t.db, &blair.access(), "shared-token")
            .await
            .expect("blair's")
    );
}

#[tokio::test]
async fn erasure_hides_notifications_and_stops_their_delivery() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    settings::register_device(&t.db, &alex.access(), Platform::Ios, "tok", t0())
        .await
        .expect("device");
    settings::record_consent(&t.db, &alex.access(), Channel::Email, true, t0())
        .await
        .expect("consent");
    let sent = send(&t.db, &[&alex, &blair], "e1").await;
    let export = privacy::export(&t.db, &alex.access(), t0())
        .await
        .expect("export");
    assert_eq!(export.notifications.len(), 1);
    assert_eq!(export.devices.len(), 1);
    assert_eq!(export.consents.len(), 1);

    let erased = privacy::erase(&t.db, &alex.access(), t0())
        .await
        .expect("erase");
    assert_eq!(
        erased,
        privacy::Erased {
            notifications: 1,
            devices: 1,
            consent_records_kept: 2,
        }
    );
    let after = privacy::export(&t.db, &alex.access(), t0())
        .await
        .expect("export");
    assert!(
        after.notifications.is_empty() && after.devices.is_empty() && after.consents.is_empty()
    );
    assert_eq!(
        inbox::by_id(&t.db, &alex.access(), sent[0].id)
            .await
            .expect("query"),
        None
    );
    worker::deliver_due(&t.db, &Providers::default(), t0(), 100)
        .await
        .expect("runs");
    let in_app = status(&t, &sent[0], Channel::InApp).await;
    assert_eq!(
        (in_app.status, in_app.detail.as_deref()),
        (
            DeliveryStatus::Skipped,
            Some("the notification no longer exists")
        )
    );
    assert_eq!(
        status(&t, &sent[1], Channel::InApp).await.status,
        DeliveryStatus::Delivered
    );
}

#[tokio::test]
async fn erasure_keeps_a_pseudonymised_consent_ledger_for_three_years() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let hour = Duration::hours(1);
    for (who, channel, granted, at) in [
        (&alex, Channel::Email, true, t0()),
        (&alex, Channel::Sms, true, t0() + hour),
        (&alex, Channel::Sms, false, t0() + hour * 2),
        (&blair, Channel::Email, true, t0()),
    ] {
        settings::record_consent(&t.db, &who.access(), channel, granted, at)
            .await
            .expect("consent");
    }
    let erased_at = t0() + Duration::days(10);
    let erased = privacy::erase(&t.db, &alex.access(), erased_at)
        .await
        .expect("erase");
    assert_eq!(erased.consent_records_kept, 4);

    // The consent records themselves are gone with the rest of Alex's data …
    assert_eq!(
        consent::Entity::find()
            .filter(consent::Column::UserId.eq(alex.id))
            .count(&t.db)
            .await
            .expect("count"),
        0
    );
    assert!(
        privacy::export(&t.db, &alex.access(), erased_at)
            .await
            .expect("export")
            .consents
            .is_empty()
    );
    // … and Blair's are untouched.
    assert_eq!(
        settings::consents_of(&t.db, &[blair.id]).await.expect("q")[&blair.id].len(),
        1
    );

    // What the ledger keeps: the history, and the email consent that still stood
    // withdrawn by the erasure; no id, only its hash; each row due in three years.
    let ledger = ledger::evidence_of(&t.db, alex.id).await.expect("evidence");
    let kept: Vec<(Channel, bool, LedgerSource, chrono::DateTime<chrono::Utc>)> = ledger
        .iter()
        .map(|r| (r.channel, r.granted, r.source, r.recorded_at))
        .collect();
    assert_eq!(
        kept,
        vec![
            (Channel::Email, true, LedgerSource::Person, t0()),
            (Channel::Sms, true, LedgerSource::Person, t0() + hour),
            (Channel::Sms, false, LedgerSource::Person, t0() + hour * 2),
            (Channel::Email, false, LedgerSource::Erasure, erased_at),
        ]
    );
    let due = erased_at + Duration::days(ledger::RETENTION_DAYS);
    assert!(ledger.iter().all(|r| r.retain_until == due));
    assert!(
        ledger
            .iter()
            .all(|r| r.subject_hash == ledger::subject_hash(alex.id)
                && !r.subject_hash.contains(&alex.id.simple().to_string()))
    );
    assert!(
        ledger::evidence_of(&t.db, blair.id)
            .await
            .expect("evidence")
            .is_empty(),
        "only an erasure writes to the ledger"
    );
    // Erasing again finds nothing more to keep.
    let again = privacy::erase(&t.db, &alex.access(), erased_at + hour)
        .await
        .expect("erase");
    assert_eq!(again.consent_records_kept, 0);

    // Not a second before the three years are up; then all of it.
    assert_eq!(
        ledger::purge_expired(&t.db, due - Duration::seconds(1))
            .await
            .expect("purge"),
        0
    );
    assert_eq!(ledger::purge_expired(&t.db, due).await.expect("purge"), 4);
    assert!(
        ledger::evidence_of(&t.db, alex.id)
            .await
            .expect("evidence")
            .is_empty()
    );
}

#[tokio::test]
async fn erased_notifications_are_purged_after_retention_with_their_deliveries() {
    let t = db().await;
    let retention = Retention::default();
    let alex = athlete();
    let blair = athlete();
    let sent = send(&t.db, &[&alex, &blair], "p1").await;
    let deliveries_of = |n: &notification::Model| {
        delivery::Entity::find()
            .filter(delivery::Column::NotificationId.eq(n.id))
            .count(&t.db)
    };
    let blair_deliveries = deliveries_of(&sent[1]).await.expect("count");
    assert!(deliveries_of(&sent[0]).await.expect("count") > 0 && blair_deliveries > 0);
    privacy::erase(&t.db, &alex.access(), t0())
        .await
        .expect("erase");

    let early = purge::purge_deleted(
        &t.db,
        &retention,
        t0() + Duration::days(30) - Duration::seconds(1),
    )
    .await
    .expect("purge");
    assert_eq!(early, 0);
    assert_eq!(
        notification::Entity::find()
            .count(&t.db)
            .await
            .expect("count"),
        2
    );

    let purged = purge::purge_deleted(&t.db, &retention, t0() + Duration::days(30))
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    let left = notification::Entity::find()
        .all(&t.db)
        .await
        .expect("notifications");
    assert_eq!(left, [sent[1].clone()], "Blair's notification, unchanged");
    assert_eq!(deliveries_of(&sent[0]).await.expect("count"), 0);
    assert_eq!(
        delivery::Entity::find().count(&t.db).await.expect("count"),
        blair_deliveries,
        "only Blair's deliveries are left"
    );
}

#[tokio::test]
async fn demo_inboxes_seed_idempotently() {
    let t = db().await;
    demo::seed(&t.db, t0()).await.expect("seeds");
    let count = notification::Entity::find()
        .count(&t.db)
        .await
        .expect("count");
    assert_eq!(count, 4 * 10);
    demo::seed(&t.db, t0() + Duration::days(1))
        .await
        .expect("again");
    assert_eq!(
        notification::Entity::find()
            .count(&t.db)
            .await
            .expect("count"),
        count
    );
    let alex = tessera_kit::demo::ATHLETE_ALEX.id;
    let unread = inbox::unread_counts(&t.db, &[alex]).await.expect("counts");
    assert!(unread[&alex] > 0 && unread[&alex] < 10, "{unread:?}");
    // Coach Carter (who coaches Alex in the users demo) may message Alex in the demo.
    let alex_person = Person {
        id: alex,
        ..athlete()
    };
    let carter = Person {
        id: tessera_kit::demo::COACH_CARTER.id,
        ..coach()
    }
    .coaching(&[&alex_person]);
    sending::send(
        &t.db,
        &carter.access(),
        Send {
            kind: NotificationKind::CoachMessage,
            ..message(&[&alex_person], "demo-check")
        },
        t0(),
    )
    .await
    .expect("demo contacts exist");
}
