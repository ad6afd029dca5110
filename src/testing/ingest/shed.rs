//! Shedding: past its capacity the sampling writer refuses new submissions at once (503 with
//! Retry-After) instead of queueing them without bound. Devices send a refused operation again
//! (idempotent by client id), so a refusal loses nothing; a queue that grows faster than the
//! writer drains it would make every device wait, then time out, then retry into the queue.

use crate::error::AppError;
use crate::i18n::Msg;

/// How much the sampling writer takes on before it sheds: past these, a submission is refused
/// at once with [`AppError::Busy`] (503 with Retry-After; devices send it again, idempotent by
/// client id) instead of waiting in a queue that grows faster than the writer drains it.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    /// The longest a newly queued operation is expected to wait for its commit: the age of
    /// the batch being applied plus the operations queued before it at the writer's recent
    /// cost per operation.
    pub max_wait: std::time::Duration,
    /// The most operations waiting or being applied (a submission is always taken when
    /// nothing waits, so an offline batch larger than this still goes through alone).
    pub max_ops: usize,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            max_wait: std::time::Duration::from_millis(250),
            max_ops: 8192,
        }
    }
}

/// The writer's load, shared by the submitters (who decide to shed) and the writer.
pub(super) struct WriterLoad {
    pub(super) cap: Capacity,
    /// Operations queued or being applied.
    pub(super) pending: std::sync::atomic::AtomicUsize,
    /// Recent wall time per operation of the writer's batches, ns (moving average).
    pub(super) ns_per_op: std::sync::atomic::AtomicU64,
    /// When the batch being applied started (ms since `epoch`), 0 when the writer is idle.
    pub(super) batch_started: std::sync::atomic::AtomicU64,
    pub(super) epoch: std::time::Instant,
}

impl WriterLoad {
    pub(super) fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// Take `n` operations on, or say how long to wait before trying again (seconds).
    pub(super) fn admit(&self, n: usize) -> Result<(), u64> {
        use std::sync::atomic::Ordering::SeqCst;
        let before = self.pending.fetch_add(n, SeqCst);
        if before == 0 {
            return Ok(());
        }
        let started = self.batch_started.load(SeqCst);
        let busy_ms = if started == 0 {
            0
        } else {
            self.now_ms().saturating_sub(started)
        };
        let queued_ms = (before as u64).saturating_mul(self.ns_per_op.load(SeqCst)) / 1_000_000;
        let wait_ms = busy_ms + queued_ms;
        if before + n > self.cap.max_ops || wait_ms > self.cap.max_wait.as_millis() as u64 {
            self.pending.fetch_sub(n, SeqCst);
            return Err((wait_ms / 1000).clamp(1, 30));
        }
        Ok(())
    }

    pub(super) fn done(&self, n: usize) {
        self.pending
            .fetch_sub(n, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The error of a shed submission.
pub(super) fn busy(retry_s: u64) -> AppError {
    AppError::Busy(Msg::new(
        format!(
            "the server is taking in more samples than it can write: nothing was saved, \
             send it again in {retry_s} s (the device does so by itself)"
        ),
        format!("当前提交的采样记录过多，服务器来不及写入：本次未保存，请 {retry_s} 秒后重新提交（设备会自动重试）"),
    ))
}
