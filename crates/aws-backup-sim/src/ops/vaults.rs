//! ListBackupVaults: the caller's vaults in its region, standard ones unless a `vaultType`
//! asks for another type, as AWS lists them.

use crate::generate::org::Org;
use crate::generate::vaults::{AIR_GAPPED, BACKUP_VAULT, vaults};
use crate::json::{Obj, json_str};
use crate::ops::params::{VAULTS_OP, max_results, page_of, position_token, read_position_token};
use crate::query::Query;
use crate::reply::{Caller, Reply};
use crate::store::Store;
use crate::types::SimVault;

/// Every vault now, its recovery points counted from the store.
pub(crate) fn vaults_now(org: &Org, store: &Store) -> Vec<SimVault> {
    let mut all = vaults(org);
    for v in &mut all {
        let n = store.recovery_points(&v.account_id, &v.region, &v.backup_vault_name);
        v.number_of_recovery_points += n as i64;
    }
    all
}

pub(crate) fn list_backup_vaults(
    org: &Org,
    store: &Store,
    query: &Query,
    caller: &Caller,
) -> Reply {
    let max = match max_results(query.get("maxResults")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let ty = match query.get("vaultType") {
        None => BACKUP_VAULT,
        Some(t @ (BACKUP_VAULT | AIR_GAPPED | "RESTORE_ACCESS_BACKUP_VAULT")) => t,
        Some(t) => return Reply::invalid(&format!("Invalid vaultType {t:?}")),
    };
    // Accepted, as AWS does; no vault here is shared with another account.
    if let Some(s) = query.get("shared")
        && s != "true"
        && s != "false"
    {
        return Reply::invalid(&format!("Invalid shared {s:?}"));
    }
    let start = match read_position_token(query.get("nextToken"), VAULTS_OP) {
        Ok(t) => t.map_or(0, |(_, p)| p),
        Err(r) => return r,
    };
    let mine: Vec<SimVault> = vaults_now(org, store)
        .into_iter()
        .filter(|v| v.account_id == caller.account && v.region == caller.region)
        .filter(|v| v.vault_type == ty)
        .collect();
    let (page, next) = page_of(&mine, start, max);
    let mut out = Vec::with_capacity(512 * page.len() + 64);
    out.extend_from_slice(b"{\"BackupVaultList\":[");
    for (i, v) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_vault(&mut out, v);
    }
    out.push(b']');
    if let Some(n) = next {
        out.extend_from_slice(b",\"NextToken\":");
        json_str(&mut out, &position_token(VAULTS_OP, 0, n));
    }
    out.push(b'}');
    Reply::json(200, out)
}

fn write_vault(out: &mut Vec<u8>, v: &SimVault) {
    let mut o = Obj::begin(out);
    o.str("BackupVaultName", &v.backup_vault_name);
    o.str("BackupVaultArn", &v.backup_vault_arn);
    o.str("VaultType", &v.vault_type);
    o.str("VaultState", &v.vault_state);
    o.num("CreationDate", v.creation_date);
    o.str("EncryptionKeyArn", &v.encryption_key_arn);
    o.opt_str("CreatorRequestId", v.creator_request_id.as_deref());
    o.num("NumberOfRecoveryPoints", v.number_of_recovery_points);
    o.bool("Locked", v.locked);
    o.opt_num("MinRetentionDays", v.min_retention_days);
    o.opt_num("MaxRetentionDays", v.max_retention_days);
    o.opt_num("LockDate", v.lock_date);
    o.str("EncryptionKeyType", &v.encryption_key_type);
    o.end();
}
