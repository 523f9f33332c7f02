package check_test

import (
	"context"
	"fmt"

	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

// Check the shipped compliant example with the built-in rule pack.
func ExampleRun() {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{})
	if err != nil {
		panic(err)
	}
	rep, err := check.Run(ctx, check.Options{
		Paths:  []string{"../../examples/payments/compliant"},
		Engine: eng,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Summary.Passed, rep.Summary.Findings, rep.Summary.Resources)
	// Output: true 0 28
}
