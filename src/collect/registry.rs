//! Which collectors a target runs: one line each.

use super::collector::Collector;
use super::jobs::JobsCollector;
use super::protected_resources::ProtectedResources;
use crate::config::Config;

pub fn collectors(config: &Config) -> Vec<Box<dyn Collector>> {
    let every_refresh = config.refresh_interval;
    let mut out: Vec<Box<dyn Collector>> = Vec::new();
    for &t in &config.job_types {
        out.push(Box::new(JobsCollector::new(t, every_refresh)));
    }
    if config.resources.enabled {
        out.push(Box::new(ProtectedResources::new(every_refresh)));
    }
    out
}
