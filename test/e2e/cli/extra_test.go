package cli

import (
	"path/filepath"
	"testing"

	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

const chartsDir = "../../fixtures/charts"

// extraFixtures lists the Helm and kustomize fixtures; those with env need a chart repository
// and an OCI registry on 127.0.0.1.
func extraFixtures() []fixture {
	return []fixture{
		{dir: "single-cluster/helm"},
		{dir: "multi-cluster/helm", envs: multiEnvs},
		{dir: "single-cluster/kustomize"},
		{dir: "multi-cluster/kustomize", envs: multiEnvs},
		{dir: "multi-cluster/helm-templated-values", envs: multiEnvs},
		{dir: "single-cluster/helm-multi-chart", testDirs: []string{"guestbook", "config-chart"}},
		{dir: "multi-cluster/helm-external", envs: multiEnvs, env: servers},
		{dir: "single-cluster/helm-kustomize", env: servers},
		{dir: "multi-cluster/helm-kustomize", envs: multiEnvs, env: servers},
		{dir: "single-cluster/helm-oci", env: servers},
		{dir: "single-cluster/helm-dependencies", env: servers},
	}
}

// parityFixtures are the cases where bundle reading and rendering once differed from Fleet's
// (issue 9); each directory's fleet.yaml says what it shows.
func parityFixtures() []fixture {
	return []fixture{
		{dir: "parity/default-namespace"},
		{dir: "parity/forced-namespace"},
		{dir: "parity/non-objects"},
		{dir: "parity/templates-folder"},
		{dir: "parity/nested-only", testDirs: []string{".", "web"}, env: servers},
		{dir: "parity/targets", applyArgs: []string{"--targets-file", "targets.json"}, applyOnly: true},
	}
}

// servers starts a chart repository and an OCI registry serving the fixture charts.
func servers(t *testing.T) *environment {
	t.Helper()
	guestbook, redis := filepath.Join(chartsDir, "guestbook"), filepath.Join(chartsDir, "redis")
	repo := chartserver.NewRepo(t, guestbook, redis)
	reg := chartserver.NewRegistry(t, "charts", guestbook)
	return &environment{replace: map[string]string{"@CHART_REPO@": repo.URL, "@OCI_REGISTRY@": reg.Host}}
}
