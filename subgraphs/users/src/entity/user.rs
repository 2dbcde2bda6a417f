//! A person on the platform. Soft-deleted rows (`deleted_at` set) stay until
//! `purge_after`, invisible to every query, then the purge job removes them.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by sign-up time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lowercase, unique.
    pub handle: String,
    pub display_name: String,
    /// Lowercase, unique.
    pub email: String,
    /// A [`Roles`] bit set.
    pub roles: i32,
    pub subscription_tier: SubscriptionTier,
    /// IANA time zone name.
    pub timezone: String,
    pub avatar_url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub purge_after: Option<DateTimeUtc>,
}

impl Model {
    /// The roles this user holds.
    pub fn roles(&self) -> Roles {
        Roles(self.roles)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a user pays for; other domains gate premium features on it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SubscriptionTier {
    /// The free plan.
    #[sea_orm(string_value = "free")]
    Free,
    /// The paid plan for individuals: plans, stats and the full codex.
    #[sea_orm(string_value = "premium")]
    Premium,
    /// The paid plan for coaches with many athletes.
    #[sea_orm(string_value = "pro")]
    Pro,
}

/// A role a user holds; a user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum Role {
    /// Trains, logs workouts and keeps a journal.
    Athlete,
    /// Plans and follows the training of their athletes.
    Coach,
    /// Runs the platform; sees everything needed for support.
    Admin,
    /// A partner developer's account, limited to the partner API.
    Partner,
}

impl Role {
    /// Every role, in bit order.
    pub const ALL: [Role; 4] = [Role::Athlete, Role::Coach, Role::Admin, Role::Partner];

    /// The role's bit in [`Roles`].
    pub const fn bit(self) -> i32 {
        match self {
            Role::Athlete => 1,
            Role::Coach => 2,
            Role::Admin => 4,
            Role::Partner => 8,
        }
    }
}

/// A set of roles, stored as one integer column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles(pub i32);

impl Roles {
    /// The set holding exactly `roles`.
    pub fn of(roles: &[Role]) -> Self {
        Self(roles.iter().fold(0, |bits, r| bits | r.bit()))
    }

    /// Whether `role` is in the set.
    pub fn has(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// The roles in the set, in bit order.
    pub fn to_vec(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.has(*r)).collect()
    }
}
