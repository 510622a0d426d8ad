package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Component names, as hack/cluster/build.sh knows them.
const (
	Etcd                  = "etcd"
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KubeScheduler         = "kube-scheduler"
	Kwok                  = "kwok"
)

// RepoRoot returns the root of the repository (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// EnsureBinaries builds the components that are not in the cache yet (hack/cluster/build.sh: pinned
// versions from the Go module proxy, one builder at a time) and returns the directory that holds them.
// Build progress is written to progress, which may be nil.
func EnsureBinaries(ctx context.Context, progress io.Writer, components ...string) (string, error) {
	if progress == nil {
		progress = io.Discard
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "hack", "cluster", "build.sh"), components...)
	cmd.Dir = RepoRoot()
	cmd.Stdout, cmd.Stderr = &stdout, progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/cluster/build.sh %s: %w", strings.Join(components, " "), err)
	}
	dir := strings.TrimSpace(stdout.String())
	if dir == "" {
		return "", fmt.Errorf("hack/cluster/build.sh printed no directory")
	}
	return dir, nil
}
