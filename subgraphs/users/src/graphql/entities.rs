//! Entity resolution: how the router turns `{ __typename: "User", id }` into a user.
//! A batch of representations becomes one statement through the users loader.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::graphql::{context::loaders, user::User};

/// `_entities` resolvers.
#[derive(Default)]
pub struct UserEntities;

#[Object]
impl UserEntities {
    /// `User` by its key `id`; `null` for unknown or deleted users.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        // A malformed key cannot name a user: resolve it to null like an unknown id.
        let Ok(id) = Uuid::parse_str(id.as_str()) else {
            return Ok(None);
        };
        Ok(loaders(ctx).users.load_one(id).await.extend()?.map(User))
    }
}
