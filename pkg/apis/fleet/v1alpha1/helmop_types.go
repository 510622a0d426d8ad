package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HelmOp deploys a Helm chart from a Helm repository or OCI registry to target clusters, without a
// git repository. It produces a Bundle of the same name, labelled fleet.cattle.io/fleet-helm-name;
// the chart is downloaded by the agents.
//
// The chart is referenced in one of three ways: helm.chart is an absolute URL to a .tgz archive
// (helm.repo and helm.version empty); helm.repo is a repository URL and helm.chart a chart name in
// it (helm.version optional); or helm.repo is an oci:// reference (helm.chart empty, helm.version is
// the tag).
type HelmOp struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the chart, its options and the target clusters.
	// +optional
	Spec HelmOpSpec `json:"spec,omitempty"`
	// Status is computed from the BundleDeployments of the produced Bundle.
	// +optional
	Status HelmOpStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HelmOpList is a list of HelmOps.
type HelmOpList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the HelmOps.
	Items []HelmOp `json:"items"`
}

// HelmOpSpec is a BundleSpec (helm, namespace, targets, rolloutStrategy, dependsOn, ...) plus the
// settings of the Helm repository. spec.helm is required.
type HelmOpSpec struct {
	BundleSpec `json:",inline"`
	// Labels are copied to the produced Bundle, e.g. for a dependsOn selector.
	// +optional
	// +mapType=granular
	Labels map[string]string `json:"labels,omitempty"`
	// PollingInterval is how often the Helm repository is checked for a new chart version matching
	// helm.version. Unset or 0 disables polling.
	// +optional
	PollingInterval *metav1.Duration `json:"pollingInterval,omitempty"`
	// HelmSecretName is the Secret with credentials for the Helm repository.
	// +optional
	HelmSecretName string `json:"helmSecretName,omitempty"`
	// InsecureSkipTLSverify (JSON "insecureSkipTLSVerify") skips TLS verification of the Helm
	// repository.
	// +optional
	InsecureSkipTLSverify bool `json:"insecureSkipTLSVerify,omitempty"`
}

// HelmOpStatus is the observed state of a HelmOp.
type HelmOpStatus struct {
	StatusBase `json:",inline"`
	// Version is the chart version deployed: helm.version resolved to a strict version, the latest
	// version when helm.version is empty or "*".
	// +optional
	Version string `json:"version,omitempty"`
	// LastPollingTime (JSON "lastPollingTriggered") is the last time polling was triggered.
	// +optional
	LastPollingTime metav1.Time `json:"lastPollingTriggered,omitempty"`
}
