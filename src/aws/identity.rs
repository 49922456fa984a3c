//! Who a target reads as: its region and its caller's account, for the start-up check that no
//! two targets count the same jobs. A role ARN names its account; the environment's
//! credentials are asked (STS GetCallerIdentity, at the target's endpoint when it has one).

use super::client::ClientOptions;
use super::error::AwsError;
use crate::config::{Target, role_arn_account};

/// A target's resolved region and caller account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub region: String,
    pub account: String,
}

/// Resolves `target`'s region and account; calls STS only for the environment's credentials.
pub async fn identity(target: &Target, options: &ClientOptions) -> Result<Identity, AwsError> {
    let base = options.loader(target).load().await;
    let region = base.region().map(|r| r.to_string()).ok_or_else(|| {
        AwsError::setup("no AWS region: set `region` on the target, or AWS_REGION")
    })?;
    if let Some(account) = target.role_arn.as_deref().and_then(role_arn_account) {
        return Ok(Identity {
            region,
            account: account.to_owned(),
        });
    }
    let out = aws_sdk_sts::Client::new(&base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("GetCallerIdentity", &e))?;
    Ok(Identity {
        region,
        account: out.account.unwrap_or_default(),
    })
}
