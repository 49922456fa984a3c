//! The YAML configuration: what it holds (`model`), how it is written (`raw`), and how a file
//! becomes a validated [`Config`] or an error naming file, line and key (`load`).

mod load;
mod model;
mod names;
mod overlap;
mod raw;
mod shard;

#[cfg(test)]
mod tests;

pub use load::{ConfigError, MAX_LOOKBACK, from_yaml, load, parse};
pub use model::{Aws, Config, Inventory, Resources, RetryMode, Schedules, Target};
pub use names::role_arn_account;
pub use overlap::{Caller, Coverage, find_overlap, overlap};
pub use shard::{Shard, ShardError, fnv1a64};
