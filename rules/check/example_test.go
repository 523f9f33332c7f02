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
	s := rep.Summary
	fmt.Printf("passed=%v blocking=%d not_assessed=%d resources=%d\n", s.Passed, s.Blocking, s.NotAssessed, s.Resources)
	for _, f := range rep.Findings {
		fmt.Printf("%s %s: not assessed: %s\n", f.RuleID, f.Resource, f.NotAssessed)
	}
	// Output:
	// passed=true blocking=0 not_assessed=1 resources=28
	// GW-08 Gateway/istio-ingress/shop: not assessed: Secret istio-ingress/shop-example-com (the credential, in the gateway workload's namespace) is not in the input

}
