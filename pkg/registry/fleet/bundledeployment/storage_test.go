package bundledeployment

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
	"github.com/fleetapi/fleet/pkg/storage/sqlstore"
)

func setup(t *testing.T) (*REST, *StatusREST, *pairs.Store) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{Path: filepath.Join(t.TempDir(), "fleet.db"),
		Extensions: []sqlstore.Extension{pairs.Extension()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store := pairs.New(db)
	r, s := NewREST(store, rest.NewDefaultTableConvertor(v1.Resource("bundledeployments")), Meta{ShortNames: []string{"bd"}})
	return r, s, store
}

func clusterNS(name string) string { return manifest.ClusterNamespace("fleet-default", name) }

func apply(t *testing.T, store *pairs.Store, clusters ...string) {
	t.Helper()
	var d []pairs.Desired
	for _, c := range clusters {
		d = append(d, pairs.Desired{Cluster: pairs.Cluster{Namespace: "fleet-default", Name: c, UID: "u-" + "c", ClusterNS: clusterNS(c)},
			DeploymentID: "s-1:a", Promote: true})
	}
	if _, err := store.Apply(context.Background(), pairs.Bundle{Namespace: "fleet-default", Name: "app", UID: "u-app"}, d); err != nil {
		t.Fatal(err)
	}
}

func in(ns string) context.Context {
	return genericapirequest.WithNamespace(context.Background(), ns)
}

func TestReads(t *testing.T) {
	r, _, store := setup(t)
	apply(t, store, "c1", "c2")
	obj, err := r.Get(in(clusterNS("c1")), "app", &metav1.GetOptions{})
	if err != nil || obj.(*v1.BundleDeployment).Namespace != clusterNS("c1") {
		t.Fatalf("get: %v %v", obj, err)
	}
	list, err := r.List(in(""), &metainternalversion.ListOptions{})
	if err != nil || len(list.(*v1.BundleDeploymentList).Items) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	byName, err := r.List(in(""), &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.namespace", clusterNS("c2"))})
	if err != nil || len(byName.(*v1.BundleDeploymentList).Items) != 1 {
		t.Errorf("by namespace field: %v %v", byName, err)
	}
	_, err = r.List(in(""), &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.deploymentID", "x")})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "spec.deploymentID") {
		t.Errorf("an unsupported field: %v", err)
	}
	_, err = r.List(in(""), &metainternalversion.ListOptions{ResourceVersion: "2", ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("an exact revision: %v", err)
	}
}

func TestClientWritesAreRefused(t *testing.T) {
	r, _, store := setup(t)
	apply(t, store, "c1")
	ctx := in(clusterNS("c1"))
	bd := &v1.BundleDeployment{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: clusterNS("c1")}}
	checks := map[string]error{}
	_, checks["create"] = r.Create(ctx, bd, nil, &metav1.CreateOptions{})
	_, _, checks["update"] = r.Update(ctx, "app", rest.DefaultUpdatedObjectInfo(bd), nil, nil, false, &metav1.UpdateOptions{})
	_, _, checks["delete"] = r.Delete(ctx, "app", nil, &metav1.DeleteOptions{})
	_, checks["deletecollection"] = r.DeleteCollection(ctx, nil, &metav1.DeleteOptions{}, &metainternalversion.ListOptions{})
	for verb, err := range checks {
		if !apierrors.IsMethodNotSupported(err) || !strings.Contains(err.Error(), "written by the server") {
			t.Errorf("%s: %v", verb, err)
		}
	}
	// A namespace without BundleDeployments: deleting the collection finds nothing (the namespace
	// controller does this when a workspace namespace goes).
	if _, err := r.DeleteCollection(in("fleet-default"), nil, &metav1.DeleteOptions{}, &metainternalversion.ListOptions{}); err != nil {
		t.Errorf("an empty collection: %v", err)
	}
}

func TestStatusWrites(t *testing.T) {
	_, s, store := setup(t)
	apply(t, store, "c1")
	ctx := in(clusterNS("c1"))
	now := time.Now().UTC().Format(time.RFC3339)
	ready := func(obj runtime.Object) {
		bd := obj.(*v1.BundleDeployment)
		bd.Spec.DeploymentID = "changed by the agent" // ignored: not the status
		bd.Status.AppliedDeploymentID = "s-1:a"
		bd.Status.Ready, bd.Status.NonModified = true, true
		bd.Status.Conditions = []v1.GenericCondition{{Type: "Ready", Status: corev1.ConditionTrue, LastUpdateTime: now}}
	}
	obj, _, err := s.Update(ctx, "app", rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		newObj := old.DeepCopyObject()
		ready(newObj)
		return newObj, nil
	}), nil, nil, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bd := obj.(*v1.BundleDeployment)
	if bd.Status.Display.State != "Ready" || bd.Spec.DeploymentID != "s-1:a" {
		t.Errorf("after the status write: state %q, deploymentID %q", bd.Status.Display.State, bd.Spec.DeploymentID)
	}
	tooMany := func(_ context.Context, _, old runtime.Object) (runtime.Object, error) {
		bd := old.DeepCopyObject().(*v1.BundleDeployment)
		for i := 0; i < 11; i++ {
			bd.Status.NonReadyStatus = append(bd.Status.NonReadyStatus, v1.NonReadyStatus{Name: fmt.Sprint(i)})
		}
		bd.Status.Conditions[0].LastUpdateTime = "yesterday"
		return bd, nil
	}
	_, _, err = s.Update(ctx, "app", rest.DefaultUpdatedObjectInfo(nil, tooMany), nil, nil, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "status.nonReadyStatus") || !strings.Contains(err.Error(), "status.conditions[0].lastUpdateTime") {
		t.Errorf("an invalid status: %v", err)
	}
}
