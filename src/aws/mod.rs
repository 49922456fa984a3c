//! The only module that knows the AWS SDK: clients per target, paging, rate limiting, retries,
//! counting attempts, classifying failures, and turning SDK shapes into the exporter's
//! vocabulary (`job`).

mod attempts;
mod client;
mod convert;
mod error;
mod identity;
mod inventory;
mod jobs;
mod limiter;
mod restore_history;
mod summaries;

pub use attempts::Outcome;
pub use client::{BackupApi, ClientOptions};
pub use error::{AwsError, Cause};
pub use identity::identity;
pub use jobs::Filter;
