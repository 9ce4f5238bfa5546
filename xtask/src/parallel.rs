//! Work spread over threads: the one way xtask runs many examples, twins,
//! sweeps or exports at once.

use std::sync::Mutex;

/// Runs `work` on every item with up to `jobs` threads. `done` sees each
/// result as soon as it is ready; the results come back in the items' order.
/// The items may arrive while the work goes on: from a channel's receiver,
/// a thread that waits for the next one holds the others back only until
/// it comes.
pub fn parallel<I, R>(
    items: I,
    jobs: usize,
    work: impl Fn(I::Item) -> R + Sync,
    done: impl Fn(&R) + Sync,
) -> Vec<R>
where
    I: IntoIterator,
    I::IntoIter: Send,
    R: Send,
{
    let items = items.into_iter();
    // No more threads than items, when the iterator knows how many.
    let most = items.size_hint().1.unwrap_or(usize::MAX).max(1);
    let queue = Mutex::new(items.enumerate());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, most) {
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
        let squares = parallel(0..50u64, 4, |n| n * n, |_| {});
        assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn parallel_takes_items_as_they_come() {
        let (sender, receiver) = std::sync::mpsc::channel();
        let squares = std::thread::scope(|scope| {
            let squares = scope.spawn(|| parallel(receiver, 4, |n: u64| n * n, |_| {}));
            for n in 0..50u64 {
                sender.send(n).unwrap();
            }
            drop(sender);
            squares.join().unwrap()
        });
        assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
    }
}
