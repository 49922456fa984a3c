//! Moves the organization through time: schedules fire, jobs appear when created, progress
//! through their states and settle. Used for the initial fill too, so a simulator advanced
//! to `t` holds what one generated at `t` would (plus older history).

use std::collections::{BTreeMap, HashMap};

use crate::generate::org::{Org, SPAN};
use crate::generate::plan::plan;
use crate::generate::planned::Planned;
use crate::generate::restore::prehistory;
use crate::store::Store;
use crate::types::SimJobType;

pub(crate) struct Live {
    pub org: Org,
    history: i64,
    /// The time the store reflects.
    pub cursor: i64,
    /// Planned jobs not created yet (copies wait for their backup), by creation time.
    future: BTreeMap<(i64, u64), Planned>,
    seq: u64,
    /// Jobs whose state or validation will still change, by (job type, slot).
    progress: HashMap<(SimJobType, u32), Planned>,
}

impl Live {
    pub(crate) fn new(org: Org, history: i64) -> Live {
        Live {
            org,
            history,
            cursor: i64::MIN,
            future: BTreeMap::new(),
            seq: 0,
            progress: HashMap::new(),
        }
    }

    /// Fills the store as of `now`: every job that ended within the history or is active,
    /// and the older restore history.
    pub(crate) fn start(&mut self, store: &mut Store, now: i64) {
        self.cursor = now - self.history - SPAN;
        self.advance(store, now);
        if self.org.scheduled {
            for p in prehistory(&self.org) {
                let rec = p.rec_at(&self.org, &mut store.strs, now);
                store.put(p.ty, rec, p.extra);
            }
        }
    }

    pub(crate) fn advance(&mut self, store: &mut Store, t: i64) {
        if t <= self.cursor {
            return;
        }
        for p in plan(&self.org, self.cursor, t) {
            self.future.insert((p.tl.created, self.seq), p);
            self.seq += 1;
        }
        while let Some(entry) = self.future.first_entry() {
            if entry.key().0 > t {
                break;
            }
            let p = entry.remove();
            self.materialize(store, p, t);
        }
        let mut done = Vec::new();
        for (&(ty, slot), p) in &self.progress {
            let rec = p.rec_at(&self.org, &mut store.strs, t);
            if store.tables[ty].recs[slot as usize] != rec {
                store.put(ty, rec, None);
            }
            if p.settled(t) {
                done.push((ty, slot));
            }
        }
        for key in done {
            self.progress.remove(&key);
        }
        self.cursor = t;
    }

    fn materialize(&mut self, store: &mut Store, p: Planned, t: i64) {
        if p.settled(t) && p.tl.end < t - self.history {
            return;
        }
        if store.tables[p.ty].slot(&p.id).is_some() {
            // Inserted by hand before the schedule got there: the caller's version wins.
            return;
        }
        let rec = p.rec_at(&self.org, &mut store.strs, t);
        let slot = store.put(p.ty, rec, p.extra.clone());
        if !p.settled(t) {
            self.progress.insert((p.ty, slot), p);
        }
    }

    /// Adds a job that starts now (a restore someone started) and drives it from here on.
    pub(crate) fn start_job(&mut self, store: &mut Store, p: Planned) {
        let t = self.cursor;
        let rec = p.rec_at(&self.org, &mut store.strs, t);
        let slot = store.put(p.ty, rec, p.extra.clone());
        if !p.settled(t) {
            self.progress.insert((p.ty, slot), p);
        }
    }

    #[cfg(any(test, feature = "testing"))]
    /// Stops driving a job the caller replaced.
    pub(crate) fn forget(&mut self, ty: SimJobType, slot: u32) {
        self.progress.remove(&(ty, slot));
    }
}
