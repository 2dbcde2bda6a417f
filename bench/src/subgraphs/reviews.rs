//! `reviews`: what users say about products. Owns `Review`, extends `User` and
//! `Product` with their reviews, and `@provides` the author's username.

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};

use crate::data::{self, ReviewRow};

/// The `reviews` schema.
pub type ReviewsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the `reviews` schema.
pub fn schema() -> ReviewsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// `reviews` has no roots of its own, only entities.
pub struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_review_by_id(&self, id: ID) -> Option<Review> {
        data::review(&id).map(Review)
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> User {
        User { id: id.0 }
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Product {
        Product { upc }
    }
}

/// A review of a product by a user.
pub struct Review(&'static ReviewRow);

#[Object]
impl Review {
    /// Key.
    async fn id(&self) -> ID {
        ID(self.0.id.to_owned())
    }

    /// The text.
    async fn body(&self) -> Option<&'static str> {
        Some(self.0.body)
    }

    /// What it is about.
    async fn product(&self) -> Option<Product> {
        Some(Product {
            upc: self.0.product_upc.to_owned(),
        })
    }

    /// Who wrote it.
    #[graphql(provides = "username")]
    async fn author(&self) -> Option<User> {
        Some(User {
            id: self.0.author_id.to_owned(),
        })
    }
}

/// A user, as far as reviews know them.
pub struct User {
    id: String,
}

#[Object]
impl User {
    /// Key.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    /// Handle, owned by `accounts`; `reviews` keeps a copy to provide with
    /// `Review.author`.
    #[graphql(external)]
    async fn username(&self) -> Option<&'static str> {
        data::user(&self.id).map(|user| user.username)
    }

    /// What they wrote.
    async fn reviews(&self) -> Option<Vec<Option<Review>>> {
        Some(
            data::reviews_by(&self.id)
                .map(|row| Some(Review(row)))
                .collect(),
        )
    }
}

/// A product, as far as reviews know it.
pub struct Product {
    upc: String,
}

#[Object]
impl Product {
    /// Key.
    async fn upc(&self) -> &str {
        &self.upc
    }

    /// What users say about it.
    async fn reviews(&self) -> Option<Vec<Option<Review>>> {
        Some(
            data::reviews_of(&self.upc)
                .map(|row| Some(Review(row)))
                .collect(),
        )
    }
}
