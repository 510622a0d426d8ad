package bundlereader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// TestDeepFleetIgnoreIsBounded: ten nested directories each with a 1 MiB .fleetignore of one-letter
// rules are refused at the first file that takes the rules in effect past their budget, naming it,
// having read one of them: the rules of a directory are shared with its sub-directories, not
// copied (that held 1.7 GiB here). A deep tree of small .fleetignore files still applies every
// level's rules.
func TestDeepFleetIgnoreIsBounded(t *testing.T) {
	root := writeTree(t, map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	dir := root
	rules := strings.Repeat("a\n", 512<<10) // 1 MiB, 524,288 rules
	for i := range 10 {
		dir = filepath.Join(dir, fmt.Sprintf("d%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FleetIgnoreFile), []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	alloc := framework.Allocated(func() { err = readErr(t, root, Options{}) })
	wantTooLarge(t, err, filepath.Join(root, "d0", FleetIgnoreFile), "more than 1000 rules", "budget of 1000 rules for the .fleetignore files in effect in a directory")
	if alloc > 16<<20 {
		t.Errorf("reading allocated %s", FormatSize(int64(alloc)))
	}

	// Bytes add up along the path too: two files of 600 KiB (one long rule each) do not fit.
	long := writeTree(t, map[string]string{"a/" + FleetIgnoreFile: strings.Repeat("x", 600<<10) + "\n",
		"a/b/" + FleetIgnoreFile: strings.Repeat("y", 600<<10) + "\n", "a/b/cm.yaml": "kind: ConfigMap\n"})
	wantTooLarge(t, readErr(t, long, Options{}), filepath.Join(long, "a", "b", FleetIgnoreFile),
		"with the 614401 bytes of the .fleetignore files above it", "budget of 1 MiB for the .fleetignore")

	// And rules: 600 in a directory and 600 in its sub-directory are 1,200 in effect there.
	many := writeTree(t, map[string]string{"a/" + FleetIgnoreFile: strings.Repeat("x\n", 600),
		"a/b/" + FleetIgnoreFile: strings.Repeat("y\n", 600), "a/b/cm.yaml": "kind: ConfigMap\n"})
	wantTooLarge(t, readErr(t, many, Options{}), filepath.Join(many, "a", "b", FleetIgnoreFile),
		"more than 1000 rules with the 600 rules of the .fleetignore files above it")

	files := map[string]string{}
	dir = ""
	for i := range 30 {
		dir += fmt.Sprintf("d%d/", i)
		files[dir+FleetIgnoreFile] = fmt.Sprintf("# level %d\ndrop%d.yaml\n", i, i)
		files[dir+fmt.Sprintf("drop%d.yaml", i/2)] = "dropped by the rule of a parent\n"
		files[dir+fmt.Sprintf("keep%d.yaml", i)] = "kind: ConfigMap\n"
	}
	deep := writeTree(t, files)
	res := readAll(t, deep, Options{})
	if len(res) != 1 {
		t.Fatalf("%d bundles", len(res))
	}
	var kept []string
	for _, r := range res[0].Bundle.Spec.Resources {
		if strings.Contains(r.Name, "drop") {
			t.Errorf("%s is not ignored", r.Name)
		}
		kept = append(kept, r.Name)
	}
	if len(kept) != 30 {
		t.Errorf("kept %d files, want the 30 keepN.yaml: %v", len(kept), kept)
	}
}

// TestHugeChartYAMLIsNotParsed: the Chart.yaml of a bundle's own chart is parsed (for its
// dependencies) within the YAML budget: a 4 MiB one of tiny values (some 250 MiB to parse) is
// refused naming it, the size and the budget.
func TestHugeChartYAMLIsNotParsed(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v2\nname: c\nversion: 1.0.0\nannotations:\n")
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	root := writeTree(t, map[string]string{"fleet.yaml": "helm:\n  chart: ./chart\n", "chart/Chart.yaml": b.String()})
	var err error
	alloc := framework.Allocated(func() { err = readErr(t, root, Options{Charts: &recordingFetcher{}}) })
	wantTooLarge(t, err, filepath.Join(root, "chart", "Chart.yaml"), FormatSize(int64(b.Len())), "budget of 1 MiB for the YAML one bundle parses")
	if alloc > 32<<20 {
		t.Errorf("reading allocated %s; Chart.yaml must not be parsed", FormatSize(int64(alloc)))
	}
}

// TestChartURLIsRedactedInBudgetErrors: a chart URL with a token, whose chart does not fit the
// bundle's budget, is named without the token.
func TestChartURLIsRedactedInBudgetErrors(t *testing.T) {
	const token = "ghp_T0KEN"
	root := writeTree(t, map[string]string{"fleet.yaml": "helm:\n  chart: https://" + token + "@charts.example/c.tgz\n"})
	err := readErr(t, root, Options{Charts: sizedFetcher{size: MaxBundleFilesSize + 1}})
	wantTooLarge(t, err, "chart https://***@charts.example/c.tgz (.chart/", "budget of 64 MiB")
	if strings.Contains(err.Error(), token) {
		t.Fatalf("error %q shows the token", err)
	}
	root = writeTree(t, map[string]string{"fleet.yaml": "helm:\n  chart: https://" + token + "@charts.example/c.tgz\n"})
	if err := readErr(t, root, Options{}); strings.Contains(err.Error(), token) {
		t.Fatalf("error %q shows the token", err)
	}
}

// failingFetcher fails every fetch with err.
type failingFetcher struct{ err error }

func (f failingFetcher) FetchChart(context.Context, string, *v1alpha1.HelmOptions) (map[string][]byte, error) {
	return nil, f.err
}

func (f failingFetcher) Dependencies(context.Context, string) (map[string][]byte, error) {
	return nil, f.err
}

// TestFloatingChartFailuresAreMarked: the failure of a chart or of dependencies the bundle does
// not pin to one release (no exact version) is marked Floating, so the controllers retry it: an
// upstream fix under the same version range needs no new commit. A pinned one is not.
func TestFloatingChartFailuresAreMarked(t *testing.T) {
	invalid := errors.New("helm: the archive is not a chart")
	deps := func(version string) map[string]string {
		return map[string]string{"fleet.yaml": "helm:\n  chart: ./chart\n", "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n" +
			"dependencies:\n- name: d\n  version: " + version + "\n  repository: https://charts.example\n"}
	}
	tests := []struct {
		name     string
		files    map[string]string
		fetcher  ChartFetcher
		floating bool
	}{
		{"repo, no version", map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n"}, failingFetcher{invalid}, true},
		{"repo, a range", map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n  version: ^1.0.0\n"}, failingFetcher{invalid}, true},
		{"repo, exact version", map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n  version: 1.0.0\n"}, failingFetcher{invalid}, false},
		{"oci digest", map[string]string{"fleet.yaml": "helm:\n  chart: oci://r.example/c@sha256:" + strings.Repeat("0", 64) + "\n"}, failingFetcher{invalid}, false},
		{"over budget, a range", map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n  version: 1.x\n"}, sizedFetcher{size: MaxBundleFilesSize + 1}, true},
		{"over budget, exact version", map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n  version: 1.0.0\n"}, sizedFetcher{size: MaxBundleFilesSize + 1}, false},
		{"dependency range", deps("~1.2.0"), failingFetcher{invalid}, true},
		{"dependency exact", deps("1.2.0"), failingFetcher{invalid}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			_, err := Read(context.Background(), Options{Name: "repo", BaseDir: root, Paths: []string{root}, Charts: tt.fetcher})
			if err == nil {
				t.Fatal("Read succeeded")
			}
			if IsFloating(err) != tt.floating {
				t.Fatalf("IsFloating(%v) = %t, want %t", err, IsFloating(err), tt.floating)
			}
		})
	}
}
