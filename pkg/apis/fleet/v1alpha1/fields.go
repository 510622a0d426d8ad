package v1alpha1

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
)

// FieldFunc returns the value of one selectable field of an object of a known kind.
type FieldFunc func(obj runtime.Object) string

// SelectableFields lists, per kind, the fields beyond metadata.name and metadata.namespace that
// `--field-selector` accepts. The registry exposes the same set from GetAttrs, and the SQL storage indexes
// it, so a selector on these fields is answered from an index rather than by decoding every object.
var SelectableFields = map[string]map[string]FieldFunc{
	"GitRepo": {
		"spec.repo":     func(o runtime.Object) string { return o.(*GitRepo).Spec.Repo },
		"spec.branch":   func(o runtime.Object) string { return o.(*GitRepo).Spec.Branch },
		"spec.paused":   func(o runtime.Object) string { return strconv.FormatBool(o.(*GitRepo).Spec.Paused) },
		"status.commit": func(o runtime.Object) string { return o.(*GitRepo).Status.Commit },
	},
	"HelmOp": {
		"spec.helm.chart": func(o runtime.Object) string {
			if h := o.(*HelmOp).Spec.Helm; h != nil {
				return h.Chart
			}
			return ""
		},
		"spec.helm.repo": func(o runtime.Object) string {
			if h := o.(*HelmOp).Spec.Helm; h != nil {
				return h.Repo
			}
			return ""
		},
	},
	"Bundle": {
		"spec.paused": func(o runtime.Object) string { return strconv.FormatBool(o.(*Bundle).Spec.Paused) },
	},
	"BundleDeployment": {
		"spec.deploymentID":       func(o runtime.Object) string { return o.(*BundleDeployment).Spec.DeploymentID },
		"spec.stagedDeploymentID": func(o runtime.Object) string { return o.(*BundleDeployment).Spec.StagedDeploymentID },
	},
	"Cluster": {
		"spec.clientID":    func(o runtime.Object) string { return o.(*Cluster).Spec.ClientID },
		"status.namespace": func(o runtime.Object) string { return o.(*Cluster).Status.Namespace },
	},
	"ClusterRegistration": {
		"spec.clientID":      func(o runtime.Object) string { return o.(*ClusterRegistration).Spec.ClientID },
		"status.clusterName": func(o runtime.Object) string { return o.(*ClusterRegistration).Status.ClusterName },
	},
	"ImageScan": {
		"spec.gitrepoName": func(o runtime.Object) string { return o.(*ImageScan).Spec.GitRepoName },
	},
}

// addFieldLabelConversions registers, for every kind, the field selectors it accepts; anything else is
// rejected with an error naming the field, as the built-in resources do.
func addFieldLabelConversions(scheme *runtime.Scheme) error {
	for _, obj := range knownTypes() {
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			return err
		}
		kind := gvks[0].Kind
		fields := SelectableFields[kind]
		err = scheme.AddFieldLabelConversionFunc(SchemeGroupVersion.WithKind(kind), func(label, value string) (string, string, error) {
			if label == "metadata.name" || label == "metadata.namespace" {
				return label, value, nil
			}
			if _, ok := fields[label]; ok {
				return label, value, nil
			}
			return "", "", fmt.Errorf("field label not supported: %s", label)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
