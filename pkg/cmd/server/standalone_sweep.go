package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// sweepPageSize is the page size of the start-up sweep's lists.
const sweepPageSize = 500

// addGCFinalizerSweep makes a standalone server drop, once it serves, the garbage collector's
// finalizers from the stored objects that carry them (standalone_gc.go). The sweep runs in the
// background, so readiness does not wait for it; what it did, or why it stopped, is logged. It
// lists every object of every kind once (in pages of sweepPageSize): the price, at each start, of
// not keeping an index of finalizers.
func addGCFinalizerSweep(s *genericapiserver.GenericAPIServer) error {
	return s.AddPostStartHook("fleet-gc-finalizer-sweep", func(hc genericapiserver.PostStartHookContext) error {
		go func() {
			n, err := sweepGCFinalizers(hc, s.LoopbackClientConfig)
			if err != nil {
				klog.ErrorS(err, "Removing the garbage collector's finalizers from stored objects", "objects", n)
				return
			}
			klog.InfoS("Removed the garbage collector's finalizers (standalone mode has no garbage collector)", "objects", n)
		}()
		return nil
	})
}

// sweepGCFinalizers removes gcFinalizers from every fleet.cattle.io object served at cfg that has
// one, and returns how many it changed. An object that was written or deleted meanwhile is left
// alone: that write went through withoutGCFinalizers already.
func sweepGCFinalizers(ctx context.Context, cfg *rest.Config) (int, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "fleet-apiserver/standalone"
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return 0, err
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	gv := v1alpha1.SchemeGroupVersion
	resources, err := disco.ServerResourcesForGroupVersion(gv.String())
	if err != nil {
		return 0, fmt.Errorf("discovery of %s: %w", gv, err)
	}
	changed := 0
	for _, r := range resources.APIResources {
		if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "patch") {
			continue // a subresource, or a kind that cannot be listed and patched
		}
		res := client.Resource(gv.WithResource(r.Name))
		opts := metav1.ListOptions{Limit: sweepPageSize}
		for {
			page, err := res.List(ctx, opts)
			if err != nil {
				return changed, fmt.Errorf("listing %s: %w", r.Name, err)
			}
			for i := range page.Items {
				done, err := dropGCFinalizers(ctx, res, &page.Items[i])
				if err != nil {
					return changed, fmt.Errorf("%s %s/%s: %w", r.Name, page.Items[i].GetNamespace(), page.Items[i].GetName(), err)
				}
				if done {
					changed++
				}
			}
			if opts.Continue = page.GetContinue(); opts.Continue == "" {
				break
			}
		}
	}
	return changed, nil
}

// dropGCFinalizers patches obj's finalizers to the ones that are not gcFinalizers, at obj's
// resource version; it reports whether it did. An object that is deleting and has no finalizer left
// is deleted by that update.
func dropGCFinalizers(ctx context.Context, res dynamic.NamespaceableResourceInterface, obj *unstructured.Unstructured) (bool, error) {
	if !hasGCFinalizer(obj.GetFinalizers()) {
		return false, nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": obj.GetResourceVersion(),
		"finalizers":      withoutGCFinalizerNames(obj.GetFinalizers()),
	}})
	if err != nil {
		return false, err
	}
	_, err = res.Namespace(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	switch {
	case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
