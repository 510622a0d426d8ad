package framework

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

var (
	buildMu  sync.Mutex
	buildDir string
	built    = map[string]error{}
)

// RepoRoot returns the root of the repository (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary returns the path of the binary built from cmd/NAME, building it once per test process.
func Binary(name string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		dir, err := os.MkdirTemp("", "fleet-test-bin-")
		if err != nil {
			return "", err
		}
		buildDir = dir
	}
	path := filepath.Join(buildDir, name)
	err, done := built[name]
	if !done {
		cmd := exec.Command("go", "build", "-o", path, "./cmd/"+name)
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, buildErr := cmd.CombinedOutput(); buildErr != nil {
			err = fmt.Errorf("go build ./cmd/%s: %w\n%s", name, buildErr, out)
		}
		built[name] = err
	}
	return path, err
}

// CleanupBinaries removes the binaries built by Binary; call it from TestMain after the tests ran.
func CleanupBinaries() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}
