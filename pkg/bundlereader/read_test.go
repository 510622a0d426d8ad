package bundlereader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// writeTree writes files (slash-separated relative paths) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func readAll(t *testing.T, root string, opts Options) []Result {
	t.Helper()
	opts.BaseDir = root
	if opts.Name == "" {
		opts.Name = "repo"
	}
	for i, p := range opts.Paths {
		opts.Paths[i] = filepath.Join(root, p)
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{root}
	}
	res, err := Read(context.Background(), opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res
}

func bundleNames(rs []Result) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Bundle.Name)
	}
	return out
}

func resourceNames(b *v1alpha1.Bundle) []string {
	out := make([]string, 0, len(b.Spec.Resources))
	for _, r := range b.Spec.Resources {
		out = append(out, r.Name)
	}
	return out
}

func TestDiscovery(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		paths     []string
		wantNames []string
		wantRes   map[string][]string
	}{
		{
			name:      "raw manifests without fleet.yaml",
			files:     map[string]string{"a.yaml": "a", "README.md": "r"},
			wantNames: []string{"repo"},
			wantRes:   map[string][]string{"repo": {"README.md", "a.yaml"}},
		},
		{
			name: "nested fleet.yaml makes its own bundle and leaves the parent",
			files: map[string]string{
				"app/fleet.yaml": "namespace: a", "app/a.yaml": "a",
				"app/sub/fleet.yaml": "namespace: b", "app/sub/b.yaml": "b",
				"app/plain/c.yaml": "c",
			},
			paths:     []string{"app"},
			wantNames: []string{"repo-app", "repo-app-sub"},
			wantRes:   map[string][]string{"repo-app": {"a.yaml", "plain/c.yaml"}, "repo-app-sub": {"b.yaml"}},
		},
		{
			name:      "fleet.yml fallback",
			files:     map[string]string{"x/fleet.yml": "namespace: a", "x/a.yaml": "a"},
			paths:     []string{"x"},
			wantNames: []string{"repo-x"},
			wantRes:   map[string][]string{"repo-x": {"a.yaml"}},
		},
		{
			name: "hidden dirs and .fleetignore are skipped",
			files: map[string]string{
				"a.yaml": "a", ".git/config.yaml": "g", ".hidden.yaml": "h",
				".fleetignore": "# comment\nignored.yaml\nskipdir/\n", "ignored.yaml": "i", "skipdir/x.yaml": "x",
				"sub/.fleetignore": "*.txt", "sub/keep.yaml": "k", "sub/drop.txt": "d", "top.txt": "t",
			},
			wantNames: []string{"repo"},
			wantRes:   map[string][]string{"repo": {"a.yaml", "sub/keep.yaml", "top.txt"}},
		},
		{
			name:      "globbed paths",
			files:     map[string]string{"apps/one/fleet.yaml": "", "apps/two/fleet.yaml": "", "apps/two/t.yaml": "t"},
			paths:     []string{"apps/*"},
			wantNames: []string{"repo-apps-one", "repo-apps-two"},
		},
		{
			name:      "directory with only yaml in a sub directory",
			files:     map[string]string{"deep/deeper/a.yaml": "a"},
			wantNames: []string{"repo"},
			wantRes:   map[string][]string{"repo": {"deep/deeper/a.yaml"}},
		},
		{
			name:      "fleet.yaml name overrides",
			files:     map[string]string{"x/fleet.yaml": "name: custom", "x/a.yaml": "a"},
			paths:     []string{"x"},
			wantNames: []string{"custom"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			res := readAll(t, root, Options{Paths: tt.paths})
			if got := bundleNames(res); !reflect.DeepEqual(got, tt.wantNames) {
				t.Fatalf("bundles = %v, want %v", got, tt.wantNames)
			}
			for _, r := range res {
				want, ok := tt.wantRes[r.Bundle.Name]
				if !ok {
					continue
				}
				if got := resourceNames(r.Bundle); !reflect.DeepEqual(got, want) {
					t.Errorf("%s resources = %v, want %v", r.Bundle.Name, got, want)
				}
			}
		})
	}
}

func TestReadNoResources(t *testing.T) {
	root := writeTree(t, map[string]string{"README.md": "r"})
	_, err := Read(context.Background(), Options{Name: "x", Paths: []string{root}, BaseDir: root})
	if !errors.Is(err, ErrNoResources) {
		t.Fatalf("err = %v, want ErrNoResources", err)
	}
}

func TestReadMalformedFleetYAMLNamesFileAndLine(t *testing.T) {
	root := writeTree(t, map[string]string{"fleet.yaml": "namespace: a\nhelm: [\n", "a.yaml": "a"})
	_, err := Read(context.Background(), Options{Name: "x", Paths: []string{root}, BaseDir: root})
	assertFileError(t, err, filepath.Join(root, "fleet.yaml"), 2, "invalid YAML")
}

func TestValuesFiles(t *testing.T) {
	root := writeTree(t, map[string]string{
		"fleet.yaml": `helm:
  values: {a: inline, nested: {x: inline}}
  valuesFiles: [v1.yaml, v2.yaml]
targetCustomizations:
- name: dev
  clusterSelector: {matchLabels: {env: dev}}
  helm:
    valuesFiles: [dev.yaml]
`,
		"v1.yaml":  "a: v1\nb: v1\nnested: {x: v1, z: v1}\n",
		"v2.yaml":  "b: v2\n",
		"dev.yaml": "dev: true\n",
		"m.yaml":   "x",
	})
	res := readAll(t, root, Options{})
	b := res[0].Bundle
	want := map[string]any{"a": "inline", "b": "v2", "nested": map[string]any{"x": "inline", "z": "v1"}}
	if got := b.Spec.Helm.Values.Data; !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
	if got := b.Spec.Targets[0].Helm.Values.Data; !reflect.DeepEqual(got, map[string]any{"dev": true}) {
		t.Errorf("customization values = %v", got)
	}
	if got := resourceNames(b); !reflect.DeepEqual(got, []string{"m.yaml"}) {
		t.Errorf("values files must not be resources: %v", got)
	}
}

func TestTargets(t *testing.T) {
	sel := func(env string) string { return "{matchLabels: {env: " + env + "}}" }
	tests := []struct {
		name             string
		fleetYAML        string
		file             *TargetsFile
		wantTargets      []string
		wantRestrictions []string
	}{
		{name: "default target", fleetYAML: "", wantTargets: []string{"default"}},
		{name: "customizations become targets without a targets file, unnamed ones named by position",
			fleetYAML:   "targetCustomizations:\n- name: dev\n  clusterSelector: " + sel("dev") + "\n- clusterSelector: " + sel("prod") + "\n",
			wantTargets: []string{"dev", "target001"}},
		{name: "GitRepo targets appended and restricted",
			fleetYAML:   "targetCustomizations:\n- name: dev\n  clusterSelector: " + sel("dev") + "\n",
			file:        GitRepoTargets([]v1alpha1.GitTarget{{Name: "all", ClusterGroup: "g"}}),
			wantTargets: []string{"dev", "all"}, wantRestrictions: []string{"all"}},
		{name: "unnamed GitRepo targets keep no name, as Fleet",
			fleetYAML:   "targetCustomizations:\n- clusterSelector: " + sel("dev") + "\n",
			file:        GitRepoTargets([]v1alpha1.GitTarget{{ClusterGroup: "g"}}),
			wantTargets: []string{"target000", ""}, wantRestrictions: []string{""}},
		{name: "a GitRepo without targets gives the default target, restricted",
			file: GitRepoTargets(nil), wantTargets: []string{"default"}, wantRestrictions: []string{"default"}},
		{name: "a targets file's targets and restrictions are taken as they are",
			file: &TargetsFile{Targets: []v1alpha1.BundleTarget{{Name: "t", ClusterGroup: "g"}, {ClusterName: "c"}},
				TargetRestrictions: []v1alpha1.BundleTargetRestriction{{Name: "r", ClusterGroup: "g"}}},
			wantTargets: []string{"t", ""}, wantRestrictions: []string{"r"}},
		{name: "overrideTargets replace GitRepo targets, names as given",
			fleetYAML:   "overrideTargets:\n- name: o\n  clusterName: c1\n- clusterName: c2\n",
			file:        GitRepoTargets([]v1alpha1.GitTarget{{Name: "all", ClusterGroup: "g"}}),
			wantTargets: []string{"o", ""}, wantRestrictions: []string{"o", ""}},
		{name: "fleet.yaml's own targetRestrictions come first, as Fleet keeps them",
			fleetYAML:   "targetRestrictions:\n- name: mine\n  clusterName: c\n",
			file:        GitRepoTargets([]v1alpha1.GitTarget{{Name: "all", ClusterGroup: "g"}}),
			wantTargets: []string{"all"}, wantRestrictions: []string{"mine", "all"}},
		{name: "an empty overrideTargets drops the GitRepo targets",
			fleetYAML:   "overrideTargets: []\n",
			file:        GitRepoTargets([]v1alpha1.GitTarget{{Name: "all", ClusterGroup: "g"}}),
			wantTargets: []string{"default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"fleet.yaml": tt.fleetYAML, "a.yaml": "a"})
			b := readAll(t, root, Options{Targets: tt.file})[0].Bundle
			gotT, gotR := []string{}, []string{}
			for _, x := range b.Spec.Targets {
				gotT = append(gotT, x.Name)
			}
			for _, x := range b.Spec.TargetRestrictions {
				gotR = append(gotR, x.Name)
			}
			if tt.wantRestrictions == nil {
				tt.wantRestrictions = []string{}
			}
			if !reflect.DeepEqual(gotT, tt.wantTargets) || !reflect.DeepEqual(gotR, tt.wantRestrictions) {
				t.Errorf("targets = %q restrictions = %q, want %q %q", gotT, gotR, tt.wantTargets, tt.wantRestrictions)
			}
		})
	}
}

// TestRootChartPropertiesReachOnlyFleetYAMLTargets: as Fleet, the root helm chart, repo and version
// are copied into fleet.yaml's own targets that set helm options, before the targets file's are
// appended; those keep what they had.
func TestRootChartPropertiesReachOnlyFleetYAMLTargets(t *testing.T) {
	root := writeTree(t, map[string]string{"Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"fleet.yaml": "helm:\n  chart: .\n  version: 0.1.0\ntargetCustomizations:\n- name: dev\n  clusterName: d\n  helm:\n    values: {a: 1}\n"})
	file := &TargetsFile{Targets: []v1alpha1.BundleTarget{{Name: "f", ClusterName: "x",
		BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{Helm: &v1alpha1.HelmOptions{ReleaseName: "r"}}}}}
	b := readAll(t, root, Options{Targets: file})[0].Bundle
	if h := b.Spec.Targets[0].Helm; h.Chart != "." || h.Version != "0.1.0" {
		t.Errorf("the customization's helm options %+v, want the root chart and version", h)
	}
	if h := b.Spec.Targets[1].Helm; h.Chart != "" || h.Version != "" || h.ReleaseName != "r" {
		t.Errorf("the file target's helm options %+v, want them as given", h)
	}
}

func TestTargetNamespaceOverrideReachesEveryTarget(t *testing.T) {
	root := writeTree(t, map[string]string{"fleet.yaml": "targetCustomizations:\n- name: dev\n  namespace: mine\n  clusterName: c\n", "a.yaml": "a"})
	b := readAll(t, root, Options{Overrides: Overrides{TargetNamespace: "forced"}, Targets: GitRepoTargets(nil)})[0].Bundle
	if b.Spec.TargetNamespace != "forced" {
		t.Errorf("spec.namespace = %q", b.Spec.TargetNamespace)
	}
	for _, x := range b.Spec.Targets {
		if x.TargetNamespace != "forced" {
			t.Errorf("target %q: namespace %q, want the flag's (Fleet writes it into every target)", x.Name, x.TargetNamespace)
		}
	}
}

func TestDrivenScan(t *testing.T) {
	root := writeTree(t, map[string]string{
		"kustomize/base/a.yaml": "a", "kustomize/dev.yaml": "namespace: dev", "kustomize/prod.yaml": "namespace: prod",
		"kustomize/sub/fleet.yaml": "namespace: nested", "kustomize/sub/b.yaml": "b",
	})
	base := filepath.Join(root, "kustomize")
	res, err := Read(context.Background(), Options{Name: "r", BaseDir: root, DrivenScan: true,
		Paths: []string{base + ":dev.yaml", base + ":prod.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := bundleNames(res); !reflect.DeepEqual(got, []string{"r-kustomize-dev", "r-kustomize-prod"}) {
		t.Fatalf("bundles = %v", got)
	}
	if res[0].Bundle.Spec.TargetNamespace != "dev" {
		t.Errorf("namespace = %q", res[0].Bundle.Spec.TargetNamespace)
	}
	got := strings.Join(resourceNames(res[0].Bundle), ",")
	if got != "base/a.yaml,prod.yaml,sub/b.yaml,sub/fleet.yaml" {
		t.Errorf("driven scan resources = %s", got)
	}
}

func TestUnknownKeysWarning(t *testing.T) {
	root := writeTree(t, map[string]string{"fleet.yaml": "namespace: a\nnamepsace: b\n", "a.yaml": "a"})
	res := readAll(t, root, Options{})
	if len(res[0].Warnings) != 1 || !strings.Contains(res[0].Warnings[0].String(), "namepsace (line 2)") {
		t.Errorf("warnings = %v", res[0].Warnings)
	}
}

func TestLargeBundleIsCompressed(t *testing.T) {
	big := strings.Repeat("# padding line for a large bundle\n", 40_000) // ≈ 1.4 MB
	root := writeTree(t, map[string]string{"big.yaml": big, "small.yaml": "a: 1\n"})
	b := readAll(t, root, Options{})[0].Bundle
	for _, r := range b.Spec.Resources {
		if r.Encoding != v1alpha1.ContentEncodingBase64Gzip {
			t.Errorf("%s: encoding %q, want base64+gz once the bundle exceeds 1 MB", r.Name, r.Encoding)
		}
	}
}

// TestRootConfinesValuesFiles: with Options.Root (the controllers' checkout), a valuesFiles entry that
// leaves the root — by .. or a symlink — is refused, naming the entry; inside the root it is read.
// Without Root (the CLI) the same file is read.
func TestRootConfinesValuesFiles(t *testing.T) {
	secret := writeTree(t, map[string]string{"secret.yaml": "token: s3cret\n"})
	for _, tc := range []struct{ name, valuesFile string }{
		{"dot-dot", filepath.Join("..", "..", strings.TrimPrefix(secret, "/"), "secret.yaml")},
		{"symlink", "link.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{
				"app/fleet.yaml": "helm:\n  valuesFiles: [" + tc.valuesFile + "]\n",
				"app/m.yaml":     "x",
			})
			if tc.name == "dot-dot" {
				// Enough .. to reach / from root/app whatever the temporary directory's depth.
				up := strings.Repeat("../", strings.Count(root, "/")+1)
				tc.valuesFile = up + strings.TrimPrefix(secret, "/") + "/secret.yaml"
				if err := os.WriteFile(filepath.Join(root, "app", "fleet.yaml"), []byte("helm:\n  valuesFiles: ["+tc.valuesFile+"]\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Symlink(filepath.Join(secret, "secret.yaml"), filepath.Join(root, "app", "link.yaml")); err != nil {
				t.Fatal(err)
			}
			_, err := Read(context.Background(), Options{Name: "repo", BaseDir: root, Root: root, Paths: []string{filepath.Join(root, "app")}})
			if err == nil || !strings.Contains(err.Error(), "must be inside the repository") || !strings.Contains(err.Error(), "fleet.yaml") {
				t.Fatalf("err = %v, want a refusal naming fleet.yaml", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error must not carry the file's content: %v", err)
			}
			res := readAll(t, root, Options{Paths: []string{"app"}})
			if got := res[0].Bundle.Spec.Helm.Values.Data["token"]; got != "s3cret" {
				t.Fatalf("without Root the CLI reads the file: values %v", res[0].Bundle.Spec.Helm.Values.Data)
			}
		})
	}
	// Inside the root is fine.
	root := writeTree(t, map[string]string{
		"app/fleet.yaml": "helm:\n  valuesFiles: [../shared/v.yaml]\n",
		"app/m.yaml":     "x",
		"shared/v.yaml":  "a: 1\n",
	})
	if _, err := Read(context.Background(), Options{Name: "repo", BaseDir: root, Root: root, Paths: []string{filepath.Join(root, "app")}}); err != nil {
		t.Fatalf("a values file elsewhere in the repository must be read: %v", err)
	}
}

func TestReadDirIsTheDirectoryAlone(t *testing.T) {
	root := writeTree(t, map[string]string{
		// A nested bundle with a chart from a repository: reading the root must not fetch it
		// (Charts is nil here, so a fetch would fail).
		"app/fleet.yaml":   "helm:\n  repo: https://charts.example.invalid\n  chart: app\n",
		"app/cm.yaml":      "a",
		"other/fleet.yaml": "defaultNamespace: x\n",
	})
	r, err := ReadDir(context.Background(), root, Options{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Bundle.Name != "test" || len(r.Bundle.Spec.Resources) != 0 {
		t.Errorf("bundle %s with resources %v, want test without resources", r.Bundle.Name, resourceNames(r.Bundle))
	}
	if len(r.Bundle.Spec.Targets) != 1 || r.Bundle.Spec.Targets[0].Name != "default" {
		t.Errorf("targets = %v", r.Bundle.Spec.Targets)
	}
	root2 := writeTree(t, map[string]string{"fleet.yaml": "defaultNamespace: d\n", "cm.yaml": "a", "sub/fleet.yaml": "", "sub/x.yaml": "x", "plain/y.yaml": "y"})
	r, err = ReadDir(context.Background(), root2, Options{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(resourceNames(r.Bundle), ","); got != "cm.yaml,plain/y.yaml" || r.Bundle.Spec.DefaultNamespace != "d" {
		t.Errorf("resources %s, defaultNamespace %q", got, r.Bundle.Spec.DefaultNamespace)
	}
}
