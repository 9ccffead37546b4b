//! Property test: `Queue` behaves like a plain model of client-go's dirty/processing/FIFO
//! algorithm for any sequence of operations, and never hands out an item being processed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::collections::{HashSet, VecDeque};

use futures::FutureExt;
use k8s_workqueue::Queue;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add(u8),
    Get,
    Done(u8),
    ShutDown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u8..6).prop_map(Op::Add),
        4 => Just(Op::Get),
        4 => (0u8..6).prop_map(Op::Done),
        1 => Just(Op::ShutDown),
    ]
}

/// client-go's algorithm, written as plainly as possible.
#[derive(Default)]
struct Model {
    queue: VecDeque<u8>,
    dirty: HashSet<u8>,
    processing: HashSet<u8>,
    shutting_down: bool,
}

impl Model {
    fn add(&mut self, item: u8) {
        if self.shutting_down || self.dirty.contains(&item) {
            return;
        }
        self.dirty.insert(item);
        if !self.processing.contains(&item) {
            self.queue.push_back(item);
        }
    }

    /// `None`: would wait. `Some(None)`: shut down. `Some(Some(item))`: got it.
    fn get(&mut self) -> Option<Option<u8>> {
        match self.queue.pop_front() {
            Some(item) => {
                self.processing.insert(item);
                self.dirty.remove(&item);
                Some(Some(item))
            }
            None if self.shutting_down => Some(None),
            None => None,
        }
    }

    fn done(&mut self, item: u8) {
        // Unlike Go, done for an item not in processing is a no-op (Go would push a dirty
        // waiting item twice).
        if !self.processing.remove(&item) {
            return;
        }
        if self.dirty.contains(&item) {
            self.queue.push_back(item);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn queue_matches_model(ops in proptest::collection::vec(op(), 1..80)) {
        let queue = Queue::new();
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Add(item) => {
                    queue.add(item);
                    model.add(item);
                }
                Op::Get => {
                    let got = queue.get().now_or_never();
                    let expected = model.get();
                    prop_assert_eq!(got, expected);
                    if let Some(Some(item)) = got {
                        // Invariant: the item is now processed by exactly one holder.
                        prop_assert!(model.processing.contains(&item));
                    }
                }
                Op::Done(item) => {
                    queue.done(&item);
                    model.done(item);
                }
                Op::ShutDown => {
                    queue.shut_down();
                    model.shutting_down = true;
                }
            }
            prop_assert_eq!(queue.len(), model.queue.len());
            prop_assert_eq!(queue.processing(), model.processing.len());
            prop_assert_eq!(queue.is_shutting_down(), model.shutting_down);
        }
    }
}
