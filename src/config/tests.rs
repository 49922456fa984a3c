use super::*;
use crate::job::{ExtraLabel, JobType};
use std::time::Duration;

fn err(text: &str) -> String {
    parse(text, "exporter.yaml").unwrap_err().to_string()
}

#[test]
fn empty_file_gives_defaults_with_one_environment_target() {
    let c = parse("", "x.yaml").unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.targets.len(), 1);
    assert_eq!(c.targets[0].region, None);
}

#[test]
fn every_key_is_read() {
    let c = parse(
        r#"
refresh_interval: 90s
lookback: 48h
overlap: 30m
job_types: [backup, restore]
page_size: 500
include_parent_jobs: true
extra_labels: [backup_vault_name, restore_testing_plan]
resources: { enabled: true, max_series: 20 }
aws: { max_attempts: 3, requests_per_second: 2.5, timeout: 10s }
vaults: { enabled: false, refresh_interval: 2h }
schedules: { enabled: false }
restore_testing_plans: { refresh_interval: 30m }
summaries: { enabled: true }
targets:
  - name: prod-use1
    region: us-east-1
    role_arn: arn:aws:iam::123456789012:role/aws-backup-exporter
    external_id: xyz
    account_id: "*"
    endpoint_url: http://127.0.0.1:1234
    watch_resources:
      - arn:aws:rds:us-east-1:123456789012:db:orders
      - arn:aws:s3:::invoices
  - name: dev
    region: eu-west-1
    account_id: "210987654321"
"#,
        "x.yaml",
    )
    .unwrap();
    assert_eq!(c.refresh_interval, Duration::from_secs(90));
    assert_eq!(c.lookback, Duration::from_secs(48 * 3600));
    assert_eq!(c.overlap, Duration::from_secs(1800));
    assert_eq!(c.job_types, vec![JobType::Backup, JobType::Restore]);
    assert_eq!(c.page_size, 500);
    assert!(c.include_parent_jobs);
    assert_eq!(
        c.extra_labels,
        vec![ExtraLabel::BackupVaultName, ExtraLabel::RestoreTestingPlan]
    );
    assert_eq!(
        c.resources,
        Resources {
            enabled: true,
            max_series: 20
        }
    );
    assert_eq!(
        c.aws,
        Aws {
            max_attempts: 3,
            requests_per_second: 2.5,
            timeout: Duration::from_secs(10),
            retry_mode: RetryMode::Standard,
        }
    );
    assert_eq!(c.targets.len(), 2);
    assert_eq!(
        c.targets[0],
        Target {
            name: "prod-use1".into(),
            region: Some("us-east-1".into()),
            role_arn: Some("arn:aws:iam::123456789012:role/aws-backup-exporter".into()),
            external_id: Some("xyz".into()),
            account_id: Some("*".into()),
            endpoint_url: Some("http://127.0.0.1:1234".into()),
            watch_resources: vec![
                "arn:aws:rds:us-east-1:123456789012:db:orders".into(),
                "arn:aws:s3:::invoices".into(),
            ],
        }
    );
    let hours = |h: u64| Duration::from_secs(h * 3600);
    assert_eq!(
        c.vaults,
        Inventory {
            enabled: false,
            refresh_interval: hours(2)
        }
    );
    assert!(!c.schedules.enabled);
    assert_eq!(
        c.restore_testing_plans,
        Inventory {
            enabled: true,
            refresh_interval: Duration::from_secs(1800)
        }
    );
    assert_eq!(
        c.summaries,
        Inventory {
            enabled: true,
            refresh_interval: hours(1)
        }
    );
    assert_eq!(c.targets[1].account_id.as_deref(), Some("210987654321"));
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let e = err("refresh_interval: 1m\nlookbak: 24h\n");
    assert!(e.starts_with("exporter.yaml:2: lookbak: "), "{e}");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn unknown_nested_key_names_its_path() {
    let e = err("aws:\n  max_attempts: 3\n  timeuot: 5s\n");
    assert!(e.starts_with("exporter.yaml:3: aws.timeuot: "), "{e}");
}

#[test]
fn bad_duration_is_rejected_with_its_key() {
    let e = err("refresh_interval: 1m\nlookback: soon\n");
    assert!(e.starts_with("exporter.yaml:2: lookback: "), "{e}");
}

#[test]
fn page_size_out_of_range() {
    assert_eq!(
        err("page_size: 5000\n"),
        "exporter.yaml:1: page_size: must be between 1 and 1000, got 5000"
    );
    assert_eq!(
        err("page_size: 0\n"),
        "exporter.yaml:1: page_size: must be between 1 and 1000, got 0"
    );
}

#[test]
fn lookback_beyond_30_days() {
    let e = err("# comment\nlookback: 31d\n");
    assert!(
        e.starts_with("exporter.yaml:2: lookback: must be at most 30 days"),
        "{e}"
    );
    assert!(parse("lookback: 30d\n", "x").is_ok());
}

#[test]
fn duplicate_target_names_point_at_the_second() {
    let e =
        err("targets:\n  - name: a\n    region: us-east-1\n  - name: a\n    region: eu-west-1\n");
    assert_eq!(
        e,
        "exporter.yaml:4: targets[1].name: duplicate target name \"a\""
    );
}

#[test]
fn bad_target_fields() {
    let e = err("targets:\n  - name: a\n    account_id: \"12\"\n");
    assert_eq!(
        e,
        "exporter.yaml:3: targets[0].account_id: must be a 12-digit account id or \"*\""
    );
    let e = err("targets:\n  - name: a\n    role_arn: my-role\n");
    assert!(
        e.starts_with("exporter.yaml:3: targets[0].role_arn: must be an IAM role ARN"),
        "{e}"
    );
    let e = err("targets:\n  - name: a\n  - region: us-east-1\n");
    assert!(e.starts_with("exporter.yaml:"), "{e}");
    assert!(e.contains("name"), "{e}");
}

#[test]
fn bad_job_type_and_extra_label() {
    assert_eq!(
        err("job_types:\n  - backup\n  - snapshot\n"),
        "exporter.yaml:3: job_types[1]: unknown job type \"snapshot\", expected backup, restore, copy or scan"
    );
    let e = err("extra_labels: [resource_arn]\n");
    assert!(
        e.starts_with("exporter.yaml:1: extra_labels[0]: unknown extra label"),
        "{e}"
    );
}

#[test]
fn refresh_interval_floor_and_overlap_bound() {
    assert_eq!(
        err("refresh_interval: 500ms\n"),
        "exporter.yaml:1: refresh_interval: must be at least 1s"
    );
    assert_eq!(
        err("lookback: 1h\noverlap: 2h\n"),
        "exporter.yaml:2: overlap: must be shorter than lookback"
    );
}

#[test]
fn every_refusal_names_file_line_and_full_key_path() {
    let cases: &[(&str, &str)] = &[
        // Unknown keys, at the top, nested, and in a list item.
        ("lookbak: 24h\n", "exporter.yaml:1: lookbak: unknown field"),
        (
            "aws:\n  timeuot: 5s\n",
            "exporter.yaml:2: aws.timeuot: unknown field",
        ),
        (
            "targets:\n  - name: a\n    regoin: us-east-1\n",
            "exporter.yaml:3: targets[0].regoin: unknown field",
        ),
        // Bad values.
        (
            "refresh_interval: soon\n",
            "exporter.yaml:1: refresh_interval: invalid value",
        ),
        (
            "aws: { timeout: 0s }\n",
            "exporter.yaml:1: aws.timeout: must be at least 100ms",
        ),
        (
            "aws:\n  timeout: 2h\n",
            "exporter.yaml:2: aws.timeout: must be at most 10m",
        ),
        (
            "aws:\n  requests_per_second: 1e-20\n",
            "exporter.yaml:2: aws.requests_per_second: must be between 0.01 and 1000000, got 0.00000000000000000001",
        ),
        (
            "aws:\n  requests_per_second: .inf\n",
            "exporter.yaml:2: aws.requests_per_second: must be between 0.01 and 1000000, got inf",
        ),
        (
            "aws:\n  max_attempts: 0\n",
            "exporter.yaml:2: aws.max_attempts: must be between 1 and 20, got 0",
        ),
        (
            "aws:\n  retry_mode: eager\n",
            "exporter.yaml:2: aws.retry_mode: unknown retry mode \"eager\", expected standard or adaptive",
        ),
        (
            "resources:\n  max_series: 0\n",
            "exporter.yaml:2: resources.max_series: must be between 1 and 10000000, got 0",
        ),
        (
            "page_size: -3\n",
            "exporter.yaml:1: page_size: must be between 1 and 1000, got -3",
        ),
        (
            "refresh_interval: 2d\n",
            "exporter.yaml:1: refresh_interval: must be at most 1day",
        ),
        (
            "lookback: 30s\n",
            "exporter.yaml:1: lookback: must be at least 1m",
        ),
        (
            "job_types: []\n",
            "exporter.yaml:1: job_types: must list at least one",
        ),
        (
            "job_types: [backup, backup]\n",
            "exporter.yaml:1: job_types[1]: backup is listed twice",
        ),
        (
            "targets: []\n",
            "exporter.yaml:1: targets: must list at least one target",
        ),
        (
            "targets:\n  - name: a\n  - name: b\n    region: us east 1\n",
            "exporter.yaml:4: targets[1].region: \"us east 1\" is not an AWS region",
        ),
        (
            "targets:\n  - name: a\n    endpoint_url: localhost:9943\n",
            "exporter.yaml:3: targets[0].endpoint_url: must be an http:// or https:// URL",
        ),
        (
            "targets:\n  - name: \" \"\n",
            "exporter.yaml:2: targets[0].name: must not be empty",
        ),
        ("page_size: many\n", "exporter.yaml:1: page_size: invalid"),
        // Inventories.
        (
            "vaults:\n  refresh_interval: 0s\n",
            "exporter.yaml:2: vaults.refresh_interval: must be at least 1s",
        ),
        (
            "summaries: { refresh_interval: 8d }\n",
            "exporter.yaml:1: summaries.refresh_interval: must be at most 7days",
        ),
        (
            "restore_testing_plans:\n  enabeld: true\n",
            "exporter.yaml:2: restore_testing_plans.enabeld: unknown field",
        ),
        (
            "schedules: { enabled: maybe }\n",
            "exporter.yaml:1: schedules.enabled: invalid",
        ),
        // Watched resources.
        (
            "targets:\n  - name: a\n    watch_resources: [arn:aws:rds:us-east-1:1:db:x]\n",
            "exporter.yaml:3: targets[0].watch_resources[0]: \"arn:aws:rds:us-east-1:1:db:x\" is not a resource ARN",
        ),
        (
            "targets:\n  - name: a\n    region: eu-west-1\n    watch_resources:\n      - arn:aws:rds:eu-west-1:123456789012:db:x\n      - arn:aws:rds:us-east-1:123456789012:db:y\n",
            "exporter.yaml:6: targets[0].watch_resources[1]: is in region us-east-1, not in the target's region eu-west-1",
        ),
        (
            "targets:\n  - name: a\n    role_arn: arn:aws:iam::111111111111:role/r\n    watch_resources: [arn:aws:rds:us-east-1:222222222222:db:x]\n",
            "exporter.yaml:4: targets[0].watch_resources[0]: is in account 222222222222, not in the account of role_arn (111111111111)",
        ),
        (
            "targets:\n  - name: a\n    watch_resources: [arn:aws:s3:::b, arn:aws:s3:::b]\n",
            "exporter.yaml:3: targets[0].watch_resources[1]: is listed twice",
        ),
        (
            "resources: { enabled: false }\ntargets:\n  - name: a\n    watch_resources: [arn:aws:s3:::b]\n",
            "exporter.yaml:4: targets[0].watch_resources[0]: needs resources.enabled: true",
        ),
    ];
    for (text, want) in cases {
        let e = err(text);
        assert!(
            e.starts_with(want),
            "{text:?}\n  got:  {e}\n  want: {want}…"
        );
    }
}

#[test]
fn overlapping_targets_are_refused_naming_both() {
    // An organization target and a member's role in the same region (the old README example).
    let e = err(
        "targets:\n  - name: org\n    region: eu-west-1\n    account_id: \"*\"\n  \
         - name: sandbox\n    region: eu-west-1\n    role_arn: arn:aws:iam::210987654321:role/x\n",
    );
    assert!(
        e.starts_with(
            "exporter.yaml:5: targets[1]: target \"sandbox\" overlaps target \"org\" (targets[0]): \
             an organization target"
        ),
        "{e}"
    );
    // Two roles in one account and region.
    let e = err(
        "targets:\n  - name: a\n    region: us-east-1\n    role_arn: arn:aws:iam::210987654321:role/x\n  \
         - name: b\n    region: us-east-1\n    role_arn: arn:aws:iam::210987654321:role/y\n",
    );
    assert!(e.contains("target \"b\" overlaps target \"a\""), "{e}");
    assert!(
        e.contains("both read account 210987654321 in us-east-1"),
        "{e}"
    );
    // The same, in different regions, or different accounts: fine.
    assert!(
        parse(
            "targets:\n  - name: a\n    region: us-east-1\n    account_id: \"*\"\n  \
             - name: b\n    region: eu-west-1\n    account_id: \"*\"\n  \
             - name: c\n    region: us-west-2\n    role_arn: arn:aws:iam::210987654321:role/x\n  \
             - name: d\n    region: us-west-2\n    role_arn: arn:aws:iam::110987654321:role/x\n",
            "x"
        )
        .is_ok()
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A YAML scalar of any type, as text: numbers, booleans, durations, Unicode strings.
    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            any::<bool>().prop_map(|b| b.to_string()),
            (
                0u64..1_000_000,
                prop::sample::select(vec!["ms", "s", "m", "h", "d"])
            )
                .prop_map(|(n, u)| format!("{n}{u}")),
            // Printable Unicode: YAML refuses control characters, even quoted.
            "[^\\p{C}]*".prop_map(|s: String| serde_json::to_string(&s).unwrap()),
            Just("~".to_owned()),
            Just("[]".to_owned()),
            Just("{}".to_owned()),
        ]
    }

    const TOP: [&str; 12] = [
        "refresh_interval",
        "lookback",
        "overlap",
        "job_types",
        "page_size",
        "include_parent_jobs",
        "extra_labels",
        "resources",
        "aws",
        "targets",
        "no_such_key",
        "ünïcödé",
    ];
    const AWS: [&str; 5] = [
        "max_attempts",
        "requests_per_second",
        "timeout",
        "retry_mode",
        "x",
    ];
    const TARGET: [&str; 7] = [
        "name",
        "region",
        "role_arn",
        "external_id",
        "account_id",
        "endpoint_url",
        "y",
    ];

    fn map(keys: &'static [&'static str], indent: usize) -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(keys), scalar()), 0..5).prop_map(move |kv| {
            let pad = " ".repeat(indent);
            kv.into_iter()
                .map(|(k, v)| format!("{pad}{k}: {v}\n"))
                .collect::<String>()
        })
    }

    /// A configuration document: known and unknown keys, values of every type, nested maps
    /// and a list of targets.
    fn document() -> impl Strategy<Value = String> {
        let top = prop::collection::vec((prop::sample::select(&TOP[..]), scalar()), 0..6);
        let aws = prop::option::of(map(&AWS, 2));
        let targets = prop::option::of(prop::collection::vec(map(&TARGET, 4), 0..3));
        (top, aws, targets).prop_map(|(top, aws, targets)| {
            let mut doc = String::new();
            let mut seen = std::collections::HashSet::new();
            for (k, v) in top {
                if matches!(k, "aws" | "targets") || !seen.insert(k) {
                    continue;
                }
                doc += &format!("{k}: {v}\n");
            }
            if let Some(a) = aws {
                doc += &format!("aws:\n{a}");
            }
            if let Some(ts) = targets {
                doc += "targets:\n";
                for t in ts {
                    let t = t.replacen("    ", "  - ", 1);
                    doc += if t.is_empty() { "  - {}\n" } else { &t };
                }
            }
            doc
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No document reaches a panic, and every refusal of well-formed YAML names the key.
        #[test]
        fn any_document_is_read_or_refused_naming_its_key(doc in document()) {
            match parse(&doc, "p.yaml") {
                Ok(c) => prop_assert!(!c.targets.is_empty()),
                Err(e) => {
                    prop_assert_eq!(&e.file, "p.yaml");
                    prop_assert!(e.key.is_some(), "no key path in {:?} for\n{}", e.to_string(), doc);
                    let key = e.key.unwrap();
                    let first = key.split(['.', '[']).next().unwrap_or_default();
                    prop_assert!(doc.contains(first), "{} is not in\n{}", key, doc);
                }
            }
        }

        /// Text that is not YAML at all is refused, never a panic.
        #[test]
        fn any_text_is_read_or_refused(text in ".*") {
            let _ = parse(&text, "p.yaml");
        }
    }
}
