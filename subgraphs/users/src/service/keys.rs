//! The keys access tokens are signed with, kept in the database so that every replica
//! signs with the same key and publishes the same JWKS.
//!
//! The newest unretired key signs. When it is older than the rotation period, a new key
//! takes over and the old one is retired: it stays in the JWKS until every token it
//! signed has expired (`expires_at` = retirement + access-token lifetime + a minute),
//! then it leaves. Replicas that rotate at the same moment each add a key; the newest
//! wins and the others are retired on the next load.
//!
//! Private keys are stored sealed under a key-encryption key ([`KeyEncryption`]); a
//! load seals again any key stored in clear or under a KEK that no longer seals.

use std::{sync::Arc, time::Instant};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::{Value, json};
use tessera_identity::Ed25519Key;
use tessera_kit::error::ServiceError;
use tokio::sync::Mutex;

use crate::{entity::signing_key, service::key_encryption::KeyEncryption};

/// How long a loaded signing key is used before the table is read again.
const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The signing keys of this users subgraph.
pub struct KeyRing {
    db: DatabaseConnection,
    rotation: Duration,
    access_ttl: Duration,
    sealing: KeyEncryption,
    signing: Mutex<Option<(Instant, Arc<Ed25519Key>)>>,
}

impl KeyRing {
    /// Keys in `db`, rotated every `rotation`, for tokens that live `access_ttl`,
    /// sealed under `sealing`.
    pub fn new(
        db: DatabaseConnection,
        rotation: Duration,
        access_ttl: Duration,
        sealing: KeyEncryption,
    ) -> Self {
        Self {
            db,
            rotation,
            access_ttl,
            sealing,
            signing: Mutex::new(None),
        }
    }

    /// The key to sign with now (rotating when due).
    pub async fn signing_key(&self, now: DateTime<Utc>) -> Result<Arc<Ed25519Key>, ServiceError> {
        let mut cached = self.signing.lock().await;
        if let Some((at, key)) = &*cached
            && at.elapsed() < RELOAD_EVERY
        {
            return Ok(key.clone());
        }
        let key = Arc::new(self.current(now).await?);
        *cached = Some((Instant::now(), key.clone()));
        Ok(key)
    }

    /// The published keys, as a JWKS document: the signing key and every retired key
    /// whose tokens may still be valid.
    pub async fn jwks(&self, now: DateTime<Utc>) -> Result<Value, ServiceError> {
        self.current(now).await?;
        let rows = signing_key::Entity::find()
            .filter(
                Condition::any()
                    .add(signing_key::Column::ExpiresAt.is_null())
                    .add(signing_key::Column::ExpiresAt.gt(now)),
            )
            .order_by_desc(signing_key::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let keys: Vec<Value> = rows
            .iter()
            .filter_map(|row| self.decode(row).ok())
            .filter_map(|key| serde_json::to_value(key.jwk()).ok())
            .collect();
        Ok(json!({ "keys": keys }))
    }

    /// Forgets the cached signing key (tests that move time forward).
    pub async fn reload(&self) {
        *self.signing.lock().await = None;
    }

    /// The signing key: the newest unretired one, made now when there is none or it is
    /// due for rotation; any other unretired key is retired.
    async fn current(&self, now: DateTime<Utc>) -> Result<Ed25519Key, ServiceError> {
        let now = now.trunc_subsecs(6);
        let stored = signing_key::Entity::find()
            .order_by_desc(signing_key::Column::CreatedAt)
            .all(&self.db)
            .await?;
        self.seal_again(&stored).await?;
        let active: Vec<&signing_key::Model> = stored
            .iter()
            .filter(|row| row.retired_at.is_none())
            .collect();
        let newest = active.first();
        let (signing, keep) = match newest {
            Some(row) if row.created_at + self.rotation > now => {
                (self.decode(row)?, row.kid.clone())
            }
            _ => {
                let kid = format!(
                    "{}-{}",
                    now.format("%Y%m%d%H%M%S"),
                    uuid::Uuid::now_v7().simple()
                );
                let key = Ed25519Key::generate(&kid[..kid.len().min(64)])
                    .map_err(|e| ServiceError::internal(e.to_string()))?;
                signing_key::Entity::insert(signing_key::ActiveModel {
                    kid: Set(key.kid().to_owned()),
                    private_pem: Set(self.sealing.seal(key.kid(), &key.to_pkcs8_pem())),
                    created_at: Set(now),
                    retired_at: Set(None),
                    expires_at: Set(None),
                })
                .exec_without_returning(&self.db)
                .await?;
                tracing::info!(kid = key.kid(), "new access-token signing key");
                let kid = key.kid().to_owned();
                (key, kid)
            }
        };
        let stale: Vec<String> = active
            .iter()
            .map(|row| row.kid.clone())
            .filter(|kid| *kid != keep)
            .collect();
        if !stale.is_empty() {
            signing_key::Entity::update_many()
                .col_expr(signing_key::Column::RetiredAt, Expr::value(now))
                .col_expr(
                    signing_key::Column::ExpiresAt,
                    Expr::value(now + self.access_ttl + Duration::minutes(1)),
                )
                .filter(signing_key::Column::Kid.is_in(stale))
                .filter(signing_key::Column::RetiredAt.is_null())
                .exec(&self.db)
                .await?;
        }
        // Keys past their publication window are of no use to anyone.
        signing_key::Entity::delete_many()
            .filter(signing_key::Column::ExpiresAt.lt(now))
            .exec(&self.db)
            .await?;
        Ok(signing)
    }
}

impl KeyRing {
    fn decode(&self, row: &signing_key::Model) -> Result<Ed25519Key, ServiceError> {
        let pem = self
            .sealing
            .open(&row.kid, &row.private_pem)
            .map_err(|e| ServiceError::internal(e.to_string()))?;
        Ed25519Key::from_pkcs8_pem(row.kid.clone(), &pem)
            .map_err(|e| ServiceError::internal(format!("signing key {}: {e}", row.kid)))
    }

    /// Seals under the sealing KEK every stored key in clear or under another KEK.
    async fn seal_again(&self, stored: &[signing_key::Model]) -> Result<(), ServiceError> {
        for row in stored {
            if !self.sealing.needs_sealing(&row.private_pem) {
                continue;
            }
            let pem = self.sealing.open(&row.kid, &row.private_pem).map_err(|e| {
                tracing::error!(error = %e, "a signing key cannot be opened");
                ServiceError::internal(e.to_string())
            })?;
            // Only if unchanged: a replica that sealed it meanwhile wins.
            signing_key::Entity::update_many()
                .col_expr(
                    signing_key::Column::PrivatePem,
                    Expr::value(self.sealing.seal(&row.kid, &pem)),
                )
                .filter(signing_key::Column::Kid.eq(row.kid.as_str()))
                .filter(signing_key::Column::PrivatePem.eq(row.private_pem.as_str()))
                .exec(&self.db)
                .await?;
            tracing::info!(kid = %row.kid, kek = self.sealing.sealing_id(), "signing key sealed under the current key-encryption key");
        }
        Ok(())
    }
}
