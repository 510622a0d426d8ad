package controller

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/cache"
)

// WatchChanges enqueues the keys that mapFn returns for every change of an object of informer,
// given the object before and after it: before is nil for an added object, after for a deleted
// one. For objects whose changes affect others by what changed (a Cluster's labels and the
// Bundles that select by them).
func (c *Controller) WatchChanges(informer cache.SharedIndexInformer, mapFn func(before, after metav1.Object) []types.NamespacedName) error {
	handle := func(before, after any) {
		var b, a metav1.Object
		var err error
		if before != nil {
			if b, err = metaOf(before); err != nil {
				utilruntime.HandleError(err)
				return
			}
		}
		if after != nil {
			if a, err = metaOf(after); err != nil {
				utilruntime.HandleError(err)
				return
			}
		}
		for _, key := range mapFn(b, a) {
			c.queue.Add(key)
		}
	}
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { handle(nil, obj) },
		UpdateFunc: func(oldObj, newObj any) { handle(oldObj, newObj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			handle(obj, nil)
		},
	})
	if err != nil {
		return fmt.Errorf("controller %s: watch: %w", c.cfg.Name, err)
	}
	return c.addSynced(informer)
}
