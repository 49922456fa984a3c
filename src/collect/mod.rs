//! The refresh loops. Each target runs its collectors, one per concern (a job type, the
//! protected resources…), each on its own cadence and with its own health; after every round
//! the target's snapshot is published. Adding a collector is one file here plus one line in
//! `registry` (and, when it reads something new, one method in `aws`).

mod clock;
mod collector;
mod jobs;
mod protected_resources;
mod registry;
mod restore_testing_plans;
mod runner;
mod summaries;
mod vaults;
mod watched_resources;

pub use clock::unix_now;
pub use collector::{Admit, BoxFuture, Gate, Health, Publish};
pub use runner::TargetRunner;
