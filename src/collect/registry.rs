//! Which collectors a target runs: one line each.

use super::collector::Collector;
use super::jobs::JobsCollector;
use super::protected_resources::ProtectedResources;
use super::restore_testing_plans::RestoreTestingPlans;
use super::summaries::Summaries;
use super::vaults::Vaults;
use super::watched_resources::WatchedResources;
use crate::config::{Config, Target};

/// Watched resources' restore histories change slowly, and each is a call or more.
const WATCHED_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

pub fn collectors(config: &Config, target: &Target) -> Vec<Box<dyn Collector>> {
    let every_refresh = config.refresh_interval;
    let mut out: Vec<Box<dyn Collector>> = Vec::new();
    for &t in &config.job_types {
        out.push(Box::new(JobsCollector::new(t, every_refresh)));
    }
    if config.resources.enabled {
        out.push(Box::new(ProtectedResources::new(every_refresh)));
    }
    if config.vaults.enabled {
        out.push(Box::new(Vaults::new(config.vaults.refresh_interval)));
    }
    if config.restore_testing_plans.enabled {
        let every = config.restore_testing_plans.refresh_interval;
        out.push(Box::new(RestoreTestingPlans::new(every)));
    }
    if config.summaries.enabled {
        out.push(Box::new(Summaries::new(config.summaries.refresh_interval)));
    }
    if !target.watch_resources.is_empty() {
        let arns = target.watch_resources.clone();
        let every = WATCHED_EVERY.max(config.refresh_interval);
        out.push(Box::new(WatchedResources::new(every, arns)));
    }
    out
}
