package integration

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/fleetapi/fleet/test/framework"
)

// TestStandaloneDropsGCFinalizersItCannotHonour: objects that already carry the orphan or
// foregroundDeletion finalizer — written by an earlier build, which added them for orphan and
// foreground deletes although no garbage collector removes them there — lose them when the
// standalone server starts: a deleting object that nothing else holds goes, another keeps its own
// finalizers only. A client that asks for them gets none.
func TestStandaloneDropsGCFinalizersItCannotHonour(t *testing.T) {
	s := framework.StartStandalone(t, "")
	bundles := s.Clientset().FleetV1alpha1().Bundles("ns")
	for _, name := range []string{"was-deleting", "was-held", "untouched"} {
		s.KubectlStdin(fmt.Sprintf(bundleYAML, name, `["example.com/hold"]`), "apply", "-f", "-")
	}
	if err := bundles.Delete(testContext(t), "was-deleting", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A client that sets them itself.
	s.KubectlStdin(fmt.Sprintf(bundleYAML, "asked", `["orphan", "example.com/hold"]`), "apply", "-f", "-")
	if b, err := bundles.Get(testContext(t), "asked", metav1.GetOptions{}); err != nil || !slices.Equal(b.Finalizers, []string{"example.com/hold"}) {
		t.Fatalf("a bundle created with the orphan finalizer: %v; want only its own finalizer", describe(b, err))
	}
	s.Stop()

	// What an earlier build left: the deleting bundle held by the orphan finalizer only, another
	// with foregroundDeletion next to its own.
	db := filepath.Join(s.DataDir, "fleet.db")
	setStoredFinalizers(t, db, "/fleet.cattle.io/bundles/ns/was-deleting", metav1.FinalizerOrphanDependents)
	setStoredFinalizers(t, db, "/fleet.cattle.io/bundles/ns/was-held", metav1.FinalizerDeleteDependents, "example.com/hold")

	s.Start()
	bundles = s.Clientset().FleetV1alpha1().Bundles("ns") // a new port
	err := wait.PollUntilContextTimeout(testContext(t), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := bundles.Get(ctx, "was-deleting", metav1.GetOptions{})
		held, err2 := bundles.Get(ctx, "was-held", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && err2 == nil && slices.Equal(held.Finalizers, []string{"example.com/hold"}), nil
	})
	if err != nil {
		b, gerr := bundles.Get(testContext(t), "was-deleting", metav1.GetOptions{})
		h, herr := bundles.Get(testContext(t), "was-held", metav1.GetOptions{})
		t.Fatalf("after the restart: was-deleting %s, was-held %s; want the first gone and the second with only its own finalizer\n%s",
			describe(b, gerr), describe(h, herr), s.Output())
	}
	if b, err := bundles.Get(testContext(t), "untouched", metav1.GetOptions{}); err != nil || !slices.Equal(b.Finalizers, []string{"example.com/hold"}) {
		t.Fatalf("untouched: %v", describe(b, err))
	}
	// The sweep logs once it has gone through every kind, which may be after the objects changed.
	waitFor(t, func() bool { return strings.Contains(s.Output(), "Removed the garbage collector's finalizers") })
	assertContains(t, s.Output(), "Removed the garbage collector's finalizers", "objects=2")
}

// setStoredFinalizers rewrites the finalizers in the stored value of key in the SQLite file at path,
// as an earlier build could have left them. It knows the schema of pkg/storage/sqlstore (sqlite.go):
// objects.rv points at the event holding the value, stored as JSON without encryption.
func setStoredFinalizers(t *testing.T, path, key string, finalizers ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var value []byte
	if err := db.QueryRow(`SELECT value FROM events WHERE rv = (SELECT rv FROM objects WHERE key = ?)`, key).Scan(&value); err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(value, &obj); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	obj["metadata"].(map[string]any)["finalizers"] = finalizers
	if value, err = json.Marshal(obj); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE events SET value = ? WHERE rv = (SELECT rv FROM objects WHERE key = ?)`, value, key); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE objects SET size = ? WHERE key = ?`, len(value), key); err != nil {
		t.Fatal(err)
	}
}
