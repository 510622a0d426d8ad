package integration

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "modernc.org/sqlite" // reads the server's database file directly

	v1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/test/framework"
)

// TestSecondServerOnSameDataDirExitsWithReason: a second fleet-apiserver on the data dir of a running
// one exits non-zero with one line naming the database file and the PID of the first.
func TestSecondServerOnSameDataDirExitsWithReason(t *testing.T) {
	s := framework.StartStandalone(t, "")
	out, err := runToExit(t, "--data-dir", s.DataDir)
	assertOneLineReason(t, out, err, filepath.Join(s.DataDir, "fleet.db"), "in use by process "+strconv.Itoa(s.PID()))
	// The first one is unharmed.
	if _, err := s.Clientset().FleetV1alpha1().GitRepos("ns").List(testContext(t), metav1.ListOptions{}); err != nil {
		t.Fatalf("the first server after the second was refused: %v", err)
	}
}

func TestBadStorageSyncExitsWithReason(t *testing.T) {
	out, err := runToExit(t, "--data-dir", t.TempDir(), "--storage-sync", "always")
	assertOneLineReason(t, out, err, "--storage-sync", "always", "normal, full")
}

// TestEncryptionAtRest: a server restarted with --encryption-provider-config (aescbc, then identity)
// stores new GitRepos encrypted, as read from the SQLite file, and still serves those written before.
func TestEncryptionAtRest(t *testing.T) {
	s := framework.StartStandalone(t, "")
	ctx := testContext(t)
	// The markers are paths, which are not a selectable field: labels and selectable fields are also kept,
	// in plaintext, in the push-down side tables (docs/storage.md).
	before := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "before"}, Spec: v1alpha1.GitRepoSpec{Repo: repoURL, Paths: []string{"plain-before"}}}
	if _, err := s.Clientset().FleetV1alpha1().GitRepos("ns").Create(ctx, before, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Stop()

	config := filepath.Join(t.TempDir(), "encryption.yaml")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{42}, 32))
	if err := os.WriteFile(config, []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: ["*.fleet.cattle.io"]
  providers:
  - aescbc: {keys: [{name: key1, secret: `+key+`}]}
  - identity: {}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Start("--encryption-provider-config", config, "--storage-sync", "full")
	client := s.Clientset().FleetV1alpha1().GitRepos("ns")
	after := &v1alpha1.GitRepo{ObjectMeta: metav1.ObjectMeta{Name: "after"}, Spec: v1alpha1.GitRepoSpec{Repo: repoURL, Paths: []string{"secret-after"}}}
	if _, err := client.Create(ctx, after, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*v1alpha1.GitRepo{before, after} {
		got, err := client.Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil || len(got.Spec.Paths) != 1 || got.Spec.Paths[0] != want.Spec.Paths[0] {
			t.Fatalf("get %s with encryption on: %v", want.Name, err)
		}
	}
	s.Stop()

	path := filepath.Join(s.DataDir, "fleet.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	var value []byte
	if err := raw.QueryRowContext(ctx, `SELECT e.value FROM objects o JOIN events e ON e.rv = o.rv WHERE o.key = ?`,
		"/fleet.cattle.io/gitrepos/ns/after").Scan(&value); err != nil {
		t.Fatalf("read the stored GitRepo from %s: %v", path, err)
	}
	if !bytes.HasPrefix(value, []byte("k8s:enc:aescbc:v1:key1:")) {
		t.Fatalf("stored value %.60q is not aescbc-encrypted", value)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(file, []byte("secret-after")) {
		t.Fatalf("%s holds the plaintext of a GitRepo written with encryption on", path)
	}
	if !bytes.Contains(file, []byte("plain-before")) {
		t.Fatalf("%s: the GitRepo written before encryption is not found in plaintext; the scan above proves nothing", path)
	}
}
