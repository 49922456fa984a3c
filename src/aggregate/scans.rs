//! Scan results within the lookback (`aws_backup_scan_results`): ended scans that carry a
//! `ScanResult`, counted by result status and scanner in a sliding window of their own.

use super::hash::FieldHasher;
use super::interner::Interner;
use super::keys::ScanResultKey;
use super::snapshot::Snapshot;
use super::window::Window;
use crate::job::Job;

#[derive(Debug)]
pub struct ScanResults {
    keys: Interner<ScanResultKey>,
    window: Window,
}

impl ScanResults {
    pub fn new(bucket_width: f64) -> Self {
        ScanResults {
            keys: Interner::default(),
            window: Window::new(bucket_width),
        }
    }

    /// The label set of a scan's result, while staging a read; `None` for jobs without one.
    pub fn key_id(&mut self, job: &Job) -> Option<u32> {
        let status = job.scan_result.as_deref()?;
        let hash = FieldHasher::new(0)
            .field(&job.account_id)
            .field(&job.resource_type)
            .field(&job.malware_scanner)
            .field(status)
            .finish();
        Some(self.keys.find_or_insert(
            hash,
            |k| {
                k.account_id == job.account_id
                    && k.resource_type == job.resource_type
                    && k.malware_scanner == job.malware_scanner
                    && k.scan_result_status == status
            },
            || ScanResultKey {
                account_id: job.account_id.clone(),
                resource_type: job.resource_type.clone(),
                malware_scanner: job.malware_scanner.clone(),
                scan_result_status: status.to_owned(),
            },
        ))
    }

    /// A new ended scan with a result.
    pub fn add(&mut self, key: u32, completion: f64, window_start: f64) {
        if completion >= window_start {
            self.window.add(key, completion, 1);
        }
    }

    pub fn snapshot(&mut self, window_start: f64, out: &mut Snapshot) {
        self.window.expire(window_start);
        for (id, n) in self.window.nonzero() {
            *out.scan_results
                .entry(self.keys.key(id).clone())
                .or_default() += n;
        }
    }
}
