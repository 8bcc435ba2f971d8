package kafka

import (
	"context"
	"sync"
)

// loadReq is one Load waiting for a scan of the offsets topic.
type loadReq struct {
	ctx       context.Context
	connector string
	done      chan loadRes // buffered: the scan never waits for a Load gone
}

type loadRes struct {
	found scanned
	err   error
}

// scanShared returns what a scan of the offsets topic that starts after
// the call found for connector. Loads that arrive while a scan runs wait
// for it to end and are all served by the next one: a daemon starting a
// hundred connectors reads the topic a few times instead of a hundred
// (docs/scale.md). Joining only a scan that starts later keeps Load's
// promise: every transaction of the connector ended before the call is in
// what the scan reads.
func (s *Store) scanShared(ctx context.Context, connector string) (scanned, error) {
	r := &loadReq{ctx: ctx, connector: connector, done: make(chan loadRes, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	if !s.running {
		s.running = true
		go s.scanLoop()
	}
	s.mu.Unlock()
	select {
	case res := <-r.done:
		return res.found, res.err
	case <-ctx.Done():
		return scanned{}, ctx.Err()
	}
}

// scanLoop runs scans for the queued Loads until none is left.
func (s *Store) scanLoop() {
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, stop := batchContext(batch)
		keys := make(map[string]bool, len(batch))
		for _, r := range batch {
			keys[r.connector] = true
		}
		found, err := s.scanMarkers(ctx, keys)
		stop()
		for _, r := range batch {
			r.done <- loadRes{found: found[r.connector], err: err}
		}
	}
}

// batchContext returns a context that ends once every Load of batch has
// given up (their contexts ended), so that a scan nobody waits for stops.
func batchContext(batch []*loadReq) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	left := len(batch)
	stops := make([]func() bool, 0, len(batch))
	for _, r := range batch {
		stops = append(stops, context.AfterFunc(r.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		}))
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
