package daemon_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/meshproof/meshproof/proxy/daemon"
)

// ExampleRun shows the exit code of a usage error: the command needs a
// config and at least one trusted key.
func ExampleRun() {
	code := daemon.Run(context.Background(), []string{"--config", "/etc/meshproof/db.yaml"}, daemon.Env{Stdout: os.Stdout, Stderr: io.Discard})
	fmt.Println("exit", code)
	// Output: exit 2
}
