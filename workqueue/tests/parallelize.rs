//! `parallelize_until`: every piece once, bounded concurrency, stop stops handing out pieces.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_workqueue::{ParallelizeOptions, parallelize_until, parallelize_until_with};

async fn run(workers: usize, pieces: usize, chunk: usize) -> (Vec<usize>, usize) {
    let counts = Mutex::new(vec![0usize; pieces]);
    let in_flight = AtomicUsize::new(0);
    let max_in_flight = AtomicUsize::new(0);
    parallelize_until_with(
        std::future::pending(),
        workers,
        pieces,
        ParallelizeOptions::new().chunk_size(chunk),
        |piece| {
            let (counts, in_flight, max_in_flight) = (&counts, &in_flight, &max_in_flight);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1 + (piece % 3) as u64)).await;
                counts.lock().unwrap()[piece] += 1;
                in_flight.fetch_sub(1, Ordering::SeqCst);
            }
        },
    )
    .await;
    (
        counts.into_inner().unwrap(),
        max_in_flight.load(Ordering::SeqCst),
    )
}

#[tokio::test(start_paused = true)]
async fn every_piece_runs_once_with_at_most_workers_at_a_time() {
    for (workers, pieces, chunk) in [
        (1, 10, 1),
        (4, 100, 1),
        (4, 100, 7),
        (10, 3, 1),
        (3, 1000, 0),
        (8, 1, 5),
    ] {
        let (counts, max) = run(workers, pieces, chunk).await;
        assert!(
            counts.iter().all(|&c| c == 1),
            "{workers}/{pieces}/{chunk}: {counts:?}"
        );
        assert!(max <= workers, "{max} > {workers}");
        assert_eq!(max, workers.min(pieces), "all workers were used");
    }
}

#[tokio::test(start_paused = true)]
async fn nothing_to_do() {
    let calls = AtomicUsize::new(0);
    let calls_ref = &calls;
    parallelize_until(std::future::pending(), 4, 0, |_| async move {
        calls_ref.fetch_add(1, Ordering::SeqCst);
    })
    .await;
    parallelize_until(std::future::pending(), 0, 10, |_| async move {
        calls_ref.fetch_add(1, Ordering::SeqCst);
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_stop_that_already_fired_starts_nothing() {
    let calls = AtomicUsize::new(0);
    let calls_ref = &calls;
    parallelize_until(std::future::ready(()), 4, 100, |_| async move {
        calls_ref.fetch_add(1, Ordering::SeqCst);
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn stop_lets_pieces_in_progress_finish_and_starts_no_more() {
    let started = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let start = tokio::time::Instant::now();
    // Each piece takes 10 ms; 2 workers; stop after 35 ms: pieces start at 0, 10, 20, 30 ms.
    parallelize_until(
        tokio::time::sleep(Duration::from_millis(35)),
        2,
        100,
        |_| {
            let (started, finished) = (&started, &finished);
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                finished.fetch_add(1, Ordering::SeqCst);
            }
        },
    )
    .await;
    assert_eq!(started.load(Ordering::SeqCst), 8);
    assert_eq!(
        finished.load(Ordering::SeqCst),
        8,
        "in-progress pieces finish"
    );
    assert_eq!(start.elapsed(), Duration::from_millis(40));
}
