//! A job is counted once per account and region, whatever the targets: targets whose coverage
//! overlaps are refused. What a target covers is known from the configuration as far as it
//! goes (region, role account, `account_id`), and completed once the region and the caller's
//! account are resolved.
//!
//! An organization target (`account_id: "*"`) covers every member account in its region. The
//! membership cannot be read with AWS Backup's permissions alone, so any other account target
//! in that region is taken to be a member and refused; a second organization target overlaps
//! when it lists the same organization (the same management account).

use super::model::Target;
use super::names::role_arn_account;

/// Which credentials a target reads with, as far as known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The account of the role it assumes, or of the environment's credentials once resolved.
    Account(String),
    /// The environment's credentials (no `role_arn`), account not resolved yet: the same for
    /// every such target.
    Environment,
}

/// What a target reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// `None`: the environment's region, not resolved yet.
    pub region: Option<String>,
    pub caller: Caller,
    pub organization: bool,
    /// `ByAccountId` with a 12-digit account.
    pub account_filter: Option<String>,
}

impl Coverage {
    /// What the configuration alone says.
    pub fn of(t: &Target) -> Coverage {
        Coverage {
            region: t.region.clone(),
            caller: match t.role_arn.as_deref().and_then(role_arn_account) {
                Some(a) => Caller::Account(a.to_owned()),
                None => Caller::Environment,
            },
            organization: t.is_organization(),
            account_filter: t.account_id.clone().filter(|a| a != "*"),
        }
    }
}

/// Why two coverages overlap, or `None` if they do not (or it is not known yet).
pub fn overlap(a: &Coverage, b: &Coverage) -> Option<String> {
    let (Some(ra), Some(rb)) = (&a.region, &b.region) else {
        return None;
    };
    if ra != rb {
        return None;
    }
    match (a.organization, b.organization) {
        (true, true) => (a.caller == b.caller)
            .then(|| format!("both list the whole organization of the same account in {ra}")),
        (true, false) | (false, true) => Some(format!(
            "an organization target (account_id \"*\") already covers every member account in {ra}"
        )),
        (false, false) => {
            let covered = |c: &Coverage| -> Caller {
                match &c.account_filter {
                    Some(a) => Caller::Account(a.clone()),
                    None => c.caller.clone(),
                }
            };
            let (x, y) = (covered(a), covered(b));
            // An account filter against unresolved environment credentials: not known yet.
            let unknown = |c: &Coverage, other: &Caller| {
                c.account_filter.is_none()
                    && c.caller == Caller::Environment
                    && matches!(other, Caller::Account(_))
            };
            if unknown(a, &y) || unknown(b, &x) {
                return None;
            }
            (x == y).then(|| match x {
                Caller::Account(acct) => format!("both read account {acct} in {ra}"),
                Caller::Environment => {
                    format!("both read the environment's account in {ra}")
                }
            })
        }
    }
}

/// The first pair of overlapping targets: (earlier index, later index, why).
pub fn find_overlap(coverages: &[Coverage]) -> Option<(usize, usize, String)> {
    for j in 0..coverages.len() {
        for i in 0..j {
            if let Some(why) = overlap(&coverages[i], &coverages[j]) {
                return Some((i, j, why));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(region: Option<&str>, role: Option<&str>, account: Option<&str>) -> Coverage {
        Coverage::of(&Target {
            name: "t".into(),
            region: region.map(str::to_owned),
            role_arn: role.map(|a| format!("arn:aws:iam::{a}:role/exporter")),
            account_id: account.map(str::to_owned),
            ..Target::default()
        })
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    #[test]
    fn an_organization_target_overlaps_every_account_target_in_its_region() {
        let org = target(Some("us-east-1"), None, Some("*"));
        assert!(overlap(&org, &target(Some("us-east-1"), Some(B), None)).is_some());
        assert!(overlap(&target(Some("us-east-1"), None, Some(B)), &org).is_some());
        assert!(overlap(&org, &target(Some("eu-west-1"), Some(B), None)).is_none());
    }

    #[test]
    fn two_organizations_overlap_only_when_they_are_the_same() {
        let org_a = target(Some("us-east-1"), Some(A), Some("*"));
        let org_b = target(Some("us-east-1"), Some(B), Some("*"));
        assert!(overlap(&org_a, &org_b).is_none());
        assert!(overlap(&org_a, &org_a.clone()).is_some());
        let env = target(Some("us-east-1"), None, Some("*"));
        assert!(overlap(&env, &env.clone()).is_some());
        // Environment credentials against a role: known once the environment is resolved.
        assert!(overlap(&env, &org_a).is_none());
        let resolved = Coverage {
            caller: Caller::Account(A.into()),
            ..env
        };
        assert!(overlap(&resolved, &org_a).is_some());
    }

    #[test]
    fn account_targets_overlap_on_the_same_account_and_region() {
        let role_a = target(Some("us-east-1"), Some(A), None);
        assert!(overlap(&role_a, &target(Some("us-east-1"), Some(A), None)).is_some());
        assert!(overlap(&role_a, &target(Some("us-east-1"), Some(B), None)).is_none());
        // An account filter names the account read, whoever asks.
        assert!(overlap(&role_a, &target(Some("us-east-1"), Some(B), Some(A))).is_some());
        // Two targets on the environment's credentials read the same account.
        let env = target(Some("us-east-1"), None, None);
        assert!(overlap(&env, &env.clone()).is_some());
        // The environment's account against a role's: unknown until resolved.
        assert!(overlap(&env, &role_a).is_none());
        // Unresolved regions tell nothing yet.
        assert!(overlap(&target(None, Some(A), None), &role_a).is_none());
        let list = [
            role_a.clone(),
            target(Some("us-east-1"), Some(B), None),
            role_a,
        ];
        assert_eq!(find_overlap(&list).map(|(i, j, _)| (i, j)), Some((0, 2)));
    }
}
