package fleet

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	v1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// NewAPIGroupInfo returns the fleet.cattle.io group with the storage of every kind and its status.
func NewAPIGroupInfo(scheme *runtime.Scheme, codecs serializer.CodecFactory, deps Deps) (*genericapiserver.APIGroupInfo, error) {
	group := genericapiserver.NewDefaultAPIGroupInfo(v1.GroupName, scheme, metav1.ParameterCodec, codecs)
	resources := map[string]rest.Storage{}
	for _, def := range Definitions() {
		var main, status rest.Storage
		var err error
		if def.Storage != nil {
			main, status, err = def.Storage(def, deps)
		} else {
			var m *REST
			var st *StatusREST
			m, st, err = NewREST(def, scheme, deps.RESTOptionsGetter)
			main = m
			if st != nil {
				status = st
			}
		}
		if err != nil {
			return nil, err
		}
		resources[def.Resource] = main
		if status != nil {
			resources[def.Resource+"/status"] = status
		}
	}
	group.VersionedResourcesStorageMap[v1.SchemeGroupVersion.Version] = resources
	return &group, nil
}
