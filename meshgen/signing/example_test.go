package signing_test

import (
	"fmt"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

// ExampleSignConfig signs a proxy config and verifies the bundle the way
// the proxy does.
func ExampleSignConfig() {
	privPEM, pubPEM, err := signing.GenerateKey([]byte("a password"))
	if err != nil {
		fmt.Println(err)
		return
	}
	key, err := signing.LoadPrivateKey(privPEM, []byte("a password"))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := testConfig(7)
	bundle, err := signing.SignConfig(cfg, "payments-db.yaml", key)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Write bundle to payments-db.yaml.sigstore.json, beside the config.

	keys, _ := signed.ParsePublicKeys(pubPEM)
	c, err := signed.Verify(cfg, bundle, "payments-db.yaml", keys, signed.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified", c.Metadata.Name, "serial", c.Spec.Serial)
	// Output: verified payments-db serial 7
}
