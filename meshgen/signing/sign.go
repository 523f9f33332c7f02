package signing

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

// SignConfig signs a proxy config file: configBytes are its bytes (which
// must parse with config.Parse) and name its file name (the statement's
// subject; the verifier compares it with the name of the file it reads).
// It returns the Sigstore bundle to write beside the config, at
// name + signed.BundleSuffix.
func SignConfig(configBytes []byte, name string, key *ecdsa.PrivateKey) ([]byte, error) {
	if err := checkSignInput(name, key); err != nil {
		return nil, fmt.Errorf("sign config: %w", err)
	}
	c, err := config.Parse(configBytes)
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	payload, err := json.Marshal(signed.NewStatement(name, configBytes, c))
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	b, err := bundle(payload, key)
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	return b, nil
}
