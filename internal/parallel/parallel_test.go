package parallel

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestForEachOnceWithinBound: every index is called exactly once, never
// more than workers at a time.
func TestForEachOnceWithinBound(t *testing.T) {
	for _, c := range []struct{ n, workers int }{{0, 4}, {1, 4}, {100, 3}, {7, 0}, {5, 50}} {
		var mu sync.Mutex
		calls := make([]int, c.n)
		var running, peak atomic.Int32
		For(context.Background(), c.n, c.workers, func(i int) {
			r := running.Add(1)
			for {
				p := peak.Load()
				if r <= p || peak.CompareAndSwap(p, r) {
					break
				}
			}
			mu.Lock()
			calls[i]++
			mu.Unlock()
			running.Add(-1)
		})
		for i, k := range calls {
			if k != 1 {
				t.Errorf("n=%d workers=%d: index %d called %d times", c.n, c.workers, i, k)
			}
		}
		if bound := int32(max(c.workers, 1)); peak.Load() > bound {
			t.Errorf("n=%d workers=%d: %d calls at once", c.n, c.workers, peak.Load())
		}
	}
}

// TestForStopsWhenCancelled: after ctx is done no new call starts.
func TestForStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	For(ctx, 1000, 1, func(i int) {
		if calls.Add(1) == 10 {
			cancel()
		}
	})
	// One worker: the call that cancels returns before the next index is
	// handed out, and at most one more may already be waiting in the hand-off.
	if n := calls.Load(); n < 10 || n > 11 {
		t.Errorf("%d calls after cancelling at the 10th, want 10 or 11", n)
	}
}
