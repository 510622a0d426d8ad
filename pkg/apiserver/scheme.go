package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	fleetv1alpha1 "github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

var (
	// Scheme holds every type the server serves, plus the meta types the handlers need.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the types of Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
)

func init() {
	utilruntime.Must(fleetv1alpha1.AddToScheme(Scheme))
	utilruntime.Must(Scheme.SetVersionPriority(fleetv1alpha1.SchemeGroupVersion))

	// List and get options are registered in "v1" of the empty group, as every aggregated server does.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{}, &metav1.APIGroup{}, &metav1.APIResourceList{},
	)
}

// StorageCodec encodes objects for storage: always the versioned JSON of fleet.cattle.io/v1alpha1.
func StorageCodec() runtime.Codec {
	return Codecs.LegacyCodec(fleetv1alpha1.SchemeGroupVersion)
}
