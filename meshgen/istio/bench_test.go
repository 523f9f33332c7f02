package istio_test

import (
	"math/rand/v2"
	"testing"

	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
)

// BenchmarkGenerate measures generation for the payments example and for a
// larger random intent (reported per intent).
func BenchmarkGenerate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var big *intent.Intent
	for big == nil || len(big.Spec.Services) < 6 {
		in, err := intent.Parse("random.yaml", randomIntent(r))
		if err != nil {
			b.Fatal(err)
		}
		big = in
	}
	for name, in := range map[string]*intent.Intent{"payments": paymentsB(b), "random": big} {
		b.Run(name, func(b *testing.B) {
			var bytes int
			for b.Loop() {
				files, err := istio.Generate(in)
				if err != nil {
					b.Fatal(err)
				}
				bytes = 0
				for _, f := range files {
					bytes += len(f.Data)
				}
			}
			b.ReportMetric(float64(bytes), "bytes/intent")
		})
	}
}
