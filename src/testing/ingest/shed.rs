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
    /// The most sampling requests past the gate ([`super::Gate`]) and not yet answered. A
    /// request beyond it is refused before its token is looked up or its body read: what the
    /// writer cannot take waits nowhere (not in the connections, not in the HTTP layer, not
    /// in the token lookup), so the ones taken keep a short wait (about this many over the
    /// writer's rate: 256 at 2,000 samples/s is ≈ 130 ms).
    pub max_in_flight: usize,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            max_wait: std::time::Duration::from_millis(250),
            max_ops: 8192,
            max_in_flight: 256,
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
    /// Sampling requests past the gate and not yet answered.
    pub(super) in_flight: std::sync::atomic::AtomicUsize,
}

impl WriterLoad {
    pub(super) fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// The wait a request arriving now is expected to have before its commit (ms), counting
    /// `ahead` operations before it.
    fn expected_wait_ms(&self, ahead: usize) -> u64 {
        use std::sync::atomic::Ordering::SeqCst;
        let started = self.batch_started.load(SeqCst);
        let busy_ms = if started == 0 {
            0
        } else {
            self.now_ms().saturating_sub(started)
        };
        busy_ms + (ahead as u64).saturating_mul(self.ns_per_op.load(SeqCst)) / 1_000_000
    }

    /// Let one sampling request in (before anything about it is read), or say how long to
    /// wait before trying again (seconds): refused when `max_in_flight` requests are in, or
    /// when the operations ahead of it (queued at the writer, or requests in that have not
    /// reached it yet, whichever is more) would make it wait past `max_wait`. Always let in
    /// when nothing is in and nothing waits.
    pub(super) fn enter(&self) -> Result<(), u64> {
        use std::sync::atomic::Ordering::SeqCst;
        let before = self.in_flight.fetch_add(1, SeqCst);
        let pending = self.pending.load(SeqCst);
        if before == 0 && pending == 0 {
            return Ok(());
        }
        let wait_ms = self.expected_wait_ms(pending.max(before));
        if before >= self.cap.max_in_flight || wait_ms > self.cap.max_wait.as_millis() as u64 {
            self.in_flight.fetch_sub(1, SeqCst);
            return Err((wait_ms / 1000).clamp(1, 30));
        }
        Ok(())
    }

    pub(super) fn leave(&self) {
        self.in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Take `n` operations on, or say how long to wait before trying again (seconds).
    pub(super) fn admit(&self, n: usize) -> Result<(), u64> {
        use std::sync::atomic::Ordering::SeqCst;
        let before = self.pending.fetch_add(n, SeqCst);
        if before == 0 {
            return Ok(());
        }
        let wait_ms = self.expected_wait_ms(before);
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
    ), retry_s)
}

/// The gate in front of the sampling handlers (one operation, offline batch): their first
/// extractor, so it runs before the token is looked up and before the body is read. Past the
/// writer's [`Capacity`] (`max_in_flight` requests in, or the expected wait over `max_wait`)
/// the request is answered 503 Busy with Retry-After at once. Held until the handler returns.
pub struct Gate(std::sync::Arc<WriterLoad>);

impl Drop for Gate {
    fn drop(&mut self) {
        self.0.leave();
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Gate {
    type Rejection = crate::web::ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let lang = crate::web::lang_of(parts);
        let Some(ingest) = parts.extensions.get::<super::Ingest>() else {
            return Err(crate::web::ApiError(
                AppError::Internal("the sampling writer is not installed".into()),
                lang,
            ));
        };
        let load = ingest.load.clone();
        load.enter()
            .map_err(|s| crate::web::ApiError(busy(s), lang))?;
        Ok(Gate(load))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;

    fn load(ns_per_op: u64) -> WriterLoad {
        WriterLoad {
            cap: Capacity::default(),
            pending: 0.into(),
            ns_per_op: ns_per_op.into(),
            batch_started: 0.into(),
            epoch: std::time::Instant::now(),
            in_flight: 0.into(),
        }
    }

    #[test]
    fn a_refusal_says_when_the_queue_will_have_room() {
        // 1 ms per operation: 4,000 queued ahead is about 4 s of writing.
        let l = load(1_000_000);
        l.pending.store(4_000, SeqCst);
        assert_eq!(l.admit(1), Err(4));
        assert_eq!(l.pending.load(SeqCst), 4_000, "a refusal takes nothing on");
        // The same queue drained quickly: a short wait, taken.
        let l = load(10_000);
        l.pending.store(4_000, SeqCst);
        assert_eq!(l.admit(1), Ok(()));
        // Never less than a second, never more than half a minute.
        let l = load(1_000);
        l.pending.store(8_192, SeqCst);
        assert_eq!(
            l.admit(1),
            Err(1),
            "full by count, expected wait under a second"
        );
        let l = load(100_000_000);
        l.pending.store(1_000, SeqCst);
        assert_eq!(l.admit(1), Err(30));
    }

    #[test]
    fn the_busy_answer_carries_the_estimate_in_retry_after() {
        use axum::response::IntoResponse;
        let r = crate::web::ApiError(busy(7), crate::i18n::Lang::En).into_response();
        assert_eq!(r.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[axum::http::header::RETRY_AFTER], "7");
        let zh = crate::web::ApiError(busy(7), crate::i18n::Lang::Zh);
        assert!(zh.0.message(crate::i18n::Lang::Zh).contains("7 秒"));
    }
}
