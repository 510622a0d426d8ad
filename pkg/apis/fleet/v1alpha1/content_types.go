package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Content is used internally by Fleet and should not be used directly. It stores the manifest of a
// bundle (all its resources) once, content-addressed and cluster-scoped: its name is the manifest ID
// ("s-" followed by a SHA-256, at most 63 characters) and BundleDeployments refer to it by the label
// fleet.cattle.io/content-name. Like GitRepoRestriction, it has no spec: content and sha256sum are
// top-level fields. It is never changed after creation and is deleted when no BundleDeployment
// references it any more.
type Content struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Content is the gzip-compressed JSON {"resources": [...]} of the bundle's resources.
	// +optional
	Content []byte `json:"content,omitempty"`
	// SHA256Sum is the lower-case hex SHA-256 of the uncompressed content.
	// +optional
	SHA256Sum string `json:"sha256sum,omitempty"`

	// Status counts the references to this Content.
	// +optional
	Status ContentStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ContentList is a list of Contents.
type ContentList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Contents.
	Items []Content `json:"items"`
}

// ContentStatus is the observed state of a Content.
type ContentStatus struct {
	// ReferenceCount is the number of BundleDeployments referencing this Content.
	// +optional
	ReferenceCount int `json:"referenceCount,omitempty"`
}
