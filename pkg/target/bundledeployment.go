package target

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// ClusterNamespace returns the namespace holding a cluster's BundleDeployments: the cluster's
// status.namespace, or, when the cluster has not been processed yet, the name Fleet gives it,
// SafeConcatName("cluster", namespace, name, KeyHash(namespace + "::" + name)).
func ClusterNamespace(c *v1alpha1.Cluster) string {
	if c.Status.Namespace != "" {
		return c.Status.Namespace
	}
	return manifest.ClusterNamespace(c.Namespace, c.Name)
}

// CopiedLabels are the labels of a Bundle its BundleDeployments carry, as Fleet copies them: all
// but kubectl.kubernetes.io/ ones and those containing cattle.io outside fleet.cattle.io/.
func CopiedLabels(bundleLabels map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range bundleLabels {
		if strings.HasPrefix(k, "kubectl.kubernetes.io/") ||
			(strings.Contains(k, "cattle.io") && !strings.HasPrefix(k, v1alpha1.FleetLabelPrefix)) {
			continue
		}
		labels[k] = v
	}
	return labels
}

// BundleDeployment builds the BundleDeployment of a target, as the bundle controller writes it
// before any rollout decision: staged and current options and IDs are the same.
func BundleDeployment(b *v1alpha1.Bundle, t *Target) *v1alpha1.BundleDeployment {
	manifestID, _, _ := strings.Cut(t.DeploymentID, ":")
	labels := CopiedLabels(b.Labels)
	labels[v1alpha1.BundleLabel] = b.Name
	labels[v1alpha1.BundleNamespaceLabel] = b.Namespace
	labels[v1alpha1.ManagedLabel] = "true"
	labels[v1alpha1.ClusterNamespaceLabel] = t.Cluster.Namespace
	labels[v1alpha1.ClusterLabel] = t.Cluster.Name
	labels[v1alpha1.ContentNameLabel] = manifestID
	opts := t.Options.DeepCopy()
	return &v1alpha1.BundleDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "BundleDeployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      b.Name,
			Namespace: ClusterNamespace(t.Cluster),
			Labels:    labels,
		},
		Spec: v1alpha1.BundleDeploymentSpec{
			Paused:             b.Spec.Paused || t.Cluster.Spec.Paused,
			StagedOptions:      *opts,
			StagedDeploymentID: t.DeploymentID,
			Options:            *opts.DeepCopy(),
			DeploymentID:       t.DeploymentID,
			DependsOn:          append([]v1alpha1.BundleRef(nil), b.Spec.DependsOn...),
			CorrectDrift:       opts.CorrectDrift.DeepCopy(),
		},
	}
}
