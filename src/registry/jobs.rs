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
    /// After a clean dry run: the uploaded file, kept for "import now" (for [`KEEP_FOR`]).
    pub kept: Option<(Spool, std::time::Instant)>,
}

/// How long the file of a clean dry run is kept for "import now".
pub const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

impl Job {
    /// The kept file of a clean dry run, if it is still fresh: taken out of the job (an
    /// import runs from it once).
    pub fn take_kept(&mut self) -> Option<Spool> {
        let (spool, at) = self.kept.take()?;
        (at.elapsed() < KEEP_FOR).then_some(spool)
    }

    /// Whether "import now" can be offered.
    pub fn can_import_now(&self) -> bool {
        self.kept
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() < KEEP_FOR)
    }
}

/// A temporary file holding an upload; removed when dropped.
pub struct Spool {
    pub path: std::path::PathBuf,
    file: Option<std::fs::File>,
}

impl Spool {
    pub fn create() -> std::io::Result<Spool> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("wardline-import-{name}"));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Spool {
            path,
            file: Some(file),
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.file
            .as_mut()
            .expect("open while uploading")
            .write_all(bytes)
    }

    /// Done writing: close the file; returns its size.
    pub fn finish(&mut self) -> std::io::Result<u64> {
        let f = self.file.take().expect("finished once");
        f.sync_data().ok();
        Ok(f.metadata()?.len())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.file.take();
        let _ = std::fs::remove_file(&self.path);
    }
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

    /// Drop the kept files of an account's earlier dry runs (one kept file per account).
    pub fn forget_kept(&self, account_id: i64) {
        let all: Vec<_> = self
            .jobs
            .lock()
            .expect("jobs lock")
            .values()
            .cloned()
            .collect();
        for j in all {
            let mut j = j.lock().expect("job lock");
            if j.account_id == account_id {
                j.kept = None;
            }
        }
    }

    /// A job by number, while it is kept (the last 100).
    pub fn get(&self, id: u64) -> Option<Arc<Mutex<Job>>> {
        self.jobs.lock().expect("jobs lock").get(&id).cloned()
    }
}
