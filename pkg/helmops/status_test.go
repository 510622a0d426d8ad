package helmops

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/fleetapi/fleet/pkg/controller"
)

// warnings counts the Warning events recorded.
type warnings struct{ n int }

func (w *warnings) Eventf(_ runtime.Object, typ, _, _ string, _ ...any) {
	if typ == controller.EventWarning {
		w.n++
	}
}

// TestWarningOnlyOnceTheStatusIsWritten: a failed reconcile whose status write conflicts (it ran on
// a stale cached copy) records no Warning; the retry that writes the status records exactly one.
func TestWarningOnlyOnceTheStatusIsWritten(t *testing.T) {
	f := newFixture(t, controller.NoSecrets{}, newHelmOp("op", "http://127.0.0.1:1", "creds"))
	rec := &warnings{}
	f.r.recorder = rec
	conflict := true
	f.client.PrependReactor("update", "helmops", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflict {
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "fleet.cattle.io", Resource: "helmops"}, "op", errors.New("stale"))
		}
		return false, nil, nil
	})
	if _, err := f.reconcile("op"); err == nil || rec.n != 0 {
		t.Fatalf("reconcile = %v with %d warnings; want a failure and none recorded", err, rec.n)
	}
	conflict = false
	for range 2 {
		if _, err := f.reconcile("op"); err == nil {
			t.Fatal("want the failure again")
		}
	}
	if rec.n != 1 {
		t.Fatalf("%d warnings after the status was written and the failure repeated, want 1", rec.n)
	}
}
