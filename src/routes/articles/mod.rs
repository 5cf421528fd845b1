//! `/articles`.

pub mod get;
