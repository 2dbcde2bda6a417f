//! Finding users. Soft-deleted users are invisible here, and so everywhere.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
};
use tessera_kit::{error::ServiceError, pagination::Page};
use uuid::Uuid;

use crate::{
    entity::{
        coach_athlete,
        user::{self, Role, SubscriptionTier},
    },
    service::access::Access,
};

/// Longest search term accepted.
pub const SEARCH_MAX: usize = 64;

/// Rows that are not soft-deleted.
pub fn active() -> Condition {
    Condition::all().add(user::Column::DeletedAt.is_null())
}

/// An active user by id.
pub async fn by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<user::Model>, ServiceError> {
    Ok(user::Entity::find_by_id(id)
        .filter(active())
        .one(db)
        .await?)
}

/// An active user by handle (any case).
pub async fn by_handle(
    db: &impl ConnectionTrait,
    handle: &str,
) -> Result<Option<user::Model>, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::Handle.eq(handle.trim().to_lowercase()))
        .filter(active())
        .one(db)
        .await?)
}

/// Narrows the user list; every given filter must hold.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Users holding this role.
    pub role: Option<Role>,
    /// Users on this tier (administrators only: tiers are private).
    pub subscription_tier: Option<SubscriptionTier>,
    /// Athletes of this coach.
    pub coach_id: Option<Uuid>,
    /// Handle or display name starting with this text, any case.
    pub search: Option<String>,
}

/// A page of active users matching `filter`, in sign-up order. Signed-in callers only;
/// filtering by the private subscription tier, or by a coach other than the caller, is
/// for administrators.
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &UserFilter,
    page: &Page,
) -> Result<Vec<user::Model>, ServiceError> {
    access.require()?;
    let mut select = user::Entity::find().filter(active());
    if let Some(role) = filter.role {
        select = select.filter(Expr::col(user::Column::Roles).bit_and(role.bit()).ne(0));
    }
    if let Some(tier) = filter.subscription_tier {
        if !access.is_admin() {
            return Err(ServiceError::Forbidden(
                "only administrators may filter users by subscription tier".to_owned(),
            ));
        }
        select = select.filter(user::Column::SubscriptionTier.eq(tier));
    }
    if let Some(coach_id) = filter.coach_id {
        if !(access.is(coach_id) || access.is_admin()) {
            return Err(ServiceError::Forbidden(
                "only the coach and administrators may list a coach's athletes".to_owned(),
            ));
        }
        select = select.filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(coach_athlete::Column::AthleteId)
                    .from(coach_athlete::Entity)
                    .and_where(coach_athlete::Column::CoachId.eq(coach_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() > SEARCH_MAX {
            return Err(ServiceError::invalid(
                "search",
                format!("search must be at most {SEARCH_MAX} characters long"),
            ));
        }
        let pattern = format!("{}%", escape_like(&search.to_lowercase()));
        select = select.filter(
            Condition::any()
                .add(
                    Expr::col(user::Column::Handle)
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                        .like(LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    Ok(page.apply(select, user::Column::Id).all(db).await?)
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::escape_like("a_b%c\\"), "a\\_b\\%c\\\\");
    }
}
