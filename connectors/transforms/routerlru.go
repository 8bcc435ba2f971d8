package transforms

import (
	"container/list"
	"sync"
)

// routerLRU is a bounded least-recently-used map, safe for concurrent use:
// Kafka's SynchronizedCache over an LRUCache, which ByLogicalTableRouter
// sizes with logical.table.cache.size. A size of zero or less keeps
// nothing, as Kafka's LRUCache of that size evicts each entry on insert.
type routerLRU[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; elements hold routerLRUEntry
	items map[K]*list.Element
}

type routerLRUEntry[K comparable, V any] struct {
	key K
	val V
}

func newRouterLRU[K comparable, V any](max int) *routerLRU[K, V] {
	return &routerLRU[K, V]{max: max, order: list.New(), items: map[K]*list.Element{}}
}

// get returns the value of k and marks it used.
func (c *routerLRU[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(routerLRUEntry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// put stores v under k, evicting the least recently used entry beyond the
// size.
func (c *routerLRU[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 {
		return
	}
	if e, ok := c.items[k]; ok {
		e.Value = routerLRUEntry[K, V]{k, v}
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(routerLRUEntry[K, V]{k, v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(routerLRUEntry[K, V]).key)
	}
}

// len returns the number of entries.
func (c *routerLRU[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
