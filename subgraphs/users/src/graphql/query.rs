//! Root query fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use tessera_kit::pagination::PageArgs;

use crate::{
    graphql::{
        context::{access, db, loaders, uuid_arg},
        inputs::UserFilterInput,
        user::{self, User, UserConnection},
    },
    service::directory,
};

/// Finding people.
#[derive(Default)]
pub struct UserQuery;

/// The root query type of the users subgraph.
#[Object]
impl UserQuery {
    /// The signed-in caller, or `null` when nobody is signed in.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(60), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(access(ctx).await?.viewer().cloned().map(User))
    }

    /// A user by id, or `null` when there is none (deleted accounts are gone at once).
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> Result<Option<User>> {
        let id = uuid_arg(&id, "id")?;
        Ok(loaders(ctx).users.load_one(id).await.extend()?.map(User))
    }

    /// A user by handle, in any letter case, or `null` when there is none.
    async fn user_by_handle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The handle, e.g. `alex`.")] handle: String,
    ) -> Result<Option<User>> {
        Ok(directory::by_handle(db(ctx), &handle)
            .await
            .extend()?
            .map(User))
    }

    /// Users in sign-up order, narrowed by `filter`. Signed-in callers only; at most 100
    /// per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(60), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every returned user meets.")] filter: Option<UserFilterInput>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<UserConnection> {
        let filter = filter
            .map(UserFilterInput::into_filter)
            .transpose()?
            .unwrap_or_default();
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        user::list(ctx, &filter, &page).await
    }
}
