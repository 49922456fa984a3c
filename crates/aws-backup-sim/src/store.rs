//! The job store and its indexes. Listing must stay cheap with a million jobs: ordered sets keyed
//! by (date, slot) give a binary search to the first candidate and a stable position to resume
//! from, so a page costs its own size, never the size of the store.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use crate::model::{
    Extra, Interner, JobId, Rec, Sym, recovery_point_arn, rp_hash, rp_hash_of, vault_arn,
};
use crate::types::SimJobType;

/// States a job passes through before it ends; listed by `ByState` snapshots.
pub(crate) const ACTIVE_STATES: [&str; 4] = ["CREATED", "PENDING", "RUNNING", "ABORTING"];

/// One table per job type, indexed by the type itself.
#[derive(Default)]
pub(crate) struct Tables([Table; SimJobType::ALL.len()]);

impl std::ops::Index<SimJobType> for Tables {
    type Output = Table;
    fn index(&self, ty: SimJobType) -> &Table {
        &self.0[ty as usize]
    }
}

impl std::ops::IndexMut<SimJobType> for Tables {
    fn index_mut(&mut self, ty: SimJobType) -> &mut Table {
        &mut self.0[ty as usize]
    }
}

impl Tables {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SimJobType, &Table)> {
        SimJobType::ALL.into_iter().map(|t| (t, &self[t]))
    }
}

/// Position in an index: (creation or completion date, slot).
pub(crate) type Key = (i64, u32);

/// Which ordering a listing walks; part of the page token, so a token is only valid for the
/// kind of query that produced it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Index {
    Created = 0,
    Completed = 1,
    Open = 2,
    Resources = 3,
    /// A position in a list computed per request (vaults, plans, summaries).
    Position = 4,
}

impl Index {
    pub(crate) fn from_u8(v: u8) -> Option<Index> {
        Some(match v {
            0 => Index::Created,
            1 => Index::Completed,
            2 => Index::Open,
            3 => Index::Resources,
            4 => Index::Position,
            _ => return None,
        })
    }
}

#[derive(Default)]
pub(crate) struct Table {
    pub recs: Vec<Rec>,
    ids: HashMap<JobId, u32>,
    by_created: BTreeSet<Key>,
    by_completed: BTreeSet<Key>,
    /// Jobs in an active state, by creation date: active snapshots stay cheap however long
    /// the history is.
    open: BTreeSet<Key>,
    pub extras: HashMap<u32, Extra>,
}

impl Table {
    pub(crate) fn slot(&self, id: &JobId) -> Option<u32> {
        self.ids.get(id).copied()
    }
}

pub(crate) struct ResRec {
    pub account: Sym,
    pub region: Sym,
    pub arn: Sym,
    pub rtype: Sym,
    pub name: Option<Sym>,
    pub vault: Option<Sym>,
    /// Newest COMPLETED backup job of the resource: its LastBackupTime and recovery point.
    pub last_job: Option<u32>,
    /// A recovery point older than the job history, so a resource whose recent jobs all failed
    /// is still listed, with a stale LastBackupTime, as AWS would.
    pub before: Option<i64>,
    /// No longer protected (its recovery points deleted): ListProtectedResources leaves it out.
    pub removed: bool,
}

/// What ListProtectedResources reports for a resource.
pub(crate) struct LastBackup {
    pub time: i64,
    /// The job that made it, or `None` for the recovery point from before the history.
    pub job: Option<u32>,
}

pub(crate) enum Accounts {
    One(Sym),
    All,
}

/// A resolved listing filter: strings already mapped to symbols, dates to inclusive ranges.
pub(crate) struct JobFilter<'a> {
    pub region: Sym,
    pub accounts: Accounts,
    pub state: Option<Sym>,
    pub resource_arn: Option<Sym>,
    pub resource_type: Option<Sym>,
    pub vault: Option<Sym>,
    pub parent: Option<Sym>,
    pub category: Option<Sym>,
    pub plan: Option<Sym>,
    /// Restore jobs: RecoveryPointCreationDate in this inclusive range.
    pub rp_created: Option<(i64, i64)>,
    pub scanner: Option<Sym>,
    pub scan_result: Option<Sym>,
    pub created: (i64, i64),
    pub completed: Option<(i64, i64)>,
    pub dest_vault_arn: Option<&'a str>,
    pub source_rp_arn: Option<&'a str>,
}

pub(crate) struct Store {
    pub strs: Interner,
    pub tables: Tables,
    pub resources: Vec<ResRec>,
    res_index: HashMap<(Sym, Sym, Sym), u32>,
    /// COMPLETED backup jobs per (account, region, vault): the recovery points they made.
    vault_points: HashMap<(Sym, Sym, Sym), u64>,
    /// Backup jobs by the hash their recovery point ARN is derived from (see
    /// [`Store::backup_of_recovery_point`]); built on first use, then kept current.
    rp_hashes: Option<HashMap<u64, u32>>,
    active: [Sym; 4],
    pub completed: Sym,
}

impl Store {
    pub(crate) fn new() -> Store {
        let mut strs = Interner::default();
        let active = ACTIVE_STATES.map(|s| strs.intern(s));
        let completed = strs.intern("COMPLETED");
        Store {
            strs,
            tables: Default::default(),
            resources: Vec::new(),
            res_index: HashMap::new(),
            vault_points: HashMap::new(),
            rp_hashes: None,
            active,
            completed,
        }
    }

    pub(crate) fn is_active(&self, state: Sym) -> bool {
        self.active.contains(&state)
    }

    /// Adds a job or replaces the one with the same id (keeping its slot, so page tokens
    /// handed out earlier stay meaningful). `extra: None` keeps what was there.
    pub(crate) fn put(&mut self, ty: SimJobType, rec: Rec, extra: Option<Extra>) -> u32 {
        let active = self.active;
        let t = &mut self.tables[ty];
        let (slot, old) = match t.ids.get(&rec.id) {
            Some(&slot) => {
                let old = std::mem::replace(&mut t.recs[slot as usize], rec);
                unindex(t, slot, &old, &active);
                (slot, Some(old))
            }
            None => {
                let slot = u32::try_from(t.recs.len()).expect("fewer than 2^32 jobs");
                t.ids.insert(rec.id.clone(), slot);
                if ty == SimJobType::Backup
                    && let Some(m) = &mut self.rp_hashes
                {
                    m.insert(rp_hash(&rec.id), slot);
                }
                t.recs.push(rec);
                (slot, None)
            }
        };
        index(t, slot, &active);
        if let Some(e) = extra {
            t.extras.insert(slot, e);
        }
        if ty == SimJobType::Backup {
            self.note_backup(slot, old.as_ref());
        }
        slot
    }

    /// Appends jobs known to be new and rebuilds the indexes in one sorted pass: how the
    /// benchmark-sized store is loaded.
    pub(crate) fn bulk_append(&mut self, ty: SimJobType, recs: Vec<Rec>) {
        let active = self.active;
        let t = &mut self.tables[ty];
        for rec in recs {
            let slot = u32::try_from(t.recs.len()).expect("fewer than 2^32 jobs");
            t.ids.insert(rec.id.clone(), slot);
            if ty == SimJobType::Backup
                && let Some(m) = &mut self.rp_hashes
            {
                m.insert(rp_hash(&rec.id), slot);
            }
            t.recs.push(rec);
        }
        let keyed = |f: &dyn Fn(&Rec) -> Option<i64>| -> BTreeSet<Key> {
            let mut v: Vec<Key> = t
                .recs
                .iter()
                .enumerate()
                .filter_map(|(i, r)| f(r).map(|d| (d, i as u32)))
                .collect();
            v.sort_unstable();
            v.into_iter().collect()
        };
        let by_created = keyed(&|r| Some(r.creation));
        let by_completed = keyed(&|r| r.completion);
        let open = keyed(&|r| active.contains(&r.state).then_some(r.creation));
        t.by_created = by_created;
        t.by_completed = by_completed;
        t.open = open;
        if ty == SimJobType::Backup {
            for slot in 0..self.tables[SimJobType::Backup].recs.len() as u32 {
                self.note_backup(slot, None);
            }
        }
    }

    /// The protected resource a backup job belongs to; added when first backed up.
    fn resource_of(&mut self, ty: SimJobType, slot: u32) -> u32 {
        let rec = &self.tables[ty].recs[slot as usize];
        let key = (rec.account, rec.region, rec.resource_arn);
        if let Some(&i) = self.res_index.get(&key) {
            return i;
        }
        let r = ResRec {
            account: rec.account,
            region: rec.region,
            arn: rec.resource_arn,
            rtype: rec.resource_type,
            name: rec.resource_name,
            vault: rec.vault,
            last_job: None,
            before: None,
            removed: false,
        };
        self.add_resource(r)
    }

    pub(crate) fn add_resource(&mut self, r: ResRec) -> u32 {
        let key = (r.account, r.region, r.arn);
        if let Some(&i) = self.res_index.get(&key) {
            return i;
        }
        let i = self.resources.len() as u32;
        self.resources.push(r);
        self.res_index.insert(key, i);
        i
    }

    pub(crate) fn last_backup(&self, r: &ResRec) -> Option<LastBackup> {
        let job = r.last_job.map(|j| LastBackup {
            time: self.tables[SimJobType::Backup].recs[j as usize].creation,
            job: Some(j),
        });
        let before = r.before.map(|time| LastBackup { time, job: None });
        match (job, before) {
            (Some(j), Some(b)) if b.time > j.time => Some(b),
            (Some(j), _) => Some(j),
            (None, b) => b,
        }
    }

    /// Recovery points that COMPLETED backup jobs made in a vault.
    pub(crate) fn recovery_points(&self, account: &str, region: &str, vault: &str) -> u64 {
        let key = (
            self.strs.get(account),
            self.strs.get(region),
            self.strs.get(vault),
        );
        match key {
            (Some(a), Some(g), Some(v)) => self.vault_points.get(&(a, g, v)).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// The (account, region, vault) of a backup job's recovery point, if it made one.
    fn point_of(&self, r: &Rec) -> Option<(Sym, Sym, Sym)> {
        r.vault
            .filter(|_| r.state == self.completed)
            .map(|v| (r.account, r.region, v))
    }

    /// Keeps each resource's newest COMPLETED backup current after a backup job changed.
    fn note_backup(&mut self, slot: u32, old: Option<&Rec>) {
        let was = old.and_then(|o| self.point_of(o));
        let now = self.point_of(&self.tables[SimJobType::Backup].recs[slot as usize]);
        if was != now {
            if let Some(k) = was
                && let Some(n) = self.vault_points.get_mut(&k)
            {
                *n = n.saturating_sub(1);
            }
            if let Some(k) = now {
                *self.vault_points.entry(k).or_default() += 1;
            }
        }
        if let Some(old) = old {
            let key = (old.account, old.region, old.resource_arn);
            if let Some(&ri) = self.res_index.get(&key)
                && self.resources[ri as usize].last_job == Some(slot)
            {
                self.recompute_last(ri);
            }
        }
        let rec = &self.tables[SimJobType::Backup].recs[slot as usize];
        if rec.state != self.completed {
            return;
        }
        let creation = rec.creation;
        let ri = self.resource_of(SimJobType::Backup, slot) as usize;
        let recs = &self.tables[SimJobType::Backup].recs;
        let newer = match self.resources[ri].last_job {
            None => true,
            Some(j) => (creation, slot) >= (recs[j as usize].creation, j),
        };
        if newer {
            self.resources[ri].last_job = Some(slot);
        }
    }

    fn recompute_last(&mut self, ri: u32) {
        let r = &self.resources[ri as usize];
        let best = self.tables[SimJobType::Backup]
            .recs
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                b.state == self.completed
                    && b.account == r.account
                    && b.region == r.region
                    && b.resource_arn == r.arn
            })
            .max_by_key(|(i, b)| (b.creation, *i))
            .map(|(i, _)| i as u32);
        self.resources[ri as usize].last_job = best;
    }

    /// The index a query walks: completion order when a completion bound is given (jobs
    /// without a CompletionDate never match one), the small active set for active states.
    pub(crate) fn index_for(&self, f: &JobFilter) -> Index {
        if f.completed.is_some() {
            Index::Completed
        } else if f.state.is_some_and(|s| self.is_active(s)) {
            Index::Open
        } else {
            Index::Created
        }
    }

    /// One page: the matching slots after `after`, and the key to resume from when more match.
    pub(crate) fn list(
        &self,
        ty: SimJobType,
        f: &JobFilter,
        idx: Index,
        after: Option<Key>,
        max: usize,
    ) -> (Vec<u32>, Option<Key>) {
        let t = &self.tables[ty];
        let (set, (lo, hi)) = match idx {
            Index::Completed => (&t.by_completed, f.completed.unwrap_or((i64::MIN, i64::MAX))),
            Index::Open => (&t.open, f.created),
            _ => (&t.by_created, f.created),
        };
        let mut out = Vec::with_capacity(max.min(1024));
        let lo_key = (lo, 0u32);
        let hi_key = (hi, u32::MAX);
        let start = match after {
            Some(k) if k >= lo_key => Bound::Excluded(k),
            _ => Bound::Included(lo_key),
        };
        let empty = match start {
            Bound::Excluded(k) => k >= hi_key,
            _ => lo_key > hi_key,
        };
        if empty {
            return (out, None);
        }
        let mut scratch = String::new();
        let mut last = None;
        for &(d, slot) in set.range((start, Bound::Included(hi_key))) {
            let rec = &t.recs[slot as usize];
            if !self.matches(ty, slot, rec, f, &mut scratch) {
                continue;
            }
            if out.len() == max {
                return (out, last);
            }
            out.push(slot);
            last = Some((d, slot));
        }
        (out, None)
    }

    fn matches(
        &self,
        ty: SimJobType,
        slot: u32,
        r: &Rec,
        f: &JobFilter,
        scratch: &mut String,
    ) -> bool {
        fn eq<T: PartialEq>(want: Option<T>, have: T) -> bool {
            want.is_none_or(|w| w == have)
        }
        fn eq_opt<T: PartialEq>(want: Option<T>, have: Option<T>) -> bool {
            want.is_none() || want == have
        }
        if r.region != f.region {
            return false;
        }
        if let Accounts::One(a) = f.accounts
            && r.account != a
        {
            return false;
        }
        if !(eq(f.state, r.state)
            && eq(f.resource_arn, r.resource_arn)
            && eq(f.resource_type, r.resource_type)
            && eq_opt(f.vault, r.vault)
            && eq_opt(f.parent, r.parent)
            && eq_opt(f.category, r.message_category)
            && eq_opt(f.plan, r.plan)
            && eq_opt(f.scanner, r.scanner)
            && eq_opt(f.scan_result, r.scan_result))
        {
            return false;
        }
        if r.creation < f.created.0 || r.creation > f.created.1 {
            return false;
        }
        if let Some((lo, hi)) = f.completed {
            match r.completion {
                Some(c) if c >= lo && c <= hi => {}
                _ => return false,
            }
        }
        if let Some((lo, hi)) = f.rp_created {
            let c = self.rp_created(ty, slot, r);
            if c < lo || c > hi {
                return false;
            }
        }
        if let Some(want) = f.dest_vault_arn {
            scratch.clear();
            self.dest_vault_arn(scratch, ty, slot, r);
            if scratch != want {
                return false;
            }
        }
        if let Some(want) = f.source_rp_arn {
            scratch.clear();
            self.source_rp_arn(scratch, ty, slot, r);
            if scratch != want {
                return false;
            }
        }
        true
    }

    /// The COMPLETED backup job whose recovery point ARN (as ListBackupJobs shows it) is
    /// `arn`: the ARN's tail gives back the hash it was derived from, the index the job, and
    /// rendering the job's ARN again confirms it.
    pub(crate) fn backup_of_recovery_point(&mut self, arn: &str) -> Option<u32> {
        let backups = &self.tables[SimJobType::Backup].recs;
        let index = self.rp_hashes.get_or_insert_with(|| {
            backups
                .iter()
                .enumerate()
                .map(|(slot, r)| (rp_hash(&r.id), slot as u32))
                .collect()
        });
        let slot = *index.get(&rp_hash_of(arn)?)?;
        let r = &self.tables[SimJobType::Backup].recs[slot as usize];
        if r.state != self.completed {
            return None;
        }
        let mut own = String::with_capacity(arn.len());
        recovery_point_arn(
            &mut own,
            self.strs.str(r.resource_type),
            self.strs.str(r.region),
            self.strs.str(r.account),
            &r.id.to_string(),
        );
        (own == arn).then_some(slot)
    }

    /// When the recovery point a restore job restores was made: six hours before the restore
    /// started, unless recorded.
    pub(crate) fn rp_created(&self, ty: SimJobType, slot: u32, r: &Rec) -> i64 {
        self.tables[ty]
            .extras
            .get(&slot)
            .and_then(|e| e.rp_created)
            .unwrap_or(r.creation - 6 * 3600)
    }

    /// Where a copy job copies to: recorded by the generator, else a DR vault in the same
    /// account and region.
    pub(crate) fn dest_vault_arn(&self, out: &mut String, ty: SimJobType, slot: u32, r: &Rec) {
        match self.tables[ty]
            .extras
            .get(&slot)
            .and_then(|e| e.dest_vault_arn.as_deref())
        {
            Some(arn) => out.push_str(arn),
            None => vault_arn(
                out,
                self.strs.str(r.region),
                self.strs.str(r.account),
                "dr-vault",
            ),
        }
    }

    /// The recovery point a copy, restore or scan job reads: the one recorded, else that of
    /// its source backup job when known, else one derived from its own id.
    pub(crate) fn source_rp_arn(&self, out: &mut String, ty: SimJobType, slot: u32, r: &Rec) {
        let extra = self.tables[ty].extras.get(&slot);
        if let Some(arn) = extra.and_then(|e| e.source_rp_arn.as_deref()) {
            out.push_str(arn);
            return;
        }
        let src = extra.and_then(|e| e.source_job.as_deref());
        let own;
        let key = match src {
            Some(s) => s,
            None => {
                own = format!("{}/source", r.id);
                &own
            }
        };
        recovery_point_arn(
            out,
            self.strs.str(r.resource_type),
            self.strs.str(r.region),
            self.strs.str(r.account),
            key,
        );
    }

    /// Jobs of `ty` created in `(lo, hi]`, oldest first.
    pub(crate) fn created_in(
        &self,
        ty: SimJobType,
        lo: i64,
        hi: i64,
    ) -> impl Iterator<Item = &Rec> {
        let t = &self.tables[ty];
        let lo = lo.min(hi);
        t.by_created
            .range((
                Bound::Excluded((lo, u32::MAX)),
                Bound::Included((hi, u32::MAX)),
            ))
            .map(move |&(_, slot)| &t.recs[slot as usize])
    }

    /// Protected resources of one account and region that have a recovery point.
    pub(crate) fn list_resources(
        &self,
        account: Sym,
        region: Sym,
        after: Option<u32>,
        max: usize,
    ) -> (Vec<u32>, Option<u32>) {
        let start = after.map_or(0, |a| a as usize + 1);
        let mut out = Vec::new();
        for (i, r) in self.resources.iter().enumerate().skip(start) {
            if r.account != account
                || r.region != region
                || r.removed
                || (r.last_job.is_none() && r.before.is_none())
            {
                continue;
            }
            if out.len() == max {
                let last = out.last().copied();
                return (out, last);
            }
            out.push(i as u32);
        }
        (out, None)
    }
}

fn index(t: &mut Table, slot: u32, active: &[Sym; 4]) {
    let r = &t.recs[slot as usize];
    let (creation, completion, open) = (r.creation, r.completion, active.contains(&r.state));
    t.by_created.insert((creation, slot));
    if let Some(c) = completion {
        t.by_completed.insert((c, slot));
    }
    if open {
        t.open.insert((creation, slot));
    }
}

fn unindex(t: &mut Table, slot: u32, r: &Rec, active: &[Sym; 4]) {
    t.by_created.remove(&(r.creation, slot));
    if let Some(c) = r.completion {
        t.by_completed.remove(&(c, slot));
    }
    if active.contains(&r.state) {
        t.open.remove(&(r.creation, slot));
    }
}
