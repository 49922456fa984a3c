//! The backup vaults of each account and region: those the generated plans and copies use,
//! and one logically air-gapped vault, with the locks an auditor would look for.

use crate::generate::org::{DAY, Org};
use crate::model::{uuid_lower, vault_arn};
use crate::rng::{Rng, hash, hash_str};
use crate::types::SimVault;

pub(crate) const BACKUP_VAULT: &str = "BACKUP_VAULT";
pub(crate) const AIR_GAPPED: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";
const AIR_GAPPED_NAME: &str = "airgapped-vault";

/// Every vault, by account, region and name; `number_of_recovery_points` counts only the
/// recovery points from before the simulated history (the store adds its own).
pub(crate) fn vaults(org: &Org) -> Vec<SimVault> {
    let mut out = Vec::new();
    if !org.scheduled {
        return out;
    }
    let last = org.accounts.len() - 1;
    for (a, account) in org.accounts.iter().enumerate() {
        for region in &org.regions {
            let mut names = vec![
                "Default",
                "compliance-vault",
                "dr-vault",
                "prod-daily",
                "prod-hourly",
                AIR_GAPPED_NAME,
            ];
            if a == last {
                names.push("central-backup-vault");
            }
            names.sort_unstable();
            for name in names {
                out.push(vault(org, account, region, name));
            }
        }
    }
    out
}

fn vault(org: &Org, account: &str, region: &str, name: &str) -> SimVault {
    let key = [
        org.seed,
        0x7A017,
        hash_str(account),
        hash_str(region),
        hash_str(name),
    ];
    let mut rng = Rng::keyed(&key);
    let created = org.start - rng.range(30 * DAY, 900 * DAY);
    let mut arn = String::new();
    vault_arn(&mut arn, region, account, name);
    let mut key_arn = format!("arn:aws:kms:{region}:{account}:key/");
    uuid_lower(&mut key_arn, rng.next_u64(), rng.next_u64());
    let customer_key = matches!(
        name,
        "prod-daily" | "compliance-vault" | "central-backup-vault"
    );
    // The Default vault is the one AWS Backup creates by itself, without a request id.
    let request_id = (name != "Default").then(|| {
        let mut s = String::new();
        let h = hash(&key);
        uuid_lower(&mut s, h, h.rotate_left(31));
        s
    });
    // Compliance mode: immutable since LockDate. Governance mode: locked, no LockDate.
    // Logically air-gapped vaults are always locked in compliance mode.
    let (locked, lock_date, min, max) = match name {
        "compliance-vault" => (true, Some(created + 3 * DAY), Some(35), Some(3650)),
        "prod-daily" => (true, None, Some(7), None),
        AIR_GAPPED_NAME => (true, Some(created), Some(7), Some(90)),
        _ => (false, None, None, None),
    };
    let older = match name {
        "prod-hourly" => rng.range(500, 3000),
        "Default" => rng.range(10, 200),
        _ => rng.range(50, 1500),
    };
    SimVault {
        account_id: account.to_owned(),
        region: region.to_owned(),
        backup_vault_name: name.to_owned(),
        backup_vault_arn: arn,
        vault_type: if name == AIR_GAPPED_NAME {
            AIR_GAPPED
        } else {
            BACKUP_VAULT
        }
        .to_owned(),
        vault_state: "AVAILABLE".to_owned(),
        creation_date: created,
        encryption_key_arn: key_arn,
        encryption_key_type: if customer_key {
            "CUSTOMER_MANAGED_KMS_KEY"
        } else {
            "AWS_OWNED_KMS_KEY"
        }
        .to_owned(),
        creator_request_id: request_id,
        number_of_recovery_points: older,
        locked,
        lock_date,
        min_retention_days: min,
        max_retention_days: max,
    }
}
