//! `inventory`: stock and shipping. Extends `Product` with `inStock` and a
//! `shippingEstimate` that `@requires` the price and weight `products` owns.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

use crate::data::{self, StockRow};

/// The `inventory` schema.
pub type InventorySchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the `inventory` schema.
pub fn schema() -> InventorySchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

/// `inventory` has no roots of its own, only entities.
pub struct Query;

#[Object]
impl Query {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        weight: Option<i32>,
    ) -> Option<Product> {
        let stock = data::stock(&upc)?;
        Some(Product {
            stock,
            price,
            weight,
        })
    }
}

/// A product as the warehouse sees it: its stock, and the price and weight the router
/// brought along from `products`.
pub struct Product {
    stock: &'static StockRow,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object]
impl Product {
    /// Key.
    async fn upc(&self) -> &'static str {
        self.stock.upc
    }

    /// Price, owned by `products`.
    #[graphql(external)]
    async fn price(&self) -> Option<i32> {
        self.price
    }

    /// Weight, owned by `products`.
    #[graphql(external)]
    async fn weight(&self) -> Option<i32> {
        self.weight
    }

    /// Whether it can be ordered now.
    async fn in_stock(&self) -> Option<bool> {
        Some(self.stock.in_stock)
    }

    /// What shipping costs, from the price and weight.
    #[graphql(requires = "price weight")]
    async fn shipping_estimate(&self) -> Option<i32> {
        Some(data::shipping_estimate(self.price?, self.weight?))
    }
}
