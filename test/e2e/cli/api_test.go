package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/fleetcli"
	"github.com/fleetapi/fleet/test/framework"
)

// TestApplyThroughTheAPI: without -o, `fleet apply` saves the Bundles through the API of the real
// server (the kubeconfig it wrote): created, then updated in place when a file changes; with the
// repository label, a bundle directory that is gone takes its Bundle with it, while Bundles of
// another repository, and those the server's GitRepo controller wrote, stay.
func TestApplyThroughTheAPI(t *testing.T) {
	s := framework.StartStandalone(t, "")
	cs := s.Clientset()
	ctx := context.Background()
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: \"1\"\n"
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := fleetcli.NewCommand(fleetcli.Config{Out: &out, Err: &errOut, WorkDir: dir})
		cmd.SetArgs(append([]string{"apply", "--kubeconfig", s.Kubeconfig, "-n", "team-a"}, args...))
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("fleet apply %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	bundles := func() map[string]v1alpha1.Bundle {
		t.Helper()
		list, err := cs.FleetV1alpha1().Bundles("team-a").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]v1alpha1.Bundle{}
		for _, b := range list.Items {
			m[b.Name] = b
		}
		return m
	}
	repo := "-l=" + v1alpha1.RepoLabel + "=apps"

	write("apps/web/cm.yaml", cm)
	write("apps/db/cm.yaml", cm)
	// A Bundle the server's GitRepo controller wrote for a GitRepo named "apps": not apply's to prune.
	managed := &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: "apps-from-the-gitrepo", Namespace: "team-a",
		Labels:      map[string]string{v1alpha1.RepoLabel: "apps"},
		Annotations: map[string]string{v1alpha1.GitRepoBundleDigestAnnotation: "d"}},
		Spec: v1alpha1.BundleSpec{Resources: []v1alpha1.BundleResource{{Name: "cm.yaml", Content: cm}}}}
	if _, err := cs.FleetV1alpha1().Bundles("team-a").Create(ctx, managed, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	apply(repo, "apps", "apps/web", "apps/db")
	apply("-l="+v1alpha1.RepoLabel+"=other", "other", "apps/web")
	first := bundles()
	for _, name := range []string{"apps-apps-web", "apps-apps-db", "other-apps-web"} {
		if _, ok := first[name]; !ok {
			t.Fatalf("bundle %s missing; have %v", name, keys(first))
		}
	}

	write("apps/web/cm.yaml", strings.Replace(cm, `"1"`, `"2"`, 1))
	if err := os.RemoveAll(filepath.Join(dir, "apps", "db")); err != nil {
		t.Fatal(err)
	}
	out := apply(repo, "apps", "apps/web")
	if !strings.Contains(out, "bundle team-a/apps-apps-db pruned") {
		t.Fatalf("output %q; want the pruned bundle named", out)
	}
	second := bundles()
	if _, ok := second["apps-apps-db"]; ok {
		t.Fatal("the bundle of the removed directory was not pruned")
	}
	web := second["apps-apps-web"]
	if web.UID != first["apps-apps-web"].UID || web.ResourceVersion == first["apps-apps-web"].ResourceVersion ||
		len(web.Spec.Resources) != 1 || !strings.Contains(web.Spec.Resources[0].Content, `"2"`) {
		t.Fatalf("apps-apps-web was not updated in place: uid %s→%s, resources %+v", first["apps-apps-web"].UID, web.UID, web.Spec.Resources)
	}
	if _, ok := second["other-apps-web"]; !ok {
		t.Fatal("a bundle of another repository was pruned")
	}
	if _, ok := second["apps-from-the-gitrepo"]; !ok {
		t.Fatal("a bundle the GitRepo controller wrote was pruned")
	}
}

func keys(m map[string]v1alpha1.Bundle) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
