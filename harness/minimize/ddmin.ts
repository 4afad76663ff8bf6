// Delta debugging (Zeller's ddmin, removal side only): cut the list in chunks of half its length,
// then a quarter, ... down to single items, keeping every removal the predicate accepts.

/**
 * The smallest list reached by removing chunks of `items`, biggest chunks first. `accept` gets a
 * candidate and returns the list to continue with when it is still interesting (it may return a
 * shorter list than it was given: the minimizer cuts after the diverging op), else undefined.
 * Single-item scans repeat until one removes nothing, so without `stop` the result is 1-minimal:
 * no single item can be removed.
 */
export function ddmin<T>(
  items: readonly T[],
  accept: (candidate: readonly T[]) => readonly T[] | undefined,
  stop: () => boolean = () => false,
): readonly T[] {
  let current = items;
  let chunk = Math.max(1, Math.ceil(current.length / 2));
  for (;;) {
    let removed = false;
    for (let start = 0; start < current.length && !stop(); ) {
      const got = accept(current.slice(0, start).concat(current.slice(start + chunk)));
      if (got === undefined) {
        start += chunk;
      } else {
        current = got;
        removed = true;
      }
    }
    if (stop()) return current;
    if (chunk === 1) {
      if (!removed) return current;
    } else {
      chunk = Math.max(1, Math.min(Math.ceil(chunk / 2), Math.ceil(current.length / 2)));
    }
  }
}
