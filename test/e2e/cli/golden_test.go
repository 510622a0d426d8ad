package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/fleetcli"
)

var update = flag.Bool("update", false, "rewrite the golden files under test/fixtures/expected")

const (
	fixturesDir = "../../fixtures/repo"
	expectedDir = "../../fixtures/expected"
)

// fixture is one directory of test/fixtures/repo and how Fleet's example test drives it.
type fixture struct {
	dir string
	// envs are the env label values of multi-cluster fixtures; none means `fleet test` without
	// flags (the default cluster group), compared with default-output.yaml.
	envs []string
	// testDirs are sub-directories to run `fleet test` in, instead of the fixture itself
	// (repositories with several bundles; "." is the fixture itself); outputs go to
	// <sub>/default-output.yaml.
	testDirs []string
	// applyArgs are more arguments of `fleet apply` (before the bundle name).
	applyArgs []string
	// applyOnly fixtures are compared for `fleet apply` only.
	applyOnly bool
	// env adds placeholder replacements (servers) to a fixture.
	env func(t *testing.T) *environment
}

var multiEnvs = []string{"dev", "test", "prod"}

func fixtures() []fixture {
	return append([]fixture{
		{dir: "simple"},
		{dir: "single-cluster/manifests"},
		{dir: "multi-cluster/manifests", envs: multiEnvs},
	}, append(extraFixtures(), parityFixtures()...)...)
}

// environment holds what a fixture needs at run time.
type environment struct {
	// replace maps placeholders in fixture files to their values; the reverse is applied to outputs.
	replace map[string]string
}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(strings.ReplaceAll(fx.dir, "/", "_"), func(t *testing.T) {
			env := &environment{}
			if fx.env != nil {
				env = fx.env(t)
			}
			dir := prepare(t, filepath.Join(fixturesDir, fx.dir), env.replace)
			ns := "fleet-local"
			if len(fx.envs) > 0 {
				ns = "fleet-default"
			}
			out, _ := run(t, env, dir, append(append([]string{"apply", "-n", ns, "-o", "-"}, fx.applyArgs...), "test")...)
			compareGolden(t, filepath.Join(expectedDir, fx.dir, "bundle.yaml"), normalize(out, env.replace))
			if fx.applyOnly {
				return
			}
			// The targets `fleet test` matched, one line per run, as it printed them on stderr.
			var matched bytes.Buffer
			test := func(golden string, args ...string) {
				out, errOut := run(t, env, dir, append([]string{"test"}, args...)...)
				compareGolden(t, filepath.Join(expectedDir, fx.dir, golden), normalize(out, env.replace))
				fmt.Fprintf(&matched, "fleet test %s\t%s", strings.Join(args, " "), errOut)
			}
			for _, sub := range fx.testDirs {
				test(filepath.Join(sub, "default-output.yaml"), sub)
			}
			if len(fx.envs) == 0 && len(fx.testDirs) == 0 {
				test("default-output.yaml")
			}
			for _, e := range fx.envs {
				test(e+"-output.yaml", "-n", ns, "-l", "env="+e)
			}
			compareGolden(t, filepath.Join(expectedDir, fx.dir, "matched.txt"), matched.Bytes())
		})
	}
}

// matchedRE is the line `fleet test` writes on stderr, as Fleet's.
var matchedRE = regexp.MustCompile(`^# Matched: [a-z0-9-]*\n$`)

// run runs the fleet CLI in dir and returns its stdout and stderr; it fails the test on error or
// warnings (`fleet test` writes exactly its match line on stderr).
func run(t *testing.T, env *environment, dir string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	var out, errOut bytes.Buffer
	cfg := fleetcli.Config{Out: &out, Err: &errOut, WorkDir: dir, Charts: &helmchart.Fetcher{}}
	cmd := fleetcli.NewCommand(cfg)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("fleet %s: %v", strings.Join(args, " "), err)
	}
	if args[0] == "test" {
		if !matchedRE.Match(errOut.Bytes()) {
			t.Errorf("fleet %s wrote to stderr %q, want only its match line", strings.Join(args, " "), errOut.String())
		}
	} else if errOut.Len() > 0 {
		t.Errorf("fleet %s wrote to stderr: %s", strings.Join(args, " "), errOut.String())
	}
	return out.Bytes(), errOut.Bytes()
}

// prepare returns the fixture directory, or a copy with placeholders replaced when there are any.
func prepare(t *testing.T, src string, replace map[string]string) string {
	t.Helper()
	if len(replace) == 0 {
		return src
	}
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for k, v := range replace {
			data = bytes.ReplaceAll(data, []byte(k), []byte(v))
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// normalize turns run-time values (server addresses, hashes derived from them) back into placeholders.
// The .chart/<hash> directory of a fetched chart hashes the (run-time) repository URL.
func normalize(out []byte, replace map[string]string) []byte {
	if len(replace) == 0 {
		return out
	}
	for k, v := range replace {
		out = bytes.ReplaceAll(out, []byte(v), []byte(k))
	}
	return chartHashRE.ReplaceAll(out, []byte(".chart/@CHART_HASH@"))
}

var chartHashRE = regexp.MustCompile(`\.chart/[0-9a-f]{64}`)

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n%s", path, diff(string(want), string(got)))
	}
}

// diff shows the first differing lines.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl, gl)
		}
	}
	return ""
}
