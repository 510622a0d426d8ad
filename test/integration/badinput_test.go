package integration

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

func TestInvalidObjectIs422WithFieldPath(t *testing.T) {
	s := framework.StartStandalone(t, "")
	_, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Create(testContext(t),
		&v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "norepo"}}, metav1.CreateOptions{})
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != http.StatusUnprocessableEntity {
		t.Fatalf("want 422, got %v", err)
	}
	var fields []string
	if details := status.Status().Details; details != nil {
		for _, cause := range details.Causes {
			fields = append(fields, cause.Field)
		}
	}
	if !equal(fields, []string{"spec.repo"}) {
		t.Fatalf("causes name %v, want [spec.repo]", fields)
	}

	// kubectl shows the same reason, and nothing was stored.
	_, errOut, err := s.KubectlResult("apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: norepo\nspec: {}\n", "create", "-n", "ns", "-f", "-")
	if err == nil || !strings.Contains(errOut, "spec.repo: Required value") {
		t.Fatalf("kubectl: err=%v stderr=%s", err, errOut)
	}
	if _, _, err := s.KubectlResult("", "get", "gitrepo", "norepo", "-n", "ns"); err == nil {
		t.Fatalf("an invalid object was stored")
	}
}

func TestMalformedJSONIs400(t *testing.T) {
	s := framework.StartStandalone(t, "")
	rest := s.Clientset().FleetV1alpha1().RESTClient()
	result := rest.Post().Namespace("ns").Resource("gitrepos").
		SetHeader("Content-Type", "application/json").Body([]byte(`{"apiVersion":"fleet.cattle.io/v1alpha1","kind":"GitRepo",`)).Do(testContext(t))
	var code int
	result.StatusCode(&code)
	if code != http.StatusBadRequest || !apierrors.IsBadRequest(result.Error()) {
		t.Fatalf("want 400, got %d: %v", code, result.Error())
	}
}

// runToExit runs fleet-apiserver and returns its combined output and exit error; it must exit by itself.
func runToExit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin, err := framework.Binary("fleet-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append([]string{"--standalone", "--secure-port", "0"}, args...)...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("fleet-apiserver did not exit: %s", out)
	}
	return string(out), err
}

// assertOneLineReason checks that the server failed with a single line that mentions every want, no stack.
func assertOneLineReason(t *testing.T, out string, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("fleet-apiserver succeeded; output:\n%s", out)
	}
	got := lines(out)
	if len(got) != 1 || strings.Contains(out, "goroutine ") {
		t.Fatalf("want a one-line reason, got:\n%s", out)
	}
	assertContains(t, got[0], wants...)
}

func TestUnwritableDataDirExitsWithReason(t *testing.T) {
	// A path below a regular file can never be created, even by root.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runToExit(t, "--data-dir", filepath.Join(file, "data"))
	assertOneLineReason(t, out, err, "data dir", "not a directory")
}

func TestCorruptDatabaseExitsWithReason(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fleet.db"), []byte(strings.Repeat("this is not sqlite ", 512)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runToExit(t, "--data-dir", dir)
	assertOneLineReason(t, out, err, "fleet.db")
}
