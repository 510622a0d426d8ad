package sqlstore

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// TestRESTOptionsGetter checks the options handed to genericregistry.Store
// and that its Decorator builds a working store with selector push-down.
func TestRESTOptionsGetter(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, Config{})
	gr := schema.GroupResource{Group: "fleet.cattle.io", Resource: "gitrepos"}
	opts, err := db.RESTOptionsGetter(benchCodec()).GetRESTOptions(gr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.ResourcePrefix != "/fleet.cattle.io/gitrepos" || opts.DeleteCollectionWorkers != 1 ||
		!opts.EnableGarbageCollection || opts.CountMetricPollPeriod != time.Minute ||
		opts.StorageConfig == nil || opts.StorageConfig.GroupResource != gr || opts.StorageConfig.Codec == nil {
		t.Fatalf("unexpected options: %+v", opts)
	}
	s, destroy, err := opts.Decorator(opts.StorageConfig, opts.ResourcePrefix, nil,
		func() runtime.Object { return &example.Pod{} },
		func() runtime.Object { return &example.PodList{} },
		podAttrs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer destroy()
	if s.(*store).attrFunc == nil {
		t.Fatal("the Decorator dropped the AttrFunc: no selector push-down")
	}
	key := opts.ResourcePrefix + "/ns/repo"
	in := &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "repo", Labels: map[string]string{"team": "a"}}}
	out := &example.Pod{}
	if err := s.Create(ctx, key, in, out, 0); err != nil {
		t.Fatal(err)
	}
	list := &example.PodList{}
	pred := storage.SelectionPredicate{Label: labels.SelectorFromSet(labels.Set{"team": "a"}), Field: fields.Everything(), GetAttrs: podAttrs}
	if err := s.GetList(ctx, opts.ResourcePrefix+"/", storage.ListOptions{Recursive: true, Predicate: pred}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].ResourceVersion != out.ResourceVersion {
		t.Fatalf("list = %+v, want the created object", list.Items)
	}
	if err := s.ReadinessCheck(); err != nil {
		t.Fatal(err)
	}
}
