//! Subscription roots on the platform's supergraph: the root fetch is a `subscription`
//! to the one subgraph owning the field; what other subgraphs add to each event is
//! planned as entity fetches after it, as for a query.

use super::plan;

/// A new notification with its sender's name: the subscription to notifications, then
/// users for each event's sender.
#[test]
fn a_subscription_root_then_entity_fetches_for_each_event() {
    let sg = super::platform();
    insta::assert_snapshot!(
        "notification_added_with_sender",
        plan(
            &sg,
            "subscription { notificationAdded { title sender { displayName } } }"
        )
    );
}

/// A coach's live activity, joined with each athlete's name from users.
#[test]
fn a_subscription_of_another_subgraph_joined_with_users() {
    let sg = super::platform();
    insta::assert_snapshot!(
        "athlete_activity_with_names",
        plan(
            &sg,
            "subscription { athleteActivity { kind athlete { displayName } workout { title } } }"
        )
    );
}
