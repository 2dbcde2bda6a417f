//! Every migrator applies, rolls back and re-applies cleanly on SQLite and (with
//! `DATABASE_URL`) PostgreSQL.

use sea_orm_migration::{MigratorTrait, SchemaManager};
use tessera_kit::testing::fresh_db;
use tessera_migrations::UsersMigrator;

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
