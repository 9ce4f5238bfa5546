//! Guards the order of every report: many examples, twins or sweeps run at
//! once, and their results come back in their items' order.

use std::sync::Mutex;

/// Runs `work` on every item, `jobs` at a time, calling `done` as each
/// result comes in; returns the results in the items' order.
pub fn parallel<T: Send, R: Send>(
    items: Vec<T>,
    jobs: usize,
    work: impl Fn(T) -> R + Sync,
    done: impl Fn(&R) + Sync,
) -> Vec<R> {
    let total = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let results = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, total.max(1)) {
            scope.spawn(|| {
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner())
                        .next();
                    let Some((index, item)) = next else { break };
                    let result = work(item);
                    let mut results = results.lock().unwrap_or_else(|poison| poison.into_inner());
                    done(&result);
                    results.push((index, result));
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_their_items() {
        let squares = super::parallel((0..50u64).collect(), 4, |n| n * n, |_| {});
        assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
    }
}
