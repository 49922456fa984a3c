//! Property tests of what parses outside input: the simulator's request decoding (query
//! strings, paths, tokens, dates, form bodies) never panics, whatever a client sends.

use aws_backup_sim::{SimOptions, Simulator};
use proptest::prelude::*;

fn sim() -> &'static Simulator {
    static SIM: std::sync::OnceLock<Simulator> = std::sync::OnceLock::new();
    SIM.get_or_init(|| {
        Simulator::new(
            SimOptions {
                accounts: 2,
                resources_per_account: 5,
                ..SimOptions::default()
            },
            1_795_341_600,
        )
    })
}

/// Query strings built from the names the operations read, with any values, and raw junk.
fn query() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "maxResults",
        "nextToken",
        "completeAfter",
        "completeBefore",
        "createdAfter",
        "createdBefore",
        "state",
        "status",
        "accountId",
        "resourceArn",
        "resourceType",
        "messageCategory",
        "parentJobId",
        "backupVaultName",
        "restoreTestingPlanArn",
        "destinationVaultArn",
        "sourceRecoveryPointArn",
        "ByAccountId",
        "ByState",
        "ByCompleteAfter",
        "MaxResults",
        "NextToken",
        "AggregationPeriod",
        "AccountId",
        "vaultType",
    ]);
    let pair = (names, ".*").prop_map(|(k, v)| format!("{k}={}", percent(&v)));
    prop_oneof![
        prop::collection::vec(pair, 0..6).prop_map(|p| p.join("&")),
        ".*",
    ]
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/backup-jobs",
            "/restore-jobs",
            "/copy-jobs",
            "/resources",
            "/backup-vaults",
            "/scan/jobs",
            "/restore-testing/plans",
            "/audit/backup-job-summaries",
            "/",
        ])
        .prop_map(str::to_owned),
        "/restore-jobs/.*".prop_map(|s| s.replace('?', "")),
        "/resources/[^?]*/restore-jobs/".prop_map(|s| s),
        "/[^?]*".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_request_gets_an_answer_never_a_panic(
        method in prop::sample::select(vec!["GET", "HEAD", "POST", "PUT", "DELETE"]),
        path in path(),
        query in query(),
        auth in prop::option::of(".*"),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let r = sim().respond(method, &path, &query, auth.as_deref(), &body);
        prop_assert!((200..600).contains(&r.status), "{}", r.status);
        if r.status >= 400 {
            prop_assert!(r.header("x-amzn-errortype").is_some() || path == "/");
        }
    }
}
