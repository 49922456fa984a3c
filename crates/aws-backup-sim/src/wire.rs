//! Jobs and protected resources in the AWS Backup REST-JSON wire format as the Rust SDK reads
//! it: JSON keys from the SDK's shape deserializers, dates as epoch-second numbers (it rejects
//! date strings).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::json::Obj;
use crate::model::{
    Interner, Rec, RuleId, Sym, hex_id, recovery_point_arn, rp_prefix, rp_suffix, uuid_lower,
    vault_arn,
};
use crate::rng::{hash, hash_str};
use crate::store::Store;
use crate::types::SimJobType;

/// What every job of one (job type, account, region, vault, backup rule) shares on the wire.
type FragKey = (SimJobType, Sym, Sym, Option<Sym>, Option<RuleId>);

/// Serializes jobs of one page. Members shared by many jobs (vault and role ARNs, the backup
/// plan) are rendered once per page, so a page costs little more than copying bytes.
pub(crate) struct JobWriter<'a> {
    pub store: &'a Store,
    pub now: i64,
    scratch: String,
    id: String,
    frags: HashMap<FragKey, Vec<u8>>,
    rp_prefixes: HashMap<(Sym, Sym, Sym), String>,
}

impl<'a> JobWriter<'a> {
    pub(crate) fn new(store: &'a Store, now: i64) -> JobWriter<'a> {
        JobWriter {
            store,
            now,
            scratch: String::with_capacity(256),
            id: String::with_capacity(64),
            frags: HashMap::new(),
            rp_prefixes: HashMap::new(),
        }
    }

    pub(crate) fn write(&mut self, out: &mut Vec<u8>, ty: SimJobType, slot: u32) {
        let rec = &self.store.tables[ty].recs[slot as usize];
        match ty {
            SimJobType::Backup => self.backup(out, rec),
            SimJobType::Restore => self.restore(out, slot, rec),
            SimJobType::Copy => self.copy(out, slot, rec),
            SimJobType::Scan => self.scan(out, slot, rec),
        }
    }

    fn percent_done(&self, rec: &Rec) -> String {
        match self.store.strs.str(rec.state) {
            "COMPLETED" => "100.0".to_owned(),
            "RUNNING" | "ABORTING" => {
                let pct = ((self.now - rec.creation) as f64 / 18.0).clamp(1.0, 99.0);
                format!("{pct:.1}")
            }
            _ => "0.0".to_owned(),
        }
    }

    /// The shared members of a job, rendered on first use in this page.
    fn fragment(&mut self, key: FragKey) -> &[u8] {
        let strs = &self.store.strs;
        self.frags.entry(key).or_insert_with(|| {
            let (ty, account, region, vault, rule) = key;
            let (account, region) = (strs.str(account), strs.str(region));
            let mut buf = Vec::with_capacity(512);
            let mut o = Obj::begin(&mut buf);
            let mut arn = String::new();
            let _ = write!(
                arn,
                "arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"
            );
            o.str("IamRoleArn", &arn);
            if let Some(v) = vault {
                let vault = strs.str(v);
                arn.clear();
                vault_arn(&mut arn, region, account, vault);
                match ty {
                    SimJobType::Backup | SimJobType::Scan => {
                        o.str("BackupVaultName", vault);
                        o.str("BackupVaultArn", &arn);
                    }
                    SimJobType::Restore => o.str("BackupVaultArn", &arn),
                    SimJobType::Copy => o.str("SourceBackupVaultArn", &arn),
                }
            }
            let scan = ty == SimJobType::Scan;
            if scan || (ty == SimJobType::Backup && (vault.is_some() || rule.is_some())) {
                let vault = strs.opt(vault).unwrap_or("");
                created_by(o.key("CreatedBy"), strs, account, region, vault, rule, scan);
            }
            if scan {
                arn.clear();
                let _ = write!(
                    arn,
                    "arn:aws:iam::{account}:role/service-role/AWSBackupMalwareScannerRole"
                );
                o.str("ScannerRoleArn", &arn);
            }
            o.end();
            // Keep the members only: drop the braces.
            buf.pop();
            buf.remove(0);
            buf
        })
    }

    fn backup(&mut self, out: &mut Vec<u8>, r: &Rec) {
        let strs = &self.store.strs;
        let state = strs.str(r.state);
        self.id.clear();
        r.id.write_to(&mut self.id);
        let mut o = Obj::begin(out);
        o.str("AccountId", strs.str(r.account));
        o.str("BackupJobId", &self.id);
        o.raw(self.fragment((SimJobType::Backup, r.account, r.region, r.vault, r.rule)));
        if state == "COMPLETED" {
            let prefix = self
                .rp_prefixes
                .entry((r.resource_type, r.region, r.account))
                .or_insert_with(|| {
                    let mut p = String::new();
                    rp_prefix(
                        &mut p,
                        strs.str(r.resource_type),
                        strs.str(r.region),
                        strs.str(r.account),
                    );
                    p
                });
            self.scratch.clear();
            self.scratch.push_str(prefix);
            rp_suffix(
                &mut self.scratch,
                strs.str(r.resource_type),
                hash_str(&self.id),
            );
            o.str("RecoveryPointArn", &self.scratch);
        }
        o.str("ResourceArn", strs.str(r.resource_arn));
        if r.dated {
            o.num("CreationDate", r.creation);
        }
        o.opt_num("CompletionDate", r.completion);
        o.str("State", state);
        o.opt_str("StatusMessage", strs.opt(r.status_message));
        o.str("PercentDone", &self.percent_done(r));
        o.opt_num("BackupSizeInBytes", r.size);
        o.str("ResourceType", strs.str(r.resource_type));
        o.opt_str("ParentJobId", strs.opt(r.parent));
        o.bool("IsParent", r.is_parent);
        o.opt_str("ResourceName", strs.opt(r.resource_name));
        o.opt_str("MessageCategory", strs.opt(r.message_category));
        o.end();
    }

    fn restore(&mut self, out: &mut Vec<u8>, slot: u32, r: &Rec) {
        let strs = &self.store.strs;
        let account = strs.str(r.account);
        let region = strs.str(r.region);
        let rtype = strs.str(r.resource_type);
        let state = strs.str(r.state);
        let id = r.id.to_string();
        let mut o = Obj::begin(out);
        o.str("AccountId", account);
        o.str("RestoreJobId", &id);
        self.scratch.clear();
        self.store
            .source_rp_arn(&mut self.scratch, SimJobType::Restore, slot, r);
        o.str("RecoveryPointArn", &self.scratch);
        o.str("SourceResourceArn", strs.str(r.resource_arn));
        o.raw(self.fragment((SimJobType::Restore, r.account, r.region, r.vault, None)));
        if r.dated {
            o.num("CreationDate", r.creation);
        }
        o.opt_num("CompletionDate", r.completion);
        o.str("Status", state);
        o.opt_str("StatusMessage", strs.opt(r.status_message));
        o.str("PercentDone", &self.percent_done(r));
        o.opt_num("BackupSizeInBytes", r.size);
        if state == "COMPLETED" {
            self.scratch.clear();
            created_resource_arn(&mut self.scratch, rtype, region, account, &id);
            o.str("CreatedResourceArn", &self.scratch);
        }
        o.str("ResourceType", rtype);
        let rp_created = self.store.rp_created(SimJobType::Restore, slot, r);
        o.num("RecoveryPointCreationDate", rp_created);
        o.bool("IsParent", r.is_parent);
        o.opt_str("ParentJobId", strs.opt(r.parent));
        if let Some(plan) = r.plan {
            let out = o.key("CreatedBy");
            let mut c = Obj::begin(out);
            c.str("RestoreTestingPlanArn", strs.str(plan));
            c.end();
        }
        if let Some(v) = r.validation {
            let v = strs.str(v);
            o.str("ValidationStatus", v);
            let msg = match v {
                "FAILED" => Some("Validation script exited with a non-zero status."),
                "TIMED_OUT" => Some("No validation result was received within the window."),
                _ => None,
            };
            o.opt_str("ValidationStatusMessage", msg);
        }
        if r.plan.is_some() && state == "COMPLETED" {
            o.str("DeletionStatus", "SUCCESSFUL");
        }
        o.end();
    }

    fn copy(&mut self, out: &mut Vec<u8>, slot: u32, r: &Rec) {
        let strs = &self.store.strs;
        let account = strs.str(r.account);
        let region = strs.str(r.region);
        let state = strs.str(r.state);
        let id = r.id.to_string();
        let mut o = Obj::begin(out);
        o.str("AccountId", account);
        o.str("CopyJobId", &id);
        o.raw(self.fragment((SimJobType::Copy, r.account, r.region, r.vault, None)));
        self.scratch.clear();
        self.store
            .source_rp_arn(&mut self.scratch, SimJobType::Copy, slot, r);
        o.str("SourceRecoveryPointArn", &self.scratch);
        self.scratch.clear();
        self.store
            .dest_vault_arn(&mut self.scratch, SimJobType::Copy, slot, r);
        o.str("DestinationBackupVaultArn", &self.scratch);
        if state == "COMPLETED" {
            // Same service and resource, in the destination's region and account.
            let mut parts = self.scratch.split(':');
            let dest_region = parts.nth(3).unwrap_or(region).to_owned();
            let dest_account = parts.next().unwrap_or(account).to_owned();
            self.scratch.clear();
            recovery_point_arn(
                &mut self.scratch,
                strs.str(r.resource_type),
                &dest_region,
                &dest_account,
                &format!("{id}/copy"),
            );
            o.str("DestinationRecoveryPointArn", &self.scratch);
        }
        o.str("ResourceArn", strs.str(r.resource_arn));
        if r.dated {
            o.num("CreationDate", r.creation);
        }
        o.opt_num("CompletionDate", r.completion);
        o.str("State", state);
        o.opt_str("StatusMessage", strs.opt(r.status_message));
        o.opt_num("BackupSizeInBytes", r.size);
        let src = self.store.tables[SimJobType::Copy].extras.get(&slot);
        o.opt_str(
            "CreatedByBackupJobId",
            src.and_then(|e| e.source_job.as_deref()),
        );
        o.str("ResourceType", strs.str(r.resource_type));
        o.opt_str("ParentJobId", strs.opt(r.parent));
        o.bool("IsParent", r.is_parent);
        o.opt_str("ResourceName", strs.opt(r.resource_name));
        o.opt_str("MessageCategory", strs.opt(r.message_category));
        o.end();
    }

    fn scan(&mut self, out: &mut Vec<u8>, slot: u32, r: &Rec) {
        let strs = &self.store.strs;
        let id = r.id.to_string();
        let h = hash_str(&id);
        let mut o = Obj::begin(out);
        o.str("AccountId", strs.str(r.account));
        o.raw(self.fragment((SimJobType::Scan, r.account, r.region, r.vault, r.rule)));
        o.opt_num("CompletionDate", r.completion);
        if r.dated {
            o.num("CreationDate", r.creation);
        }
        o.opt_str("MalwareScanner", strs.opt(r.scanner));
        self.scratch.clear();
        self.store
            .source_rp_arn(&mut self.scratch, SimJobType::Scan, slot, r);
        o.str("RecoveryPointArn", &self.scratch);
        o.str("ResourceArn", strs.str(r.resource_arn));
        o.opt_str("ResourceName", strs.opt(r.resource_name));
        o.str("ResourceType", strs.str(r.resource_type));
        self.scratch.clear();
        hex_id(&mut self.scratch, h.rotate_left(17), 32);
        o.str("ScanId", &self.scratch);
        o.str("ScanJobId", &id);
        // Now and then a full scan; incremental ones in between.
        let mode = if h.is_multiple_of(4) {
            "FULL_SCAN"
        } else {
            "INCREMENTAL_SCAN"
        };
        o.str("ScanMode", mode);
        if let Some(v) = r.scan_result {
            let mut c = Obj::begin(o.key("ScanResult"));
            c.str("ScanResultStatus", strs.str(v));
            c.end();
        }
        o.str("State", strs.str(r.state));
        o.opt_str("StatusMessage", strs.opt(r.status_message));
        o.end();
    }

    pub(crate) fn resource(&mut self, out: &mut Vec<u8>, idx: u32) {
        let strs = &self.store.strs;
        let res = &self.store.resources[idx as usize];
        let mut o = Obj::begin(out);
        o.str("ResourceArn", strs.str(res.arn));
        o.str("ResourceType", strs.str(res.rtype));
        o.opt_str("ResourceName", strs.opt(res.name));
        if let Some(last) = self.store.last_backup(res) {
            let account = strs.str(res.account);
            let region = strs.str(res.region);
            o.num("LastBackupTime", last.time);
            let (vault, key) = match last.job {
                Some(slot) => {
                    let r = &self.store.tables[SimJobType::Backup].recs[slot as usize];
                    (r.vault, r.id.to_string())
                }
                None => (res.vault, format!("{}@{}", strs.str(res.arn), last.time)),
            };
            if let Some(v) = vault {
                self.scratch.clear();
                vault_arn(&mut self.scratch, region, account, strs.str(v));
                o.str("LastBackupVaultArn", &self.scratch);
            }
            self.scratch.clear();
            recovery_point_arn(
                &mut self.scratch,
                strs.str(res.rtype),
                region,
                account,
                &key,
            );
            o.str("LastRecoveryPointArn", &self.scratch);
        }
        o.end();
    }
}

/// A backup job's `CreatedBy` (RecoveryPointCreator). With a rule, the plan and rule ids derive
/// from their names, and the cron and time zone are the rule's; without one (a job inserted by
/// hand), the ids derive from the vault and there is no cron. A scan job's (ScanJobCreator)
/// has the plan's ARN, id and version and the rule's id only.
fn created_by(
    out: &mut Vec<u8>,
    strs: &Interner,
    account: &str,
    region: &str,
    vault: &str,
    rule: Option<RuleId>,
    scan: bool,
) {
    let rule = rule.map(|id| strs.rule(id));
    let plan_key = rule.map_or(vault, |[plan, ..]| plan);
    let h = hash(&[hash_str(account), hash_str(region), hash_str(plan_key)]);
    let mut c = Obj::begin(out);
    let mut plan_id = String::with_capacity(36);
    uuid_lower(&mut plan_id, h, h.rotate_left(21));
    c.str("BackupPlanId", &plan_id);
    let mut s = String::with_capacity(96);
    let _ = write!(s, "arn:aws:backup:{region}:{account}:backup-plan:{plan_id}");
    c.str("BackupPlanArn", &s);
    match rule {
        _ if scan => {
            s.clear();
            plan_version(&mut s, h);
            c.str("BackupPlanVersion", &s);
            s.clear();
            match rule {
                Some([_, name, ..]) => {
                    let r = hash(&[h, hash_str(name)]);
                    uuid_lower(&mut s, r, r.rotate_left(13));
                }
                None => uuid_lower(&mut s, h.rotate_left(7), h ^ 0x5DEE_CE66),
            }
            c.str("BackupRuleId", &s);
        }
        None => {
            s.clear();
            uuid_lower(&mut s, h.rotate_left(7), h ^ 0x5DEE_CE66);
            c.str("BackupRuleId", &s);
        }
        Some([plan, name, cron, tz]) => {
            c.str("BackupPlanName", plan);
            s.clear();
            plan_version(&mut s, h);
            c.str("BackupPlanVersion", &s);
            s.clear();
            let r = hash(&[h, hash_str(name)]);
            uuid_lower(&mut s, r, r.rotate_left(13));
            c.str("BackupRuleId", &s);
            c.str("BackupRuleName", name);
            c.str("BackupRuleCron", cron);
            c.str("BackupRuleTimezone", tz);
        }
    }
    c.end();
}

/// A plan version as AWS writes them: a UUID's text in base64.
fn plan_version(out: &mut String, h: u64) {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(36);
    uuid_lower(&mut text, h.rotate_left(33), h ^ 0x0B5E_55ED);
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
}

/// The resource a completed restore created.
fn created_resource_arn(out: &mut String, rtype: &str, region: &str, account: &str, id: &str) {
    let h = hash_str(id);
    let tail = &format!("{h:016x}")[..8];
    match rtype {
        "EBS" => {
            let _ = write!(out, "arn:aws:ec2:{region}:{account}:volume/vol-{h:017x}");
        }
        "EC2" => {
            let _ = write!(out, "arn:aws:ec2:{region}:{account}:instance/i-{h:017x}");
        }
        "RDS" => {
            let _ = write!(out, "arn:aws:rds:{region}:{account}:db:restored-{tail}");
        }
        "Aurora" | "DocumentDB" | "Neptune" => {
            let _ = write!(
                out,
                "arn:aws:rds:{region}:{account}:cluster:restored-{tail}"
            );
        }
        "DynamoDB" => {
            let _ = write!(
                out,
                "arn:aws:dynamodb:{region}:{account}:table/restored-{tail}"
            );
        }
        "EFS" => {
            let _ = write!(
                out,
                "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{h:017x}"
            );
        }
        "FSx" => {
            let _ = write!(
                out,
                "arn:aws:fsx:{region}:{account}:file-system/fs-{h:017x}"
            );
        }
        "S3" => {
            let _ = write!(out, "arn:aws:s3:::restored-{tail}");
        }
        _ => {
            let _ = write!(out, "arn:aws:ec2:{region}:{account}:instance/i-{h:017x}");
        }
    }
}
