package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of every kind in this package.
const GroupName = "fleet.cattle.io"

// SchemeGroupVersion is the group version used to register these objects.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

// InternalGroupVersion is the internal (hub) version. The server is versioned-only, so the same Go types
// are registered under it too and conversion between the two is the identity.
var InternalGroupVersion = schema.GroupVersion{Group: GroupName, Version: runtime.APIVersionInternal}

// Kind takes an unqualified kind and returns a group-qualified GroupKind.
func Kind(kind string) schema.GroupKind { return SchemeGroupVersion.WithKind(kind).GroupKind() }

// Resource takes an unqualified resource and returns a group-qualified GroupResource.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

var (
	// SchemeBuilder registers the types, their defaulting functions and field label conversions.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds the types of this group to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	localSchemeBuilder.Register(addKnownTypes, RegisterDefaults, addFieldLabelConversions)
}

// knownTypes lists every kind of the group with its list type.
func knownTypes() []runtime.Object {
	return []runtime.Object{
		&GitRepo{}, &GitRepoList{},
		&HelmOp{}, &HelmOpList{},
		&Bundle{}, &BundleList{},
		&BundleDeployment{}, &BundleDeploymentList{},
		&Content{}, &ContentList{},
		&Cluster{}, &ClusterList{},
		&ClusterGroup{}, &ClusterGroupList{},
		&ClusterRegistration{}, &ClusterRegistrationList{},
		&ClusterRegistrationToken{}, &ClusterRegistrationTokenList{},
		&GitRepoRestriction{}, &GitRepoRestrictionList{},
		&BundleNamespaceMapping{}, &BundleNamespaceMappingList{},
		&Schedule{}, &ScheduleList{},
		&ImageScan{}, &ImageScanList{},
		&Policy{}, &PolicyList{},
	}
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, knownTypes()...)
	scheme.AddKnownTypes(InternalGroupVersion, knownTypes()...)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
