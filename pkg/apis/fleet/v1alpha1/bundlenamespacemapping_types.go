package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BundleNamespaceMapping lets the bundles of its namespace that match bundleSelector target the
// clusters of the namespaces matching namespaceSelector. It has no spec: its fields are top-level,
// as in Fleet. Both selectors must be set; an unset selector matches nothing.
type BundleNamespaceMapping struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// BundleSelector matches the labels of bundles in this namespace.
	// +optional
	BundleSelector *metav1.LabelSelector `json:"bundleSelector,omitempty"`
	// NamespaceSelector matches the labels of namespaces whose clusters the bundles may target.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// BundleNamespaceMappingList is a list of BundleNamespaceMappings.
type BundleNamespaceMappingList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the BundleNamespaceMappings.
	Items []BundleNamespaceMapping `json:"items"`
}
