package bundlereader

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// sparseFile creates a file of size bytes that takes no disk space (a hole: it reads as zeros).
func sparseFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// randomFile writes size bytes that do not compress.
func randomFile(t *testing.T, path string, size int, seed uint64) {
	t.Helper()
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	_, _ = r.Read(data)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readErr(t *testing.T, root string, opts Options) error {
	t.Helper()
	opts.Name, opts.BaseDir = "repo", root
	if len(opts.Paths) == 0 {
		opts.Paths = []string{root}
	}
	_, err := Read(context.Background(), opts)
	if err == nil {
		t.Fatal("Read succeeded; want a budget error")
	}
	return err
}

// wantTooLarge checks that err is a budget error whose message holds every part.
func wantTooLarge(t *testing.T, err error, parts ...string) {
	t.Helper()
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v is not ErrTooLarge", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// TestHugeFileIsRefusedBeforeItIsRead: a 1 GiB file is refused with its path, size and the budget,
// and reading the bundle allocates a few MiB, not the file.
func TestHugeFileIsRefusedBeforeItIsRead(t *testing.T) {
	root := writeTree(t, map[string]string{"app/deploy.yaml": "kind: ConfigMap\n"})
	sparseFile(t, filepath.Join(root, "app", "big.bin"), 1<<30)
	var err error
	alloc := framework.Allocated(func() { err = readErr(t, root, Options{}) })
	wantTooLarge(t, err, filepath.Join(root, "app", "big.bin"), "1024 MiB", "64 MiB", "the files of one bundle")
	if alloc > 8<<20 {
		t.Errorf("reading allocated %s; the file must not be read", FormatSize(int64(alloc)))
	}
}

// TestFilesAddUpToTheBudget: files that each fit but not together stop at the one that crosses
// the budget, and the error says how much was read before it.
func TestFilesAddUpToTheBudget(t *testing.T) {
	root := writeTree(t, map[string]string{"cm.yaml": "kind: ConfigMap\n"})
	for i := range 4 {
		sparseFile(t, filepath.Join(root, fmt.Sprintf("part%d.bin", i)), 20<<20)
	}
	err := readErr(t, root, Options{})
	wantTooLarge(t, err, filepath.Join(root, "part3.bin"), "with the 60.00 MiB", "read before it", "64 MiB")
}

// TestParsedYAMLHasItsOwnBudget: fleet.yaml and its values files are parsed, which costs up to
// some 200 times their size in memory, so together they may hold MaxBundleYAMLSize (1 MiB); a
// larger one is refused before it is read or parsed. A values file named twice (root and a
// customization) is read twice and counts twice. .fleetignore has a budget of its own (more in
// TestDeepFleetIgnoreIsBounded).
func TestParsedYAMLHasItsOwnBudget(t *testing.T) {
	const yamlBudget = "budget of 1 MiB for the YAML one bundle parses (fleet.yaml, values files, Chart.yaml)"
	t.Run("fleet.yaml", func(t *testing.T) {
		root := t.TempDir()
		sparseFile(t, filepath.Join(root, "fleet.yaml"), 100<<20)
		var err error
		alloc := framework.Allocated(func() { err = readErr(t, root, Options{}) })
		wantTooLarge(t, err, filepath.Join(root, "fleet.yaml"), "100 MiB", yamlBudget)
		if alloc > 8<<20 {
			t.Errorf("reading allocated %s; fleet.yaml must not be read", FormatSize(int64(alloc)))
		}
	})
	t.Run("valuesFiles", func(t *testing.T) {
		values := "v: " + strings.Repeat("x", 600<<10) + "\n"
		root := writeTree(t, map[string]string{
			"fleet.yaml":       "helm:\n  chart: ./chart\n  valuesFiles: [values.yaml]\ntargetCustomizations:\n- name: dev\n  helm:\n    valuesFiles: [values.yaml]\n",
			"values.yaml":      values,
			"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n"})
		wantTooLarge(t, readErr(t, root, Options{}), filepath.Join(root, "values.yaml"), "read before it", yamlBudget)
	})
	t.Run(".fleetignore", func(t *testing.T) {
		root := writeTree(t, map[string]string{"cm.yaml": "kind: ConfigMap\n"})
		sparseFile(t, filepath.Join(root, ".fleetignore"), 2<<20)
		wantTooLarge(t, readErr(t, root, Options{}), filepath.Join(root, ".fleetignore"), "2 MiB", "budget of 1 MiB for the .fleetignore files in effect in a directory")
	})
}

// TestBundleMustFitARequest: files that fit the files budget but not, compressed, in one API
// request are refused naming the bundle, before the Bundle's JSON is built.
func TestBundleMustFitARequest(t *testing.T) {
	root := writeTree(t, map[string]string{"app/fleet.yaml": "{}\n"})
	randomFile(t, filepath.Join(root, "app", "noise.bin"), 4<<20, 1) // base64 of its gzip: ≈ 5.3 MiB
	err := readErr(t, root, Options{})
	wantTooLarge(t, err, `bundle "repo-app"`, "once encoded", FormatSize(MaxBundleSize), "3 MiB")
}

// TestEscapedTextIsCompressedLikeFleet: the shortcut that compresses large text without building
// the Bundle first keeps Fleet's rule: text under 1,000,000 bytes whose JSON is larger (escaped
// characters) is compressed too, and small text is not.
func TestEscapedTextIsCompressedLikeFleet(t *testing.T) {
	root := writeTree(t, map[string]string{
		"escaped/a.yaml": "# " + strings.Repeat("<", 300_000) + "\n", // \u003c: 1.8 MB of JSON
		"small/a.yaml":   "a: 1\n",
	})
	for _, r := range readAll(t, root, Options{Paths: []string{"escaped", "small"}}) {
		want := ""
		if strings.HasSuffix(r.Bundle.Name, "escaped") {
			want = v1alpha1.ContentEncodingBase64Gzip
		}
		if got := r.Bundle.Spec.Resources[0].Encoding; got != want {
			t.Errorf("%s: encoding %q, want %q", r.Bundle.Name, got, want)
		}
	}
}

// TestBundlesOfOneReadAddUp: bundles that each fit a request but together exceed the budget of
// one read fail it, naming the bundle that crossed it; fewer of them are read. (With the budget
// lowered to 9 MiB: reaching MaxBundlesSize takes gzipping 256 MiB.)
func TestBundlesOfOneReadAddUp(t *testing.T) {
	defer func(v int) { maxBundlesSize = v }(maxBundlesSize)
	maxBundlesSize = 9 << 20
	root := t.TempDir()
	for i := range 4 {
		dir := filepath.Join(root, fmt.Sprintf("b%d", i))
		randomFile(t, filepath.Join(dir, "noise.bin"), 2<<20, uint64(i)) // ≈ 2.7 MiB once encoded
		if err := os.WriteFile(filepath.Join(dir, FleetYAMLFile), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := readErr(t, root, Options{})
	wantTooLarge(t, err, `bundle "repo-b3"`, "with the bundles read before it", "9 MiB", "the bundles of one read")
	if res := readAll(t, root, Options{Paths: []string{"b[012]"}}); len(res) != 3 {
		t.Errorf("read %d bundles of b[012], want 3", len(res))
	}
}

// sizedFetcher returns a chart of one file of size bytes.
type sizedFetcher struct{ size int }

func (f sizedFetcher) FetchChart(context.Context, string, *v1alpha1.HelmOptions) (map[string][]byte, error) {
	return map[string][]byte{"c/Chart.yaml": []byte("name: c\n"), "c/blob.bin": make([]byte, f.size)}, nil
}

func (f sizedFetcher) Dependencies(context.Context, string) (map[string][]byte, error) {
	return nil, nil
}

// TestFetchedChartsCount: a fetched chart (each bounded by the fetcher's own budget) is charged
// to its bundle's files, so a bundle cannot add charts past the budget.
func TestFetchedChartsCount(t *testing.T) {
	root := writeTree(t, map[string]string{"fleet.yaml": "helm:\n  repo: https://charts.example\n  chart: c\n"})
	sparseFile(t, filepath.Join(root, "own.bin"), 40<<20)
	err := readErr(t, root, Options{Charts: sizedFetcher{size: 30 << 20}})
	wantTooLarge(t, err, "chart c (.chart/", "with the 40.00 MiB", "64 MiB")
}
