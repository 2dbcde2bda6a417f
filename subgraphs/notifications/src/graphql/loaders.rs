//! The dataloaders: every list, count and entity batch resolves through one of these,
//! so a request costs the same number of statements for 2 users as for 50.

use std::collections::HashMap;

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    error::ServiceError,
    loader::{GroupedLoader, GroupedQuery},
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::{consent, delivery, device, kinds::Channel, notification, quiet_hours},
    service::{
        inbox,
        settings::{self, Preference},
    },
};

/// The loaders of this subgraph, shared by the whole schema.
pub struct Loaders {
    /// A page of each recipient's notifications.
    pub notification_pages: DataLoader<GroupedLoader<NotificationsOf>>,
    /// Each recipient's unread count.
    pub unread: DataLoader<GroupedLoader<UnreadOf>>,
    /// The deliveries of each notification.
    pub deliveries: DataLoader<GroupedLoader<DeliveriesOf>>,
    /// The delivery of a notification on one channel.
    pub delivery_on: DataLoader<GroupedLoader<DeliveryOn>>,
    /// Each user's devices.
    pub devices: DataLoader<GroupedLoader<DevicesOf>>,
    /// Each user's preference matrix.
    pub preferences: DataLoader<GroupedLoader<PreferencesOf>>,
    /// Each user's quiet hours.
    pub quiet_hours: DataLoader<GroupedLoader<QuietHoursOf>>,
    /// Each user's current consents.
    pub consents: DataLoader<GroupedLoader<ConsentsOf>>,
}

impl Loaders {
    /// Loaders over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            notification_pages: GroupedLoader::dataloader(db.clone()),
            unread: GroupedLoader::dataloader(db.clone()),
            deliveries: GroupedLoader::dataloader(db.clone()),
            delivery_on: GroupedLoader::dataloader(db.clone()),
            devices: GroupedLoader::dataloader(db.clone()),
            preferences: GroupedLoader::dataloader(db.clone()),
            quiet_hours: GroupedLoader::dataloader(db.clone()),
            consents: GroupedLoader::dataloader(db),
        }
    }
}

/// A page of recipients' notifications (unread only when the flag is set).
pub struct NotificationsOf;

impl GroupedQuery for NotificationsOf {
    type Args = (bool, Page);
    type Value = Vec<notification::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (unread_only, page): &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        inbox::of_recipients(db, parents, *unread_only, page).await
    }
}

/// Recipients' unread counts.
pub struct UnreadOf;

impl GroupedQuery for UnreadOf {
    type Args = ();
    type Value = i64;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, i64>, ServiceError> {
        inbox::unread_counts(db, parents).await
    }
}

/// Notifications' deliveries.
pub struct DeliveriesOf;

impl GroupedQuery for DeliveriesOf {
    type Args = ();
    type Value = Vec<delivery::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        inbox::deliveries_of(db, parents).await
    }
}

/// Notifications' delivery on one channel.
pub struct DeliveryOn;

impl GroupedQuery for DeliveryOn {
    type Args = Channel;
    type Value = delivery::Model;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        channel: &Channel,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        inbox::deliveries_on(db, parents, *channel).await
    }
}

/// Users' devices.
pub struct DevicesOf;

impl GroupedQuery for DevicesOf {
    type Args = ();
    type Value = Vec<device::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        settings::devices_of(db, parents).await
    }
}

/// Users' preference matrices.
pub struct PreferencesOf;

impl GroupedQuery for PreferencesOf {
    type Args = ();
    type Value = Vec<Preference>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        settings::preferences_of(db, parents).await
    }
}

/// Users' quiet hours.
pub struct QuietHoursOf;

impl GroupedQuery for QuietHoursOf {
    type Args = ();
    type Value = quiet_hours::Model;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        settings::quiet_hours_of(db, parents).await
    }
}

/// Users' current consents.
pub struct ConsentsOf;

impl GroupedQuery for ConsentsOf {
    type Args = ();
    type Value = Vec<consent::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        settings::consents_of(db, parents).await
    }
}
