//! The demo cast in the users domain: an admin, two coaches, four athletes and a
//! partner, with the ids of [`tessera_kit::demo`], each signing in as
//! `<handle>@demo.tessera.dev` with [`passwords::DEMO_PASSWORD`]. Seeding twice changes
//! nothing.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait, sea_query::OnConflict,
};
use tessera_kit::{demo, error::ServiceError};

use crate::{
    entity::{
        credential,
        user::{self, Role, Roles, SubscriptionTier},
    },
    service::{coaching, passwords},
};

struct Person {
    who: demo::DemoUser,
    name: &'static str,
    roles: &'static [Role],
    tier: SubscriptionTier,
    timezone: &'static str,
}

const CAST: [Person; 8] = [
    Person {
        who: demo::ADMIN,
        name: "Ada Admin",
        roles: &[Role::Admin],
        tier: SubscriptionTier::Pro,
        timezone: "Europe/London",
    },
    Person {
        who: demo::COACH_CARTER,
        name: "Coach Carter",
        roles: &[Role::Coach, Role::Athlete],
        tier: SubscriptionTier::Pro,
        timezone: "America/New_York",
    },
    Person {
        who: demo::COACH_KIM,
        name: "Coach Kim",
        roles: &[Role::Coach],
        tier: SubscriptionTier::Pro,
        timezone: "Asia/Seoul",
    },
    Person {
        who: demo::ATHLETE_ALEX,
        name: "Alex Rivera",
        roles: &[Role::Athlete],
        tier: SubscriptionTier::Premium,
        timezone: "America/New_York",
    },
    Person {
        who: demo::ATHLETE_BLAIR,
        name: "Blair Chen",
        roles: &[Role::Athlete],
        tier: SubscriptionTier::Free,
        timezone: "America/Chicago",
    },
    Person {
        who: demo::ATHLETE_CASEY,
        name: "Casey Novak",
        roles: &[Role::Athlete],
        tier: SubscriptionTier::Premium,
        timezone: "Europe/Berlin",
    },
    Person {
        who: demo::ATHLETE_DREW,
        name: "Drew Okafor",
        roles: &[Role::Athlete],
        tier: SubscriptionTier::Free,
        timezone: "Africa/Lagos",
    },
    Person {
        who: demo::PARTNER_PAT,
        name: "Pat Partner",
        roles: &[Role::Partner],
        tier: SubscriptionTier::Free,
        timezone: "UTC",
    },
];

/// Inserts the cast and their coach links if missing.
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(6);
    let rows = CAST.iter().map(|p| user::ActiveModel {
        id: Set(p.who.id),
        handle: Set(p.who.handle.to_owned()),
        display_name: Set(p.name.to_owned()),
        email: Set(format!("{}@demo.tessera.dev", p.who.handle)),
        roles: Set(Roles::of(p.roles).0),
        subscription_tier: Set(p.tier),
        timezone: Set(p.timezone.to_owned()),
        avatar_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        purge_after: Set(None),
    });
    user::Entity::insert_many(rows)
        .on_conflict(OnConflict::column(user::Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    // Everyone signs in with the documented demo password (hashed once, at build time).
    let credentials = CAST.iter().map(|p| credential::ActiveModel {
        user_id: Set(p.who.id),
        password_hash: Set(passwords::DEMO_PASSWORD_HASH.to_owned()),
        updated_at: Set(now),
    });
    credential::Entity::insert_many(credentials)
        .on_conflict(
            OnConflict::column(credential::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    for (coach, athlete) in [
        (demo::COACH_CARTER, demo::ATHLETE_ALEX),
        (demo::COACH_CARTER, demo::ATHLETE_BLAIR),
        (demo::COACH_KIM, demo::ATHLETE_CASEY),
        (demo::COACH_KIM, demo::ATHLETE_DREW),
    ] {
        coaching::link(db, coach.id, athlete.id, now).await?;
    }
    Ok(())
}
