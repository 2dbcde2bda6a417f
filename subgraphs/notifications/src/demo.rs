//! Demo inboxes for the demo cast of [`tessera_kit::demo`]: each athlete accepts their
//! coach's messages and has weeks of notifications — the plan assignment, workout
//! reminders, coach messages, a system note — older ones read, each delivered in-app;
//! Alex has an iPhone and quiet hours, Blair consented to email. Ids are fixed, inserts
//! skip existing rows: seeding twice changes nothing.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, sea_query::OnConflict};
use tessera_kit::{demo, error::ServiceError};
use uuid::Uuid;

use crate::entity::{
    coach_contact, consent, delivery, device,
    kinds::{Channel, DeliveryStatus, NotificationKind, Platform},
    notification, preference, quiet_hours,
};

const fn demo_id(kind: u8, n: u16) -> Uuid {
    let [hi, lo] = n.to_be_bytes();
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x03, 0x80, kind, 0, 0, 0, 0, hi, lo,
    ])
}

const ATHLETES: [(demo::DemoUser, demo::DemoUser, &str); 4] = [
    (demo::ATHLETE_ALEX, demo::COACH_CARTER, "Strength base"),
    (demo::ATHLETE_BLAIR, demo::COACH_CARTER, "Strength base"),
    (demo::ATHLETE_CASEY, demo::COACH_KIM, "Conditioning block"),
    (demo::ATHLETE_DREW, demo::COACH_KIM, "Conditioning block"),
];

/// Kind, sender, title, body, time of one demo notification.
type Item = (
    NotificationKind,
    Option<Uuid>,
    String,
    String,
    DateTime<Utc>,
);

/// Seeds the inboxes and settings.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(0);
    let start = now - Duration::days(31);
    let mut contacts = Vec::new();
    let mut notifications = Vec::new();
    let mut deliveries = Vec::new();
    let mut n = 0u16;
    for (athlete, coach, plan) in ATHLETES {
        contacts.push(coach_contact::Model {
            athlete_id: athlete.id,
            coach_id: coach.id,
            created_at: start,
        });
        let mut items: Vec<Item> = vec![(
            NotificationKind::PlanAssigned,
            Some(coach.id),
            format!("New plan: {plan}"),
            format!("Your coach assigned you “{plan}”. First session on Monday."),
            start + Duration::days(1),
        )];
        for week in 0..4 {
            let at = start + Duration::days(3 + 7 * week);
            items.push((
                NotificationKind::WorkoutReminder,
                None,
                "Training tomorrow".to_owned(),
                format!("Week {} of {plan} continues tomorrow morning.", week + 1),
                at,
            ));
            items.push((
                NotificationKind::CoachMessage,
                Some(coach.id),
                format!("Week {} check-in", week + 1),
                "How did the sessions feel? Tell me in your journal.".to_owned(),
                at + Duration::days(2),
            ));
        }
        items.push((
            NotificationKind::System,
            None,
            "Your data, your choice".to_owned(),
            "You can export or erase your data from the settings at any time.".to_owned(),
            now - Duration::hours(6),
        ));
        for (kind, sender, title, body, at) in items {
            n += 1;
            let id = demo_id(1, n);
            notifications.push(notification::Model {
                id,
                recipient_id: athlete.id,
                sender_id: sender.or(Some(demo::ADMIN.id)),
                kind,
                title,
                body,
                data: "{}".to_owned(),
                idempotency_key: format!("demo-{n}"),
                created_at: at,
                // Older than a week: read.
                read_at: (at < now - Duration::days(7)).then(|| at + Duration::hours(3)),
                deleted_at: None,
            });
            deliveries.push(delivery::Model {
                id: demo_id(2, n),
                notification_id: id,
                recipient_id: athlete.id,
                channel: Channel::InApp,
                status: DeliveryStatus::Delivered,
                attempts: 1,
                detail: None,
                not_before: at,
                updated_at: at,
            });
        }
    }

    notification::Entity::insert_many(
        notifications
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::column(notification::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    delivery::Entity::insert_many(
        deliveries
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::column(delivery::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    coach_contact::Entity::insert_many(
        contacts.into_iter().map(IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::columns([
            coach_contact::Column::AthleteId,
            coach_contact::Column::CoachId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    device::Entity::insert_many([
        device::Model {
            id: demo_id(3, 1),
            user_id: demo::ATHLETE_ALEX.id,
            platform: Platform::Ios,
            token: "demo-apns-token-alex".to_owned(),
            created_at: start,
        }
        .into_active_model(),
        device::Model {
            id: demo_id(3, 2),
            user_id: demo::ATHLETE_CASEY.id,
            platform: Platform::Android,
            token: "demo-fcm-token-casey".to_owned(),
            created_at: start,
        }
        .into_active_model(),
    ])
    .on_conflict(
        OnConflict::column(device::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    quiet_hours::Entity::insert(
        quiet_hours::Model {
            user_id: demo::ATHLETE_ALEX.id,
            start_minute: 22 * 60,
            end_minute: 7 * 60,
            timezone: "America/New_York".to_owned(),
            updated_at: start,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::column(quiet_hours::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    consent::Entity::insert(
        consent::Model {
            id: demo_id(4, 1),
            user_id: demo::ATHLETE_BLAIR.id,
            channel: Channel::Email,
            granted: true,
            recorded_at: start,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::column(consent::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    preference::Entity::insert(
        preference::Model {
            user_id: demo::ATHLETE_BLAIR.id,
            kind: NotificationKind::CoachMessage,
            channel: Channel::Email,
            enabled: true,
            updated_at: start,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::columns([
            preference::Column::UserId,
            preference::Column::Kind,
            preference::Column::Channel,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
