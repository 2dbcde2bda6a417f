//! Holds no code: the contract lives in `tests/`, and `tessera check` runs the same
//! checks locally (`tessera::check`).
//!
//! # Layout
//! - `tests/schema_contract.rs`: committed schema files equal a fresh composition; every
//!   part is documented; private domains' `User` fields are never cached for everyone.
//! - `tests/breaking_changes.rs`: the API schema against the baseline `schema/api.graphql`
//!   (a breaking change fails until `TESSERA_ACCEPT_BREAKING=1` or
//!   `tessera check --update-baseline` records it), and `tessera check`'s report.
//! - `tests/schema_diff_rules.rs`: each breaking/dangerous/safe rule on a small schema pair.
//! - `tests/persisted_operations.rs`: every trusted document validates.
//! - `tests/partner_variant.rs`: `schema/partner.graphql` holds only what is tagged for
//!   partners (and the value types their fields return), nothing `@inaccessible`.
