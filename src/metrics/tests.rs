//! Label values of any Unicode survive both exposition formats: rendered, then parsed back
//! with a strict parser, they come out as they went in.

use proptest::prelude::*;

use super::merge::{MergeSettings, Merged, Refused};
use super::render::render_both;
use crate::aggregate::{JobKey, Snapshot};
use crate::job::JobType;

#[path = "../../tests/common/exposition.rs"]
mod exposition;

fn snapshot(region: &str, account: &str, rtype: &str, state: &str, category: &str) -> Snapshot {
    let key = JobKey {
        job_type: JobType::Backup,
        account_id: account.to_owned(),
        resource_type: rtype.to_owned(),
        state: state.to_owned(),
        message_category: category.to_owned(),
        extra: vec![],
    };
    let mut s = Snapshot {
        region: region.to_owned(),
        ..Snapshot::default()
    };
    s.jobs.insert(key.clone(), 7);
    s.finished.insert(key, 3);
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_label_value_round_trips_through_both_formats(
        region in "\\PC*", account in ".*", rtype in ".*", state in ".*", category in ".*",
    ) {
        let s = snapshot(&region, &account, &rtype, &state, &category);
        let settings = MergeSettings {
            extra_labels: vec![],
            lookback_seconds: 3600.0,
            resources_enabled: true,
            max_series: 10,
        };
        let merged = Merged::new([&s], &settings, &mut Refused::default());
        let (openmetrics, classic) = render_both(merged);
        prop_assert!(openmetrics.ends_with("# EOF\n"));
        for text in [openmetrics, classic] {
            let parsed = exposition::Exposition::parse(&text);
            let jobs: Vec<_> = parsed.select("aws_backup_jobs", &[]).collect();
            prop_assert_eq!(jobs.len(), 1, "{}", text);
            let l = &jobs[0].labels;
            prop_assert_eq!(&l["region"], &region);
            prop_assert_eq!(&l["account_id"], &account);
            prop_assert_eq!(&l["resource_type"], &rtype);
            prop_assert_eq!(&l["state"], &state);
            prop_assert_eq!(&l["message_category"], &category);
            prop_assert_eq!(jobs[0].value, 7.0);
            prop_assert_eq!(parsed.sum("aws_backup_jobs_finished_total", &[]), 3.0);
        }
    }
}
