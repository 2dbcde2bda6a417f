//! Input types.

use async_graphql::{ID, InputObject, MaybeUndefined, Result};

use crate::{
    entity::user::{Role, SubscriptionTier},
    graphql::context::uuid_arg,
    service::{
        accounts::{ProfileUpdate, SignUp},
        directory::UserFilter,
    },
};

/// Conditions on a user list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct UserFilterInput {
    /// Users holding this role.
    pub role: Option<Role>,
    /// Users on this plan (administrators only).
    pub subscription_tier: Option<SubscriptionTier>,
    /// Athletes of this coach (the coach themself and administrators only).
    pub coach_id: Option<ID>,
    /// Handle or display name starting with this text, in any letter case.
    pub search: Option<String>,
}

impl UserFilterInput {
    /// The service's filter.
    pub fn into_filter(self) -> Result<UserFilter> {
        Ok(UserFilter {
            role: self.role,
            subscription_tier: self.subscription_tier,
            coach_id: self
                .coach_id
                .as_ref()
                .map(|id| uuid_arg(id, "coachId"))
                .transpose()?,
            search: self.search,
        })
    }
}

/// A new account.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Wanted handle: 3–30 letters, digits or `_`, starting with a letter.
    pub handle: String,
    /// Name shown to others (1–80 characters).
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// IANA time zone such as `Europe/Berlin`; `UTC` when absent.
    pub timezone: Option<String>,
    /// `ATHLETE` (default) or `COACH`; other roles are granted by administrators.
    #[graphql(default_with = "Role::Athlete")]
    pub role: Role,
    /// Picture (an https URL).
    pub avatar_url: Option<String>,
    /// The password to sign in with (10–128 characters).
    pub password: String,
}

impl From<SignUpInput> for SignUp {
    fn from(input: SignUpInput) -> Self {
        SignUp {
            handle: input.handle,
            display_name: input.display_name,
            email: input.email,
            timezone: input.timezone,
            role: input.role,
            avatar_url: input.avatar_url,
        }
    }
}

/// Profile changes; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// New handle.
    pub handle: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// New picture; `null` removes it.
    pub avatar_url: MaybeUndefined<String>,
}

impl From<UpdateProfileInput> for ProfileUpdate {
    fn from(input: UpdateProfileInput) -> Self {
        ProfileUpdate {
            handle: input.handle,
            display_name: input.display_name,
            timezone: input.timezone,
            avatar_url: match input.avatar_url {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(url) => Some(Some(url)),
            },
        }
    }
}
