package render

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
)

// clusterScoped reports whether o is cluster-scoped on the target cluster, from its REST mapping,
// as Fleet's agent decides it at install time. A kind the cluster does not serve is an error naming
// the object's file (a CRD of the same bundle does not help: with `namespace` set, the CRD itself,
// being cluster-scoped, is refused).
func clusterScoped(mapper meta.RESTMapper, o Object) (bool, error) {
	gvk := o.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return false, fmt.Errorf("%s: %s %s: %w", o.Source, o.GetAPIVersion(), o.GetKind(), err)
	}
	return m.Scope.Name() == meta.RESTScopeNameRoot, nil
}
