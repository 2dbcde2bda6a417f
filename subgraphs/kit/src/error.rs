//! Errors of the service layer and how they reach a client.
//!
//! Every domain's `service/` functions return [`ServiceError`]; each variant carries its
//! [`ErrorCode`]. Resolvers turn it into a GraphQL error with async-graphql's
//! [`ErrorExtensions`] (`service::call(..).await.extend()?`), which sets
//! `extensions.code` (and `extensions.field` for input errors) and keeps internal detail
//! in the log, never in the response.
//!
//! Beware async-graphql's blanket `From<T: Display>`: a bare `?` on a `ServiceError`
//! compiles and drops the code. The HTTP tests of each subgraph assert the codes.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};
use tessera_codes::ErrorCode;

/// What a domain rule or the storage under it refused.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An input value is not acceptable; `field` names the input field.
    #[error("{message}")]
    Invalid {
        /// The input field, as the client spelled it (e.g. `handle`).
        field: String,
        /// What is wrong, for the person filling in the form.
        message: String,
    },
    /// The operation needs a signed-in caller.
    #[error("you must be signed in to do this")]
    Unauthenticated,
    /// Credentials were refused (a wrong password, a spent or revoked refresh token);
    /// the message says what to do next.
    #[error("{0}")]
    CredentialsRefused(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or the caller may not know it does.
    #[error("{0}")]
    NotFound(String),
    /// A unique value is taken or the state changed underneath.
    #[error("{message}")]
    Conflict {
        /// The input field that collides, when one can be named.
        field: Option<String>,
        /// What collides.
        message: String,
    },
    /// The database cannot be reached right now; the request may be retried.
    #[error("the service is temporarily unavailable, please retry")]
    Unavailable(#[source] DbErr),
    /// Anything else from storage: a bug or a broken invariant.
    #[error("internal error")]
    Internal(#[source] DbErr),
}

impl ServiceError {
    /// An input error on `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An internal failure that is not the database's (hashing, signing, randomness):
    /// logged with `reason`, answered as `INTERNAL_SERVER_ERROR`.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::Internal(DbErr::Custom(reason.into()))
    }

    /// The code a client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid { .. } => ErrorCode::BadUserInput,
            Self::Unauthenticated | Self::CredentialsRefused(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<DbErr> for ServiceError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return Self::Conflict {
                    field: None,
                    message: "a record with the same unique value already exists".to_owned(),
                };
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return Self::Conflict {
                    field: None,
                    message: "the record refers to something that does not exist".to_owned(),
                };
            }
            _ => {}
        }
        if is_unavailable(&err) {
            Self::Unavailable(err)
        } else {
            Self::Internal(err)
        }
    }
}

/// Whether `err` says the database could not be reached (no connection to be had, or
/// the one in use was lost), not that a statement was wrong.
pub(crate) fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx)) => {
            matches!(
                **sqlx,
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed
            )
        }
        _ => false,
    }
}

impl ErrorExtensions for ServiceError {
    /// The client-facing error; internal detail goes to the log only.
    fn extend(&self) -> async_graphql::Error {
        let err = self;
        match err {
            ServiceError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
            }
            ServiceError::Internal(source) => {
                tracing::error!(error = %source, "internal database error");
            }
            _ => {}
        }
        let code = err.code();
        let field = match err {
            ServiceError::Invalid { field, .. } => Some(field.clone()),
            ServiceError::Conflict { field, .. } => field.clone(),
            _ => None,
        };
        coded(code, err.to_string()).extend_with(|_, ext| {
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

/// A GraphQL error with `extensions.code` set.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(err: async_graphql::Error) -> serde_json::Value {
        serde_json::to_value(err.extensions.expect("extensions are set")).expect("serialises")
    }

    #[test]
    fn invalid_input_names_code_and_field() {
        let err = ServiceError::invalid("handle", "handle is too short").extend();
        assert_eq!(err.message, "handle is too short");
        assert_eq!(
            extensions(err),
            serde_json::json!({"code": "BAD_USER_INPUT", "field": "handle"})
        );
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let err = ServiceError::from(DbErr::Custom("secret table xyz broke".into())).extend();
        assert_eq!(err.message, "internal error");
        assert_eq!(
            extensions(err),
            serde_json::json!({"code": "INTERNAL_SERVER_ERROR"})
        );
    }
}
