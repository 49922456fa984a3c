//! The AWS Backup REST-JSON wire format as the Rust SDK reads it: JSON keys from the SDK's
//! shape deserializers, dates as epoch-second numbers (it rejects date strings), query values
//! percent-encoded, errors as `{"__type", "message"}` plus `X-Amzn-ErrorType`.

use std::fmt::Write as _;
use std::io::Write as _;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use std::collections::HashMap;

use super::model::{Rec, Sym, recovery_point_arn, rp_prefix, rp_suffix, uuid_lower, vault_arn};
use super::rng::{hash, hash_str};
use super::store::{BACKUP, COPY, Index, Key, RESTORE, Store};

/// Appends `s` as a JSON string literal; non-ASCII stays raw UTF-8, as AWS sends it.
pub(crate) fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                let _ = write!(out, "\\u{b:04x}");
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends a decimal integer without going through `fmt`.
pub(crate) fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes one JSON object field by field.
pub(crate) struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub(crate) fn begin(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    pub(crate) fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// Pre-rendered `"k":v,…` members.
    pub(crate) fn raw(&mut self, members: &[u8]) {
        if members.is_empty() {
            return;
        }
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(members);
    }

    pub(crate) fn str(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        json_str(out, v);
    }

    pub(crate) fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    pub(crate) fn num(&mut self, k: &str, v: i64) {
        let out = self.key(k);
        push_i64(out, v);
    }

    pub(crate) fn opt_num(&mut self, k: &str, v: Option<i64>) {
        if let Some(v) = v {
            self.num(k, v);
        }
    }

    pub(crate) fn bool(&mut self, k: &str, v: bool) {
        let out = self.key(k);
        out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

/// What every job of one (job type, account, region, vault) shares on the wire.
type FragKey = (usize, Sym, Sym, Option<Sym>);

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

    pub(crate) fn write(&mut self, out: &mut Vec<u8>, ty: usize, slot: u32) {
        let rec = &self.store.tables[ty].recs[slot as usize];
        match ty {
            BACKUP => self.backup(out, rec),
            RESTORE => self.restore(out, slot, rec),
            _ => self.copy(out, slot, rec),
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
            let (ty, account, region, vault) = key;
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
                    BACKUP => {
                        o.str("BackupVaultName", vault);
                        o.str("BackupVaultArn", &arn);
                        let h = hash(&[hash_str(account), hash_str(region), hash_str(vault)]);
                        let mut plan_id = String::with_capacity(36);
                        uuid_lower(&mut plan_id, h, h.rotate_left(21));
                        let mut c = Obj::begin(o.key("CreatedBy"));
                        c.str("BackupPlanId", &plan_id);
                        arn.clear();
                        let _ = write!(
                            arn,
                            "arn:aws:backup:{region}:{account}:backup-plan:{plan_id}"
                        );
                        c.str("BackupPlanArn", &arn);
                        arn.clear();
                        uuid_lower(&mut arn, h.rotate_left(7), h ^ 0x5DEE_CE66);
                        c.str("BackupRuleId", &arn);
                        c.end();
                    }
                    RESTORE => o.str("BackupVaultArn", &arn),
                    _ => o.str("SourceBackupVaultArn", &arn),
                }
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
        o.raw(self.fragment((BACKUP, r.account, r.region, r.vault)));
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
        o.num("CreationDate", r.creation);
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
            .source_rp_arn(&mut self.scratch, RESTORE, slot, r);
        o.str("RecoveryPointArn", &self.scratch);
        o.str("SourceResourceArn", strs.str(r.resource_arn));
        o.raw(self.fragment((RESTORE, r.account, r.region, r.vault)));
        o.num("CreationDate", r.creation);
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
        o.num("RecoveryPointCreationDate", r.creation - 6 * 3600);
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
        o.raw(self.fragment((COPY, r.account, r.region, r.vault)));
        self.scratch.clear();
        self.store.source_rp_arn(&mut self.scratch, COPY, slot, r);
        o.str("SourceRecoveryPointArn", &self.scratch);
        self.scratch.clear();
        self.store.dest_vault_arn(&mut self.scratch, COPY, slot, r);
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
        o.num("CreationDate", r.creation);
        o.opt_num("CompletionDate", r.completion);
        o.str("State", state);
        o.opt_str("StatusMessage", strs.opt(r.status_message));
        o.opt_num("BackupSizeInBytes", r.size);
        let src = self.store.tables[COPY].extras.get(&slot);
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
                    let r = &self.store.tables[BACKUP].recs[slot as usize];
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

/// A JSON error body the SDK's `parse_error_metadata` understands.
pub(crate) fn error_body(code: &str, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + message.len());
    let mut o = Obj::begin(&mut out);
    o.str("__type", code);
    o.str("message", message);
    o.end();
    out
}

/// Decodes a query component: `%XX` escapes and `+` as a space.
pub(crate) fn percent_decode(s: &str) -> String {
    decode(s, true)
}

/// Decodes a path segment, where `+` is itself.
pub(crate) fn percent_decode_path(s: &str) -> String {
    decode(s, false)
}

/// Invalid UTF-8 is replaced rather than rejected: a lookup then simply finds nothing.
fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hi = (b[i + 1] as char).to_digit(16);
                let lo = (b[i + 2] as char).to_digit(16);
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query pairs, decoded, in order.
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// An ISO-8601 date from the query as (seconds, nanoseconds).
pub(crate) fn parse_date(s: &str) -> Option<(i64, u32)> {
    let dt = DateTime::from_str(s, Format::DateTime).ok()?;
    Some((dt.secs(), dt.subsec_nanos()))
}

/// ISO-8601 with a `Z`, as STS writes Expiration.
pub(crate) fn format_date(secs: i64) -> String {
    DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

const TOKEN_KEY: u64 = 0x6261_636B_7570_7369;

/// Page tokens: which operation and index they belong to and where the next page starts,
/// with a check value so a token that was never handed out is refused.
pub(crate) fn encode_token(op: u8, idx: Index, key: Key) -> String {
    let mut b = [0u8; 14];
    b[0] = op;
    b[1] = idx as u8;
    b[2..10].copy_from_slice(&key.0.to_be_bytes());
    b[10..14].copy_from_slice(&key.1.to_be_bytes());
    let mac = token_mac(&b);
    let mut s = String::with_capacity(40);
    for x in b.iter().chain(&mac.to_be_bytes()[2..]) {
        let _ = write!(s, "{x:02x}");
    }
    s
}

pub(crate) fn decode_token(s: &str) -> Option<(u8, Index, Key)> {
    if s.len() != 40 || !s.is_ascii() {
        return None;
    }
    let mut b = [0u8; 20];
    for (i, x) in b.iter_mut().enumerate() {
        *x = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    let mac = token_mac(b[..14].try_into().ok()?);
    if mac.to_be_bytes()[2..] != b[14..] {
        return None;
    }
    let idx = Index::from_u8(b[1])?;
    let date = i64::from_be_bytes(b[2..10].try_into().ok()?);
    let slot = u32::from_be_bytes(b[10..14].try_into().ok()?);
    Some((b[0], idx, (date, slot)))
}

fn token_mac(b: &[u8; 14]) -> u64 {
    let lo = u64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
    let mut hi = [0u8; 8];
    hi[..6].copy_from_slice(&b[8..]);
    hash(&[TOKEN_KEY, lo, u64::from_be_bytes(hi)])
}

/// Escapes text for an XML element body (STS answers).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = Vec::new();
        json_str(&mut out, "db \"prod\" \\ ünïcode\nline2\u{1}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""db \"prod\" \\ ünïcode\nline2\u0001""#
        );
        let v: serde_json::Value = serde_json::from_slice(&error_body("X", "a\"b")).unwrap();
        assert_eq!(v["__type"], "X");
        assert_eq!(v["message"], "a\"b");
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let q = parse_query("completeAfter=2026-11-22T10%3A00%3A00Z&resourceArn=a%20b%2Bc&x&y=1+2");
        assert_eq!(
            q,
            vec![
                ("completeAfter".into(), "2026-11-22T10:00:00Z".into()),
                ("resourceArn".into(), "a b+c".into()),
                ("x".into(), String::new()),
                ("y".into(), "1 2".into()),
            ]
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%BC"), "ü");
        assert_eq!(percent_decode_path("a+b%2Fc"), "a+b/c");
    }

    #[test]
    fn dates_parse_with_and_without_fractions() {
        assert_eq!(parse_date("2026-11-22T10:00:00Z"), Some((1_795_341_600, 0)));
        assert_eq!(
            parse_date("2026-11-22T10:00:00.25Z"),
            Some((1_795_341_600, 250_000_000))
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(format_date(1_795_341_600), "2026-11-22T10:00:00Z");
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let t = encode_token(2, Index::Completed, (1_795_341_600, 42));
        assert_eq!(t.len(), 40);
        assert_eq!(
            decode_token(&t),
            Some((2, Index::Completed, (1_795_341_600, 42)))
        );
        let mut bad = t.clone().into_bytes();
        bad[20] = if bad[20] == b'0' { b'1' } else { b'0' };
        assert_eq!(decode_token(std::str::from_utf8(&bad).unwrap()), None);
        assert_eq!(decode_token("garbage"), None);
        assert_eq!(decode_token(&"é".repeat(20)), None);
    }
}
