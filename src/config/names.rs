//! The syntax of AWS's names: regions, account ids, role and resource ARNs.

/// Whether `region` looks like an AWS region (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`):
/// lowercase words joined by `-`, ending in a number.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`, with an optional path before the name.
pub fn is_role_arn(arn: &str) -> bool {
    role_arn_account(arn).is_some()
}

/// The fields of a resource ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`); region and
/// account may be empty (S3 buckets name neither).
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
}

pub fn resource_arn(arn: &str) -> Option<ResourceArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let ok = prefix == "arn"
        && partition.starts_with("aws")
        && !service.is_empty()
        && (region.is_empty() || is_region(region))
        && (account.is_empty() || is_account_id(account))
        && !resource.is_empty()
        && !arn.chars().any(char::is_whitespace);
    ok.then_some(ResourceArn { region, account })
}

/// The account of a role ARN.
pub fn role_arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let ok = prefix == "arn"
        && partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && is_account_id(account)
        && resource
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty() && !n.ends_with('/'));
    ok.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_accounts_and_role_arns() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eusc-de-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "us east 1",
            "US-EAST-1",
            "us-east",
            "useast1",
            "us-east-1a",
            "",
            "x-y-1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
        assert_eq!(
            role_arn_account("arn:aws:iam::123456789012:role/path/exporter"),
            Some("123456789012")
        );
        assert_eq!(
            role_arn_account("arn:aws-cn:iam::123456789012:role/x"),
            Some("123456789012")
        );
        for bad in [
            "my-role",
            "arn:aws:iam::123:role/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }
}
