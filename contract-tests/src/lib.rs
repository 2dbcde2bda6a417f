//! Holds no code: the contract lives in `tests/`.
