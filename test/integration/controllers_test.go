package integration

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	_ "modernc.org/sqlite" // the test opens the server's database to damage it
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// health GETs path (a health endpoint) of s with the admin credentials.
func health(t *testing.T, s *framework.Server, path string) (int, string) {
	t.Helper()
	cfg := s.RESTConfig()
	c, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitHealth waits (bounded) until path answers code with a body containing want and none of
// unwanted, and returns the body.
func waitHealth(t *testing.T, s *framework.Server, path string, code int, want string, unwanted ...string) string {
	t.Helper()
	var gotCode int
	var body string
	err := wait.PollUntilContextTimeout(testContext(t), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		gotCode, body = health(t, s, path)
		if gotCode != code || !strings.Contains(body, want) {
			return false, nil
		}
		for _, u := range unwanted {
			if strings.Contains(body, u) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("GET %s: %d %q; want %d with %q and none of %q\noutput:\n%s", path, gotCode, body, code, want, unwanted, s.Output())
	}
	return body
}

// TestControllersFailingToStartMakeReadyzFail: the GitRepo controller cannot start when the
// temporary directory it checks commits out in does not exist (TMPDIR names a missing directory).
// /readyz fails with the check fleet-controllers, /readyz/fleet-controllers says why, the readiness
// probe of artifacts/deploy/deployment.yaml stays ok (the API serves: the pod keeps the Service's
// endpoint), and once the directory exists the next attempt starts the controller and /readyz is ok.
func TestControllersFailingToStartMakeReadyzFail(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "tmp")
	s := framework.NewStandalone(t, "")
	s.Env = []string{"TMPDIR=" + tmp}
	s.StartLive()

	// The HelmOp controller does not need the directory: it starts.
	reason := waitHealth(t, s, "/readyz/fleet-controllers", http.StatusInternalServerError, "failed to start", "controller helmop")
	t.Logf("/readyz/fleet-controllers: %s", reason)
	assertContains(t, reason, "controller gitrepo: failed to start", "TMPDIR", tmp, "no such file or directory")
	if code, body := health(t, s, "/readyz?verbose"); code != http.StatusInternalServerError || !strings.Contains(body, "[-]fleet-controllers failed") ||
		!strings.Contains(body, "[+]sql-storage ok") {
		t.Fatalf("/readyz?verbose: %d\n%s", code, body)
	}
	probe := deploymentReadinessPath(t)
	if code, body := health(t, s, probe); code != http.StatusOK || body != "ok" {
		t.Fatalf("the Deployment's readiness probe %s: %d %s; want ok (the API itself serves, so the pod stays Ready)", probe, code, body)
	}
	if _, err := s.Clientset().FleetV1alpha1().GitRepos("ns").List(testContext(t), metav1.ListOptions{}); err != nil {
		t.Fatalf("the API does not serve while the controllers are down: %v", err)
	}

	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, s, "/readyz", http.StatusOK, "ok")
	waitHealth(t, s, "/readyz/fleet-controllers", http.StatusOK, "ok")
}

// TestControllersSayWhyTheirCachesDoNotSync: a stored GitRepo that does not decode (its row
// damaged while the server was down) makes the GitRepo controller's list fail; instead of waiting
// for its cache for ever behind a green /readyz, the controller reports the list's error.
func TestControllersSayWhyTheirCachesDoNotSync(t *testing.T) {
	s := framework.StartStandalone(t, "")
	_, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Create(testContext(t), &v1alpha1.GitRepo{
		ObjectMeta: metav1.ObjectMeta{Name: "damaged"},
		Spec:       v1alpha1.GitRepoSpec{Repo: "https://127.0.0.1:1/r.git"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()
	damageStoredObject(t, filepath.Join(s.DataDir, "fleet.db"), "/fleet.cattle.io/gitrepos/ns/damaged")

	s.StartLive()
	// The HelmOp controller lists no GitRepos: it starts.
	reason := waitHealth(t, s, "/readyz/fleet-controllers", http.StatusInternalServerError, "failed to start", "controller helmop")
	t.Logf("/readyz/fleet-controllers: %s", reason)
	assertContains(t, reason, "controller gitrepo: failed to start", "caches did not sync", "GitRepo")
	// The probe stays ok: the API to repair the GitRepo with is reachable through the aggregator.
	if code, body := health(t, s, deploymentReadinessPath(t)); code != http.StatusOK {
		t.Fatalf("the Deployment's readiness probe: %d %s; want ok", code, body)
	}
}

// deploymentReadinessPath returns the path of the readiness probe of artifacts/deploy/deployment.yaml.
func deploymentReadinessPath(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(framework.RepoRoot(), "artifacts", "deploy", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(data, &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil {
			return p.HTTPGet.Path
		}
	}
	t.Fatal("the Deployment has no HTTP readiness probe")
	return ""
}

// damageStoredObject overwrites the stored value of key in the SQLite file at path with bytes that
// are not JSON: what a disk or a bug could leave. It knows the schema of pkg/storage/sqlstore
// (sqlite.go): objects.rv points at the event holding the value.
func damageStoredObject(t *testing.T, path, key string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	res, err := db.Exec(`UPDATE events SET value = ? WHERE rv = (SELECT rv FROM objects WHERE key = ?)`, []byte("{not json"), key)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("damaging %s: %d rows, %v", key, n, err)
	}
}
