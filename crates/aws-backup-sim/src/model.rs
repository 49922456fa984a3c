//! Compact in-memory job records. A million jobs must fit comfortably, so repeated strings
//! (accounts, states, ARNs of a bounded set of resources…) are interned and job ids that look
//! like AWS's UUIDs are kept as 16 bytes.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::num::NonZeroU32;
use std::sync::Arc;

use crate::rng::hash_str;
#[cfg(any(test, feature = "testing"))]
use crate::types::{SimCreatedBy, SimJob, SimJobType};

/// An interned string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) struct Sym(NonZeroU32);

/// An interned backup rule: (plan name, rule name, cron, time zone).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RuleId(NonZeroU32);

/// Interning table; lookups by `&str` let filters compare integers instead of strings. Backup
/// rules are interned too: a million jobs share a few hundred of them.
#[derive(Default)]
pub(crate) struct Interner {
    map: HashMap<Arc<str>, Sym>,
    strs: Vec<Arc<str>>,
    rules: Vec<[Sym; 4]>,
    rule_ids: HashMap<[Sym; 4], RuleId>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let a: Arc<str> = Arc::from(s);
        self.strs.push(a.clone());
        let n = u32::try_from(self.strs.len()).expect("fewer than 2^32 distinct strings");
        let sym = Sym(NonZeroU32::new(n).expect("length is positive"));
        self.map.insert(a, sym);
        sym
    }

    pub(crate) fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    pub(crate) fn str(&self, sym: Sym) -> &str {
        &self.strs[sym.0.get() as usize - 1]
    }

    pub(crate) fn opt(&self, sym: Option<Sym>) -> Option<&str> {
        sym.map(|s| self.str(s))
    }

    /// Interns (plan name, rule name, cron, time zone).
    pub(crate) fn intern_rule(&mut self, rule: [&str; 4]) -> RuleId {
        let key = rule.map(|s| self.intern(s));
        if let Some(&id) = self.rule_ids.get(&key) {
            return id;
        }
        self.rules.push(key);
        let n = u32::try_from(self.rules.len()).expect("fewer than 2^32 rules");
        let id = RuleId(NonZeroU32::new(n).expect("length is positive"));
        self.rule_ids.insert(key, id);
        id
    }

    /// (plan name, rule name, cron, time zone).
    pub(crate) fn rule(&self, id: RuleId) -> [&str; 4] {
        self.rules[id.0.get() as usize - 1].map(|s| self.str(s))
    }
}

/// A job id: AWS's uppercase UUIDs in 16 bytes, anything else as text. The string form is
/// canonical both ways, so equal strings always give equal ids.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum JobId {
    Uuid([u8; 16]),
    Text(Box<str>),
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

impl JobId {
    pub(crate) fn from_hash(hi: u64, lo: u64) -> JobId {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        JobId::Uuid(b)
    }

    pub(crate) fn parse(s: &str) -> JobId {
        match parse_uuid_upper(s) {
            Some(b) => JobId::Uuid(b),
            None => JobId::Text(s.into()),
        }
    }
}

impl JobId {
    /// Appends the id without allocating: the listing hot path.
    pub(crate) fn write_to(&self, out: &mut String) {
        match self {
            JobId::Uuid(b) => {
                let mut buf = [0u8; 36];
                write_uuid(&mut buf, b, HEX_UPPER);
                out.push_str(std::str::from_utf8(&buf).expect("hex is ASCII"));
            }
            JobId::Text(s) => out.push_str(s),
        }
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(36);
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

fn write_uuid(buf: &mut [u8; 36], b: &[u8; 16], digits: &[u8; 16]) {
    let mut o = 0;
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            buf[o] = b'-';
            o += 1;
        }
        buf[o] = digits[usize::from(byte >> 4)];
        buf[o + 1] = digits[usize::from(byte & 15)];
        o += 2;
    }
}

fn parse_uuid_upper(s: &str) -> Option<[u8; 16]> {
    let s = s.as_bytes();
    if s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut nibbles = 0usize;
    for (i, &c) in s.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        out[nibbles / 2] |= if nibbles.is_multiple_of(2) { v << 4 } else { v };
        nibbles += 1;
    }
    Some(out)
}

/// A lowercase UUID derived from a hash, for plan ids and ARN suffixes.
pub(crate) fn uuid_lower(out: &mut String, h: u64, l: u64) {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&h.to_be_bytes());
    b[8..].copy_from_slice(&l.to_be_bytes());
    let mut buf = [0u8; 36];
    write_uuid(&mut buf, &b, HEX_LOWER);
    out.push_str(std::str::from_utf8(&buf).expect("hex is ASCII"));
}

/// `n` (at most 32) lowercase hex digits derived from `h`, as in `vol-0abc…` or `snap-…` ids.
pub(crate) fn hex_id(out: &mut String, h: u64, n: usize) {
    let mut push = |x: u64, digits: usize| {
        for i in (0..digits).rev() {
            out.push(HEX_LOWER[((x >> (4 * i)) & 15) as usize] as char);
        }
    };
    if n > 16 {
        push(crate::rng::mix(h), n - 16);
    }
    push(h, n.min(16));
}

/// One job as stored: the fields of [`SimJob`] with strings interned.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rec {
    pub id: JobId,
    pub creation: i64,
    pub completion: Option<i64>,
    pub size: Option<i64>,
    pub account: Sym,
    pub region: Sym,
    pub state: Sym,
    pub status_message: Option<Sym>,
    pub message_category: Option<Sym>,
    pub resource_arn: Sym,
    pub resource_type: Sym,
    pub resource_name: Option<Sym>,
    pub vault: Option<Sym>,
    pub parent: Option<Sym>,
    pub plan: Option<Sym>,
    pub validation: Option<Sym>,
    /// The backup rule that started a backup job, or whose backup a scan job scans.
    pub rule: Option<RuleId>,
    /// Scan jobs: the malware scanner and the ScanResultStatus.
    pub scanner: Option<Sym>,
    pub scan_result: Option<Sym>,
    pub is_parent: bool,
    /// Whether CreationDate is listed; `creation` still orders the job in its index.
    pub dated: bool,
}

impl Rec {
    #[cfg(any(test, feature = "testing"))]
    /// Keeps only what the wire format of that job type carries, so `jobs()` equals what the
    /// API lists (restore jobs have no name or message category; only restores have a plan;
    /// only backup and scan jobs name a backup rule; only scans have scan fields, and they have
    /// no size, category or parent).
    pub(crate) fn from_job(j: &SimJob, strs: &mut Interner) -> Rec {
        let restore = j.job_type == SimJobType::Restore;
        let scan = j.job_type == SimJobType::Scan;
        let mut opt = |s: &Option<String>, keep: bool| match s {
            Some(v) if keep => Some(strs.intern(v)),
            _ => None,
        };
        let status_message = opt(&j.status_message, true);
        let message_category = opt(&j.message_category, !restore && !scan);
        let resource_name = opt(&j.resource_name, !restore);
        let vault = opt(&j.backup_vault_name, true);
        let parent = opt(&j.parent_job_id, !scan);
        let plan = opt(&j.restore_testing_plan_arn, restore);
        let validation = opt(&j.validation_status, restore);
        let scanner = opt(&j.malware_scanner, scan);
        let scan_result = opt(&j.scan_result_status, scan);
        let rule = match &j.created_by {
            Some(c) if matches!(j.job_type, SimJobType::Backup | SimJobType::Scan) => {
                Some(strs.intern_rule([&c.plan_name, &c.rule_name, &c.cron, &c.timezone]))
            }
            _ => None,
        };
        Rec {
            id: JobId::parse(&j.job_id),
            creation: j.creation_date.or(j.completion_date).unwrap_or_default(),
            completion: j.completion_date,
            size: j.backup_size_bytes.filter(|_| !scan),
            account: strs.intern(&j.account_id),
            region: strs.intern(&j.region),
            state: strs.intern(&j.state),
            status_message,
            message_category,
            resource_arn: strs.intern(&j.resource_arn),
            resource_type: strs.intern(&j.resource_type),
            resource_name,
            vault,
            parent,
            plan,
            validation,
            rule,
            scanner,
            scan_result,
            is_parent: j.is_parent && !scan,
            dated: j.creation_date.is_some(),
        }
    }

    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn to_job(&self, job_type: SimJobType, strs: &Interner) -> SimJob {
        let s = |sym: Option<Sym>| strs.opt(sym).map(str::to_owned);
        SimJob {
            job_type,
            job_id: self.id.to_string(),
            account_id: strs.str(self.account).to_owned(),
            region: strs.str(self.region).to_owned(),
            state: strs.str(self.state).to_owned(),
            status_message: s(self.status_message),
            message_category: s(self.message_category),
            resource_arn: strs.str(self.resource_arn).to_owned(),
            resource_type: strs.str(self.resource_type).to_owned(),
            resource_name: s(self.resource_name),
            backup_vault_name: s(self.vault),
            creation_date: self.dated.then_some(self.creation),
            completion_date: self.completion,
            backup_size_bytes: self.size,
            is_parent: self.is_parent,
            parent_job_id: s(self.parent),
            restore_testing_plan_arn: s(self.plan),
            validation_status: s(self.validation),
            created_by: self.rule.map(|id| {
                let [plan, rule, cron, tz] = strs.rule(id);
                SimCreatedBy {
                    plan_name: plan.to_owned(),
                    rule_name: rule.to_owned(),
                    cron: cron.to_owned(),
                    timezone: tz.to_owned(),
                }
            }),
            malware_scanner: s(self.scanner),
            scan_result_status: s(self.scan_result),
        }
    }
}

/// Wire fields that cannot be derived from a [`Rec`]: which backup a copy copies and where to,
/// which recovery point a started restore restores and when it was made.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Extra {
    pub source_job: Option<Box<str>>,
    pub dest_vault_arn: Option<Box<str>>,
    pub source_rp_arn: Option<Box<str>>,
    pub rp_created: Option<i64>,
}

pub(crate) fn vault_arn(out: &mut String, region: &str, account: &str, vault: &str) {
    let _ = write!(
        out,
        "arn:aws:backup:{region}:{account}:backup-vault:{vault}"
    );
}

/// The recovery point a backup job creates, in the per-service ARN form AWS uses.
pub(crate) fn recovery_point_arn(
    out: &mut String,
    resource_type: &str,
    region: &str,
    account: &str,
    job_id: &str,
) {
    rp_prefix(out, resource_type, region, account);
    rp_suffix(out, resource_type, hash_str(job_id));
}

/// The part of a recovery point ARN shared by all of an account's resources of one type.
pub(crate) fn rp_prefix(out: &mut String, resource_type: &str, region: &str, account: &str) {
    let _ = match resource_type {
        "EBS" => write!(out, "arn:aws:ec2:{region}::snapshot/snap-"),
        "EC2" => write!(out, "arn:aws:ec2:{region}::image/ami-"),
        "RDS" => write!(
            out,
            "arn:aws:rds:{region}:{account}:snapshot:awsbackup:job-"
        ),
        "Aurora" | "DocumentDB" | "Neptune" => write!(
            out,
            "arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:job-"
        ),
        "FSx" => write!(out, "arn:aws:fsx:{region}:{account}:backup/backup-"),
        _ => write!(out, "arn:aws:backup:{region}:{account}:recovery-point:"),
    };
}

/// The hash a backup job's recovery point ARN derives from: that of its id's text.
pub(crate) fn rp_hash(id: &JobId) -> u64 {
    match id {
        JobId::Uuid(b) => {
            let mut buf = [0u8; 36];
            write_uuid(&mut buf, b, HEX_UPPER);
            hash_str(std::str::from_utf8(&buf).expect("hex is ASCII"))
        }
        JobId::Text(s) => hash_str(s),
    }
}

/// The hash a recovery point ARN of [`rp_suffix`]'s forms was derived from: its first 16 hex
/// digits after the per-service prefix (17-digit ids lead with one more).
pub(crate) fn rp_hash_of(arn: &str) -> Option<u64> {
    let tail = arn.rsplit([':', '/']).next()?;
    let tail = ["snap-", "ami-", "backup-", "job-"]
        .iter()
        .find_map(|p| tail.strip_prefix(p))
        .unwrap_or(tail);
    let digits: String = tail.chars().filter(|&c| c != '-').collect();
    let hex = match digits.len() {
        17 => &digits[1..],
        32 => &digits[..16],
        _ => return None,
    };
    u64::from_str_radix(hex, 16).ok()
}

pub(crate) fn rp_suffix(out: &mut String, resource_type: &str, h: u64) {
    match resource_type {
        "EBS" | "EC2" | "FSx" => hex_id(out, h, 17),
        "RDS" | "Aurora" | "DocumentDB" | "Neptune" => uuid_lower(out, h, h.rotate_left(29)),
        _ => JobId::from_hash(h, h.rotate_left(29)).write_to(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_round_trip_as_strings() {
        let id = JobId::from_hash(0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210);
        let s = id.to_string();
        assert_eq!(s, "01234567-89AB-CDEF-FEDC-BA9876543210");
        assert_eq!(JobId::parse(&s), id);
        let mut hex = String::new();
        hex_id(&mut hex, 0x0123_4567_89ab_cdef, 17);
        assert_eq!(hex.len(), 17);
        assert!(hex.ends_with("0123456789abcdef"));
        // Lowercase or odd ids stay text, and print back unchanged.
        for t in ["01234567-89ab-cdef-fedc-ba9876543210", "job-1", ""] {
            assert_eq!(JobId::parse(t), JobId::Text(t.into()));
            assert_eq!(JobId::parse(t).to_string(), t);
        }
    }

    #[test]
    fn interner_dedupes() {
        let mut i = Interner::default();
        let a = i.intern("COMPLETED");
        assert_eq!(i.intern("COMPLETED"), a);
        assert_ne!(i.intern("FAILED"), a);
        assert_eq!(i.get("COMPLETED"), Some(a));
        assert_eq!(i.get("nope"), None);
        assert_eq!(i.str(a), "COMPLETED");
    }
}
