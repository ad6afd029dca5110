//! The registry's import jobs on this node: each import runs as a task on the node that
//! received the file, and its progress and outcome live here, in memory, for the progress page
//! (served by the same node). At most [`Jobs::limit`] imports run at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::i18n::Msg;
use crate::registry::import::{ImportProgress, ImportReport};

/// Imports that may run at once on a node when the configuration does not say.
pub const DEFAULT_IMPORT_CONCURRENCY: usize = 2;

pub struct Job {
    pub account_id: i64,
    pub file_name: String,
    pub dry_run: bool,
    pub progress: Option<ImportProgress>,
    pub outcome: Option<Result<ImportReport, Msg>>,
}

/// Imports running or finished on this node, by number, and the slots for running ones.
pub struct Jobs {
    next: Mutex<u64>,
    jobs: Mutex<HashMap<u64, Arc<Mutex<Job>>>>,
    slots: Arc<tokio::sync::Semaphore>,
    limit: usize,
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs::new(DEFAULT_IMPORT_CONCURRENCY)
    }
}

/// The right to run one import; given back when dropped.
pub struct ImportSlot(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl Jobs {
    /// At most `limit` (at least 1) imports at once.
    pub fn new(limit: usize) -> Jobs {
        let limit = limit.max(1);
        Jobs {
            next: Mutex::new(0),
            jobs: Mutex::new(HashMap::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
        }
    }

    /// How many imports may run at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A slot to run an import in, if one is free.
    pub fn try_slot(&self) -> Option<ImportSlot> {
        self.slots.clone().try_acquire_owned().ok().map(ImportSlot)
    }

    /// Record a new job; its number and a handle to update it.
    pub fn add(&self, job: Job) -> (u64, Arc<Mutex<Job>>) {
        let mut n = self.next.lock().expect("jobs lock");
        *n += 1;
        let j = Arc::new(Mutex::new(job));
        let mut all = self.jobs.lock().expect("jobs lock");
        // Keep the last 100 reports.
        if all.len() >= 100 {
            if let Some(oldest) = all.keys().min().copied() {
                all.remove(&oldest);
            }
        }
        all.insert(*n, j.clone());
        (*n, j)
    }

    /// A job by number, while it is kept (the last 100).
    pub fn get(&self, id: u64) -> Option<Arc<Mutex<Job>>> {
        self.jobs.lock().expect("jobs lock").get(&id).cloned()
    }
}
