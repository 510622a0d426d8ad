package render

import (
	"strings"
)

// clusterScoped lists the cluster-scoped kinds of Kubernetes itself, by "group/Kind" (core group
// empty).
var clusterScoped = map[string]bool{
	"/Namespace": true, "/Node": true, "/PersistentVolume": true, "/ComponentStatus": true,
	"rbac.authorization.k8s.io/ClusterRole": true, "rbac.authorization.k8s.io/ClusterRoleBinding": true,
	"apiextensions.k8s.io/CustomResourceDefinition":                 true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   true,
	"apiregistration.k8s.io/APIService":                             true,
	"storage.k8s.io/StorageClass":                                   true,
	"storage.k8s.io/CSIDriver":                                      true,
	"storage.k8s.io/CSINode":                                        true,
	"storage.k8s.io/VolumeAttachment":                               true,
	"storage.k8s.io/VolumeAttributesClass":                          true,
	"scheduling.k8s.io/PriorityClass":                               true,
	"node.k8s.io/RuntimeClass":                                      true,
	"networking.k8s.io/IngressClass":                                true,
	"networking.k8s.io/IPAddress":                                   true,
	"networking.k8s.io/ServiceCIDR":                                 true,
	"certificates.k8s.io/CertificateSigningRequest":                 true,
	"certificates.k8s.io/ClusterTrustBundle":                        true,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       true,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       true,
	"resource.k8s.io/DeviceClass":                                   true,
	"resource.k8s.io/ResourceSlice":                                 true,
	"authentication.k8s.io/TokenReview":                             true,
	"authorization.k8s.io/SelfSubjectAccessReview":                  true,
	"authorization.k8s.io/SubjectAccessReview":                      true,
	"authorization.k8s.io/SelfSubjectRulesReview":                   true,
	"policy/PodSecurityPolicy":                                      true,
	"fleet.cattle.io/Content":                                       true,
	"migration.k8s.io/StorageVersionMigration":                      true,
	"internal.apiserver.k8s.io/StorageVersion":                      true,
}

// scopes decides whether a kind is cluster-scoped: built-in kinds from clusterScoped, plus the
// kinds of CustomResourceDefinitions found among the rendered objects.
type scopes struct {
	crds map[string]bool // "group/Kind" -> cluster-scoped
}

func newScopes(objs []Object) scopes {
	s := scopes{crds: map[string]bool{}}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" || !strings.HasPrefix(o.GetAPIVersion(), "apiextensions.k8s.io/") {
			continue
		}
		group, _, _ := unstructuredString(o.Object, "spec", "group")
		kind, _, _ := unstructuredString(o.Object, "spec", "names", "kind")
		scope, _, _ := unstructuredString(o.Object, "spec", "scope")
		s.crds[group+"/"+kind] = scope == "Cluster"
	}
	return s
}

func (s scopes) clusterScoped(o Object) bool {
	gv := o.GetAPIVersion()
	group := ""
	if i := strings.Index(gv, "/"); i >= 0 {
		group = gv[:i]
	}
	key := group + "/" + o.GetKind()
	if cs, ok := s.crds[key]; ok {
		return cs
	}
	return clusterScoped[key]
}

func unstructuredString(obj map[string]any, fields ...string) (string, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur, ok = m[f]
		if !ok {
			return "", false, nil
		}
	}
	s, ok := cur.(string)
	return s, ok, nil
}
