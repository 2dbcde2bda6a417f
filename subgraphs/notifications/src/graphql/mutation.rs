//! Root mutation fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    entity::kinds::{Channel, Platform},
    graphql::{
        context::{access, db, now, uuid_arg},
        inputs::{NotificationPreferenceInput, QuietHoursInput, SendNotificationInput},
        types::{
            Consent, Device, Notification, NotificationDataErasure, NotificationDataExport,
            NotificationPreference, QuietHours, SendNotificationResult,
        },
    },
    service::{inbox, privacy, sending, settings},
};

/// Root mutation type.
#[derive(Default)]
pub struct Mutation;

/// Sending, reading, and the caller's delivery settings and data (GDPR).
#[Object]
impl Mutation {
    /// Sends a notification: administrators to anyone (also system events of other
    /// subgraphs), coaches to their athletes who accept their messages. Retrying with the same
    /// `idempotencyKey` returns the first attempt's notifications and never sends twice.
    ///
    /// Needs the `notifications:send` scope (coaches and administrators).
    #[graphql(requires_scopes = "notifications:send")]
    async fn send_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to send to whom.")] input: SendNotificationInput,
    ) -> Result<SendNotificationResult> {
        let sent = sending::send(db(ctx), &access(ctx), input.into_send()?, now(ctx))
            .await
            .extend()?;
        Ok(SendNotificationResult {
            notifications: sent.notifications.into_iter().map(Notification).collect(),
            replayed: sent.replayed,
        })
    }

    /// Marks one of the caller's notifications read.
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification's id.")] id: ID,
    ) -> Result<Notification> {
        let id = uuid_arg(&id, "id")?;
        let row = inbox::mark_read(db(ctx), &access(ctx), id, now(ctx))
            .await
            .extend()?;
        Ok(Notification(row))
    }

    /// Marks every unread notification of the caller read; returns how many.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> Result<u64> {
        inbox::mark_all_read(db(ctx), &access(ctx), now(ctx))
            .await
            .extend()
    }

    /// Registers a device of the caller's for push messages.
    async fn register_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device's platform.")] platform: Platform,
        #[graphql(desc = "The push service's token for the device.")] token: String,
    ) -> Result<Device> {
        let row = settings::register_device(db(ctx), &access(ctx), platform, &token, now(ctx))
            .await
            .extend()?;
        Ok(row.into())
    }

    /// Removes one of the caller's devices; `false` when the token was not theirs.
    async fn unregister_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The push service's token for the device.")] token: String,
    ) -> Result<bool> {
        settings::unregister_device(db(ctx), &access(ctx), &token)
            .await
            .extend()
    }

    /// Sets some of the caller's preferences; returns the whole matrix.
    async fn update_notification_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The preferences to set; the others stay as they are.")] preferences: Vec<
            NotificationPreferenceInput,
        >,
    ) -> Result<Vec<NotificationPreference>> {
        let access = access(ctx);
        let me = access.require().extend()?;
        let changes: Vec<_> = preferences.into_iter().map(Into::into).collect();
        settings::update_preferences(db(ctx), &access, &changes, now(ctx))
            .await
            .extend()?;
        let mut all = settings::preferences_of(db(ctx), &[me]).await.extend()?;
        Ok(all
            .remove(&me)
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Sets the caller's quiet hours, or clears them with `null`. Push and SMS wait for
    /// their end.
    async fn set_quiet_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The quiet hours; `null` clears them.")] input: Option<QuietHoursInput>,
    ) -> Result<Option<QuietHours>> {
        let hours = input
            .as_ref()
            .map(|i| (i.start.as_str(), i.end.as_str(), i.timezone.as_str()));
        Ok(
            settings::set_quiet_hours(db(ctx), &access(ctx), hours, now(ctx))
                .await
                .extend()?
                .map(Into::into),
        )
    }

    /// Records the caller's consent to a channel, or its withdrawal, with the time.
    /// Email and SMS are delivered only with consent.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel.")] channel: Channel,
        #[graphql(desc = "Whether consent is given (`false` withdraws it).")] granted: bool,
    ) -> Result<Consent> {
        let row = settings::record_consent(db(ctx), &access(ctx), channel, granted, now(ctx))
            .await
            .extend()?;
        Ok(row.into())
    }

    /// Lets a coach send the caller messages, or stops them.
    async fn allow_coach_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The coach's user id.")] coach_id: ID,
        #[graphql(desc = "Whether their messages are accepted.")] allowed: bool,
    ) -> Result<bool> {
        let coach = uuid_arg(&coach_id, "coachId")?;
        settings::allow_coach(db(ctx), &access(ctx), coach, allowed, now(ctx))
            .await
            .extend()?;
        Ok(allowed)
    }

    /// Everything this domain holds about the caller, for download (GDPR data export).
    async fn export_my_notification_data(
        &self,
        ctx: &Context<'_>,
    ) -> Result<NotificationDataExport> {
        let export = privacy::export(db(ctx), &access(ctx), now(ctx))
            .await
            .extend()?;
        Ok(NotificationDataExport {
            exported_at: export.exported_at,
            notifications: export.notifications.into_iter().map(Notification).collect(),
            devices: export.devices.into_iter().map(Into::into).collect(),
            preferences: export
                .preferences
                .into_iter()
                .map(|p| NotificationPreference {
                    kind: p.kind,
                    channel: p.channel,
                    enabled: p.enabled,
                })
                .collect(),
            quiet_hours: export.quiet_hours.map(Into::into),
            consents: export.consents.into_iter().map(Into::into).collect(),
            coach_ids: export
                .coaches
                .into_iter()
                .map(|c| ID(c.to_string()))
                .collect(),
        })
    }

    /// Erases the caller's notification data (GDPR): notifications disappear from every
    /// query at once and are no longer delivered; devices, preferences, quiet hours,
    /// consents and coach contacts are removed. A record of the consents given and
    /// withdrawn stays, without name or id, for three years, as evidence the platform
    /// may need to answer a claim; any consent still standing is recorded as withdrawn.
    async fn delete_my_notification_data(
        &self,
        ctx: &Context<'_>,
    ) -> Result<NotificationDataErasure> {
        let erased = privacy::erase(db(ctx), &access(ctx), now(ctx))
            .await
            .extend()?;
        Ok(NotificationDataErasure {
            notifications: erased.notifications,
            devices: erased.devices,
            consent_records_kept: erased.consent_records_kept,
        })
    }
}
