//! Run a piece of work for every index in `0..pieces` with a bounded number of workers
//! (client-go `workqueue.ParallelizeUntil`).
//!
//! Workers take the next piece (or chunk of pieces) as they finish the last one, so slow pieces do
//! not hold up the rest. When the `stop` future completes, no further piece is started; pieces in
//! progress run to their end, and the call returns once they have.
//!
//! The workers run concurrently inside the calling task (nothing is spawned), so the work closure
//! may borrow from the caller. That suits work that awaits I/O, such as API calls; for CPU-heavy
//! work, spawn blocking tasks from the closure.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use k8s_workqueue::parallelize_until;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sum = AtomicUsize::new(0);
//! parallelize_until(std::future::pending(), 4, 100, |piece| {
//!     let sum = &sum;
//!     async move {
//!         sum.fetch_add(piece, Ordering::Relaxed);
//!     }
//! })
//! .await;
//! assert_eq!(sum.into_inner(), (0..100).sum());
//! # }
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::future::join_all;

/// Options for [`parallelize_until_with`] (client-go `workqueue.Options`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelizeOptions {
    /// How many consecutive pieces a worker takes at once; values below 1 mean 1.
    pub chunk_size: usize,
}

impl Default for ParallelizeOptions {
    fn default() -> Self {
        Self { chunk_size: 1 }
    }
}

impl ParallelizeOptions {
    /// One piece at a time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the chunk size (client-go `WithChunkSize`).
    #[must_use]
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }
}

/// Calls `work(piece)` for each `piece` in `0..pieces`, at most `workers` at a time, until
/// `stop` completes (client-go `ParallelizeUntil`). See the [module docs](self).
///
/// Pass `std::future::pending()` to never stop early, or e.g. a cancellation token's
/// `cancelled()` future.
pub async fn parallelize_until<S, F, Fut>(stop: S, workers: usize, pieces: usize, work: F)
where
    S: Future<Output = ()>,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    parallelize_until_with(stop, workers, pieces, ParallelizeOptions::default(), work).await;
}

/// [`parallelize_until`] with options (a chunk size).
pub async fn parallelize_until_with<S, F, Fut>(
    stop: S,
    workers: usize,
    pieces: usize,
    options: ParallelizeOptions,
    work: F,
) where
    S: Future<Output = ()>,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    if pieces == 0 || workers == 0 {
        return;
    }
    let chunk_size = options.chunk_size.max(1);
    let chunks = pieces.div_ceil(chunk_size);
    let next_chunk = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let worker = || async {
        loop {
            let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                return;
            }
            let start = chunk * chunk_size;
            let end = (start + chunk_size).min(pieces);
            for piece in start..end {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                work(piece).await;
            }
        }
    };
    let all = join_all((0..workers.min(chunks)).map(|_| worker()));
    tokio::pin!(all);
    tokio::pin!(stop);
    tokio::select! {
        biased;
        () = &mut stop => stopped.store(true, Ordering::Relaxed),
        _ = &mut all => return,
    }
    all.await;
}
