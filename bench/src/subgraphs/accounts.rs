//! `accounts`: who the users are. Owns `User` and the user roots.

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};

use crate::data::{self, UserRow};

/// The `accounts` schema.
pub type AccountsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the `accounts` schema.
pub fn schema() -> AccountsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// The roots `accounts` answers.
pub struct Query;

#[Object]
impl Query {
    /// The signed-in user: the benchmark has no sign-in, so always the first one.
    async fn me(&self) -> Option<User> {
        data::USERS.first().map(User)
    }

    /// One user by id.
    async fn user(&self, id: ID) -> Option<User> {
        data::user(&id).map(User)
    }

    /// Every user.
    async fn users(&self) -> Option<Vec<Option<User>>> {
        Some(data::USERS.iter().map(|row| Some(User(row))).collect())
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        data::user(&id).map(User)
    }
}

/// A user of the shop.
pub struct User(&'static UserRow);

#[Object]
impl User {
    /// Key.
    async fn id(&self) -> ID {
        ID(self.0.id.to_owned())
    }

    /// Display name.
    async fn name(&self) -> Option<&'static str> {
        Some(self.0.name)
    }

    /// Handle.
    async fn username(&self) -> Option<&'static str> {
        Some(self.0.username)
    }

    /// Seconds since the epoch.
    async fn birthday(&self) -> Option<i32> {
        Some(self.0.birthday)
    }
}
