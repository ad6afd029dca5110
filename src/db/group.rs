//! A group-commit writer: requests queue into one task that takes whatever has queued up (up
//! to a batch's worth), applies it in one transaction and answers each request after the
//! commit. Thousands of small writes a second then cost a few commits (fsyncs) a second, and
//! every answered write is durable.
//!
//! A capability says how to apply a batch ([`Batch::apply`]: the jobs in order, one outcome
//! each, inside the given transaction; a job refused for its own reasons is an outcome, not an
//! error). If the batch fails as a whole (a database error, a commit that does not go
//! through), nothing of it stays: the writer rolls it back and applies each job alone in a
//! transaction of its own, so one bad job cannot fail its neighbours; a job that fails alone
//! gets [`Batch::failed`].
//!
//! The queue is bounded: when it is full a request is refused at once ([`Refused::Full`], a
//! 503 with a short Retry-After at the web layer) rather than waiting without end.
//!
//! The pass log (`checkpoints::ingest`) and the sampling ingest (`testing::ingest`) have
//! writers of their own built the same way; they could be moved onto this one.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{Db, DbError, DbResult, Tx};

/// How a capability applies a batch of its jobs.
pub trait Batch: Send + Sync + 'static {
    type Job: Send + Sync + 'static;
    type Out: Send + 'static;

    /// Apply `jobs` in order inside `tx` (the writer commits it): one outcome per job, in the
    /// same order. Later jobs see what earlier ones wrote (idempotency within a batch). An
    /// `Err` throws the whole batch away.
    fn apply<'a>(
        &'a self,
        tx: &'a mut Tx,
        jobs: &'a [Self::Job],
    ) -> impl Future<Output = DbResult<Vec<Self::Out>>> + Send + 'a;

    /// The outcome of a job whose own transaction failed.
    fn failed(&self, job: &Self::Job, e: DbError) -> Self::Out;
}

/// Why a request was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full: try again in a moment.
    Full,
    /// The writer has stopped (the server is shutting down).
    Stopped,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Full => write!(f, "the write queue is full"),
            Refused::Stopped => write!(f, "the writer has stopped"),
        }
    }
}
impl std::error::Error for Refused {}

/// Limits of a writer.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests that may wait in the queue.
    pub queue: usize,
    /// The most jobs applied in one transaction.
    pub batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            queue: 4096,
            batch: 500,
        }
    }
}

type Job<B> = (<B as Batch>::Job, oneshot::Sender<<B as Batch>::Out>);

/// The queue in front of one writer task. Cheap to clone.
pub struct Group<B: Batch> {
    tx: mpsc::Sender<Job<B>>,
}

impl<B: Batch> Clone for Group<B> {
    fn clone(&self) -> Self {
        Group {
            tx: self.tx.clone(),
        }
    }
}

impl<B: Batch> Group<B> {
    /// Start the writer task (needs a Tokio runtime).
    pub fn start(db: Db, batch: B, limits: Limits) -> Group<B> {
        let (tx, rx) = mpsc::channel::<Job<B>>(limits.queue.max(1));
        tokio::spawn(writer(db, Arc::new(batch), rx, limits.batch.max(1)));
        Group { tx }
    }

    /// Queue a job; its outcome comes back after its batch's commit. Refused at once when the
    /// queue is full.
    pub async fn submit(&self, job: B::Job) -> Result<B::Out, Refused> {
        let (reply, rx) = oneshot::channel();
        self.tx.try_send((job, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Refused::Full,
            mpsc::error::TrySendError::Closed(_) => Refused::Stopped,
        })?;
        rx.await.map_err(|_| Refused::Stopped)
    }
}

async fn writer<B: Batch>(db: Db, b: Arc<B>, mut rx: mpsc::Receiver<Job<B>>, max: usize) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < max {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let (work, replies): (Vec<B::Job>, Vec<oneshot::Sender<B::Out>>) = jobs.into_iter().unzip();
        match run(&db, &*b, &work).await {
            Ok(outs) => {
                for (r, o) in replies.into_iter().zip(outs) {
                    let _ = r.send(o);
                }
            }
            Err(e) => {
                if work.len() > 1 {
                    tracing::warn!("a batch of {} failed ({e}); one by one", work.len());
                }
                for (job, r) in work.into_iter().zip(replies) {
                    let one = std::slice::from_ref(&job);
                    let o = match run(&db, &*b, one).await {
                        Ok(mut o) => o.remove(0),
                        Err(e) => b.failed(&job, e),
                    };
                    let _ = r.send(o);
                }
            }
        }
    }
}

/// One transaction over `jobs`; exactly one outcome each or an error (nothing kept).
async fn run<B: Batch>(db: &Db, b: &B, jobs: &[B::Job]) -> DbResult<Vec<B::Out>> {
    let mut tx = db.begin().await?;
    let outs = b.apply(&mut tx, jobs).await?;
    if outs.len() != jobs.len() {
        return Err(DbError::Other(format!(
            "a batch of {} jobs gave {} outcomes",
            jobs.len(),
            outs.len()
        )));
    }
    tx.commit().await?;
    Ok(outs)
}

#[cfg(test)]
mod tests {
    use super::*;

    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    use crate::args;

    /// Inserts a row per job; a job of 0 is refused (an outcome), a negative one breaks its
    /// batch (a database error).
    struct Rows;

    impl Batch for Rows {
        type Job = i64;
        type Out = Result<i64, String>;

        async fn apply(&self, tx: &mut Tx, jobs: &[i64]) -> DbResult<Vec<Self::Out>> {
            let mut out = Vec::new();
            for &j in jobs {
                if j == 0 {
                    out.push(Err("zero".into()));
                    continue;
                }
                if j < 0 {
                    tx.execute("INSERT INTO nowhere (v) VALUES ($1)", args![j])
                        .await?;
                }
                let seen = tx
                    .scalar_opt::<i64>("SELECT v FROM t WHERE v = $1", args![j])
                    .await?;
                if seen.is_none() {
                    tx.execute("INSERT INTO t (v) VALUES ($1)", args![j])
                        .await?;
                }
                out.push(Ok(tx
                    .scalar::<i64>("SELECT COUNT(*) FROM t", args![])
                    .await?));
            }
            Ok(out)
        }

        fn failed(&self, _: &i64, e: DbError) -> Self::Out {
            Err(e.to_string())
        }
    }

    struct Dir(std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn db() -> (Db, Dir) {
        let dir = std::env::temp_dir().join(format!(
            "wardline-group-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let dir = Dir(dir);
        let url = format!("sqlite://{}", dir.0.join("g.db").display());
        let db = Db::connect(&url).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.batch("CREATE TABLE t (v BIGINT PRIMARY KEY)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (db, dir)
    }

    #[tokio::test]
    async fn batches_answer_each_and_a_bad_job_fails_alone() {
        let (db, _dir) = db().await;
        let g = Group::start(db.clone(), Rows, Limits::default());
        let mut handles = Vec::new();
        for j in [1i64, 2, 0, -5, 2, 3] {
            let g = g.clone();
            handles.push(tokio::spawn(async move { g.submit(j).await.unwrap() }));
        }
        let mut outs = Vec::new();
        for h in handles {
            outs.push(h.await.unwrap());
        }
        assert_eq!(outs[2], Err("zero".to_string()));
        assert!(outs[3].is_err(), "the breaking job fails: {:?}", outs[3]);
        for i in [0usize, 1, 4, 5] {
            assert!(outs[i].is_ok(), "job {i}: {:?}", outs[i]);
        }
        // 1, 2 and 3 once each: the repeated 2 wrote nothing new.
        let n = db
            .scalar::<i64>("SELECT COUNT(*) FROM t", args![])
            .await
            .unwrap();
        assert_eq!(n, 3);
    }

    #[tokio::test]
    async fn a_full_queue_refuses() {
        let (db, _dir) = db().await;
        // Hold the writer connection so the writer task blocks on its first batch.
        let hold = db.begin().await.unwrap();
        let g = Group::start(db.clone(), Rows, Limits { queue: 2, batch: 1 });
        let mut waiting = Vec::new();
        let mut refused = 0;
        for j in 1..=10i64 {
            let g2 = g.clone();
            let h = tokio::spawn(async move { g2.submit(j).await });
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            if h.is_finished() {
                assert_eq!(h.await.unwrap(), Err(Refused::Full));
                refused += 1;
            } else {
                waiting.push(h);
            }
        }
        assert!(refused >= 6, "refused {refused}");
        drop(hold);
        for h in waiting {
            assert!(h.await.unwrap().is_ok());
        }
    }
}
