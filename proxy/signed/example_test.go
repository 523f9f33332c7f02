package signed_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

// ExampleLoadFile verifies a config and its bundle as the proxy does at
// start-up and on reload: trusted keys from PEM, a rollback state file.
func ExampleLoadFile() {
	dir, _ := os.MkdirTemp("", "signed-example")
	defer os.RemoveAll(dir)

	// What meshproof keys generate and meshproof sign write.
	privPEM, pubPEM, _ := signing.GenerateKey(nil)
	key, _ := signing.LoadPrivateKey(privPEM, nil)
	cfg := defaultConfig(7)
	path := filepath.Join(dir, "payments-db.yaml")
	bundle, _ := signing.SignConfig(cfg, filepath.Base(path), key)
	os.WriteFile(path, cfg, 0o644)
	os.WriteFile(path+signed.BundleSuffix, bundle, 0o644)

	// What the proxy does.
	keys, err := signed.ParsePublicKeys(pubPEM)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := signed.Options{Now: at(now), StatePath: filepath.Join(dir, "state.json")}
	c, err := signed.LoadFile(path, keys, opts)
	if err != nil {
		fmt.Println("refused:", signed.Reason(err))
		return
	}
	fmt.Println("running", c.Metadata.Name, "serial", c.Spec.Serial)

	// An older config signed with the same key is refused.
	old := defaultConfig(6)
	bundle, _ = signing.SignConfig(old, filepath.Base(path), key)
	os.WriteFile(path, old, 0o644)
	os.WriteFile(path+signed.BundleSuffix, bundle, 0o644)
	_, err = signed.LoadFile(path, keys, opts)
	fmt.Println("refused:", signed.Reason(err), errors.Is(err, signed.ErrRollback))
	// Output:
	// running payments-db serial 7
	// refused: rollback true
}
