//! `products`: the catalogue. Owns `Product`'s name, price and weight, and `topProducts`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

use crate::data::{self, ProductRow};

/// The `products` schema.
pub type ProductsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the `products` schema.
pub fn schema() -> ProductsSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// The roots `products` answers.
pub struct Query;

#[Object]
impl Query {
    /// The first products of the catalogue.
    async fn top_products(
        &self,
        #[graphql(default = 5, desc = "How many (at most).")] first: Option<i32>,
    ) -> Option<Vec<Option<Product>>> {
        let first = usize::try_from(first.unwrap_or(5)).unwrap_or(0);
        Some(
            data::PRODUCTS
                .iter()
                .take(first)
                .map(|row| Some(Product(row)))
                .collect(),
        )
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        data::product(&upc).map(Product)
    }
}

/// A product of the catalogue.
pub struct Product(&'static ProductRow);

#[Object]
impl Product {
    /// Key (universal product code).
    async fn upc(&self) -> &'static str {
        self.0.upc
    }

    /// Name.
    async fn name(&self) -> Option<&'static str> {
        Some(self.0.name)
    }

    /// Price in whole currency units.
    async fn price(&self) -> Option<i32> {
        Some(self.0.price)
    }

    /// Weight in kilograms.
    async fn weight(&self) -> Option<i32> {
        Some(self.0.weight)
    }
}
