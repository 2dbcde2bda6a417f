//! Every migrator applies, rolls back and re-applies cleanly on SQLite and (with
//! `DATABASE_URL`) PostgreSQL.

use sea_orm_migration::{MigratorTrait, SchemaManager};
use tessera_kit::testing::{Backend, fresh_db};
use tessera_migrations::{
    CodexMigrator, JournalMigrator, NotificationsMigrator, UsersMigrator, WorkoutsMigrator,
};

#[tokio::test]
async fn users_migrations_go_up_down_and_up_again() {
    let t = fresh_db::<UsersMigrator>().await;
    let manager = SchemaManager::new(&t.db);
    for table in ["users", "coach_athletes"] {
        assert!(
            manager.has_table(table).await.expect("query"),
            "{table} exists"
        );
    }
    assert!(
        manager
            .has_index("users", "users_handle_key")
            .await
            .expect("query")
    );
    assert!(
        manager
            .has_index("users", "users_email_key")
            .await
            .expect("query")
    );
    assert!(
        UsersMigrator::get_pending_migrations(&t.db)
            .await
            .expect("query")
            .is_empty()
    );

    UsersMigrator::down(&t.db, None).await.expect("rolls back");
    assert!(!manager.has_table("users").await.expect("query"));
    UsersMigrator::up(&t.db, None).await.expect("re-applies");
    assert!(manager.has_table("users").await.expect("query"));
}

#[tokio::test]
async fn workouts_migrations_go_up_down_and_up_again() {
    let t = fresh_db::<WorkoutsMigrator>().await;
    let manager = SchemaManager::new(&t.db);
    let tables = [
        "exercises",
        "workout_plans",
        "plan_targets",
        "plan_assignments",
        "workouts",
        "workout_sets",
    ];
    for table in tables {
        assert!(
            manager.has_table(table).await.expect("query"),
            "{table} exists"
        );
    }
    for (table, index) in [
        ("exercises", "exercises_slug_key"),
        ("plan_assignments", "plan_assignments_plan_athlete_key"),
        ("plan_assignments", "plan_assignments_coach_idx"),
        ("workouts", "workouts_athlete_idx"),
        ("workout_sets", "workout_sets_workout_idx"),
    ] {
        assert!(
            manager.has_index(table, index).await.expect("query"),
            "{index} exists"
        );
    }
    assert!(
        WorkoutsMigrator::get_pending_migrations(&t.db)
            .await
            .expect("query")
            .is_empty()
    );

    WorkoutsMigrator::down(&t.db, None)
        .await
        .expect("rolls back");
    for table in tables {
        assert!(
            !manager.has_table(table).await.expect("query"),
            "{table} is gone"
        );
    }
    WorkoutsMigrator::up(&t.db, None).await.expect("re-applies");
    assert!(manager.has_table("workout_sets").await.expect("query"));
}

#[tokio::test]
async fn domains_keep_separate_histories_in_one_database() {
    // The embedded default may put several domains in one file: their bookkeeping
    // tables differ, so migrating one never touches the other's history.
    let t = fresh_db::<UsersMigrator>().await;
    WorkoutsMigrator::up(&t.db, None).await.expect("applies");
    let manager = SchemaManager::new(&t.db);
    assert!(
        manager
            .has_table("seaql_migrations_users")
            .await
            .expect("query")
    );
    assert!(
        manager
            .has_table("seaql_migrations_workouts")
            .await
            .expect("query")
    );
    WorkoutsMigrator::down(&t.db, None)
        .await
        .expect("rolls back");
    assert!(manager.has_table("users").await.expect("query"));
    // The event tables both domains shared stay for users; its own rollback drops them.
    assert!(manager.has_table("event_outbox").await.expect("query"));
    UsersMigrator::down(&t.db, None).await.expect("rolls back");
    assert!(!manager.has_table("event_outbox").await.expect("query"));
}

#[tokio::test]
async fn journal_migrations_go_up_down_and_up_again() {
    let t = fresh_db::<JournalMigrator>().await;
    let manager = SchemaManager::new(&t.db);
    assert!(manager.has_table("journal_entries").await.expect("query"));
    for index in ["journal_entries_author_idx", "journal_entries_coach_idx"] {
        assert!(
            manager
                .has_index("journal_entries", index)
                .await
                .expect("query"),
            "{index} exists"
        );
    }
    JournalMigrator::down(&t.db, None)
        .await
        .expect("rolls back");
    assert!(!manager.has_table("journal_entries").await.expect("query"));
    JournalMigrator::up(&t.db, None).await.expect("re-applies");
    assert!(manager.has_table("journal_entries").await.expect("query"));
}

#[tokio::test]
async fn notifications_migrations_go_up_down_and_up_again() {
    let t = fresh_db::<NotificationsMigrator>().await;
    let manager = SchemaManager::new(&t.db);
    let tables = [
        "notifications",
        "deliveries",
        "devices",
        "notification_preferences",
        "quiet_hours",
        "consents",
        "coach_contacts",
        "consent_ledger",
    ];
    for table in tables {
        assert!(
            manager.has_table(table).await.expect("query"),
            "{table} exists"
        );
    }
    for (table, index) in [
        ("notifications", "notifications_idempotency_key"),
        ("deliveries", "deliveries_notification_channel_key"),
        ("deliveries", "deliveries_due_idx"),
        ("devices", "devices_token_key"),
        ("consent_ledger", "consent_ledger_subject_idx"),
        ("consent_ledger", "consent_ledger_retain_until_idx"),
    ] {
        assert!(
            manager.has_index(table, index).await.expect("query"),
            "{index} exists"
        );
    }
    NotificationsMigrator::down(&t.db, None)
        .await
        .expect("rolls back");
    for table in tables {
        assert!(
            !manager.has_table(table).await.expect("query"),
            "{table} is gone"
        );
    }
    NotificationsMigrator::up(&t.db, None)
        .await
        .expect("re-applies");
    assert!(manager.has_table("deliveries").await.expect("query"));
}

#[tokio::test]
async fn codex_migrations_go_up_down_and_up_again_with_full_text_search() {
    let t = fresh_db::<CodexMigrator>().await;
    let manager = SchemaManager::new(&t.db);
    for table in ["codex_entries", "codex_entry_tags", "codex_practice_steps"] {
        assert!(
            manager.has_table(table).await.expect("query"),
            "{table} exists"
        );
    }
    // The backend's own search structure exists.
    let search = match t.backend {
        Backend::Postgres => manager
            .has_index("codex_entries", "codex_entries_search_idx")
            .await
            .expect("query"),
        Backend::Sqlite => manager.has_table("codex_fts").await.expect("query"),
    };
    assert!(search, "full-text search structure on {:?}", t.backend);
    for column in ["kind", "minutes"] {
        assert!(
            manager
                .has_column("codex_entries", column)
                .await
                .expect("query"),
            "{column} exists"
        );
    }
    CodexMigrator::down(&t.db, None).await.expect("rolls back");
    assert!(!manager.has_table("codex_entries").await.expect("query"));
    assert!(
        !manager
            .has_table("codex_practice_steps")
            .await
            .expect("query")
    );
    if t.backend == Backend::Sqlite {
        assert!(!manager.has_table("codex_fts").await.expect("query"));
    }
    CodexMigrator::up(&t.db, None).await.expect("re-applies");
    assert!(manager.has_table("codex_entries").await.expect("query"));
}
