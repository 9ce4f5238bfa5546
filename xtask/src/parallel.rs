//! Work spread over threads: the one way xtask runs many examples, twins,
//! sweeps or exports at once.

use std::sync::Mutex;

/// After a batch on the real clock: each result `held_up` picks (times
/// printed too late beside the others) runs once more, alone, one after
/// another, and what `again` returns stands. A program late every time
/// fails again; one a busy machine stalled passes.
pub fn again_alone<R>(results: &mut [R], held_up: impl Fn(&R) -> bool, again: impl Fn(&R) -> R) {
    for result in results.iter_mut() {
        if held_up(result) {
            *result = again(result);
        }
    }
}

/// Runs `work` on every item with up to `jobs` threads. `done` sees each
/// result as soon as it is ready; the results come back in the items' order.
pub fn parallel<T, R>(
    items: Vec<T>,
    jobs: usize,
    work: impl Fn(T) -> R + Sync,
    done: impl Fn(&R) + Sync,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
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
    use super::*;

    #[test]
    fn parallel_keeps_the_order_of_its_items() {
        let squares = parallel((0..50u64).collect(), 4, |n| n * n, |_| {});
        assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
    }
}
