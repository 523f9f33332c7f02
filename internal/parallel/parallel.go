// Package parallel runs independent pieces of work on a bounded number of
// goroutines: parsing the rule pack, evaluating documents, scanning images.
package parallel

import (
	"context"
	"sync"
)

// For calls f(i) for every i in [0, n) on at most workers goroutines at
// once (at least one), and returns when every call it started has
// returned. Once ctx is done it starts no more calls: the caller checks
// ctx.Err() to know whether every i was done.
func For(ctx context.Context, n, workers int, f func(i int)) {
	workers = min(max(workers, 1), n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}
