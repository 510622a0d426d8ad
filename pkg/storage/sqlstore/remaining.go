package sqlstore

import "sync"

// remainingCacheSize bounds the remaining counts kept per store: one per
// paged list in progress.
const remainingCacheSize = 256

// remainingKey is a position in one paged list: the items of the range at
// rev after the continue key.
type remainingKey struct {
	prefix string
	rev    int64
	after  string
}

// remainingCache keeps, for the continue token a page hands out, how many
// items follow it. The state at a revision never changes, so the next
// page's remainingItemCount is this count minus the items it returns: an
// unfiltered paged list counts its range once (first page), not once per
// page (O(N²/limit)). A miss (another server, an evicted or forged token)
// counts in SQL. The zero value is ready to use.
type remainingCache struct {
	mu    sync.Mutex
	m     map[remainingKey]int64
	order []remainingKey
	next  int
}

func (c *remainingCache) get(k remainingKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[k]
	return n, ok
}

// put records n, evicting the oldest entry when full.
func (c *remainingCache) put(k remainingKey, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[remainingKey]int64, remainingCacheSize)
	}
	if _, ok := c.m[k]; ok {
		c.m[k] = n
		return
	}
	if len(c.order) < remainingCacheSize {
		c.order = append(c.order, k)
	} else {
		delete(c.m, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % remainingCacheSize
	}
	c.m[k] = n
}
