package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GitRepoRestriction restricts and defaults the GitRepos of its namespace. It has no spec: its fields
// are top-level, as in Fleet. All GitRepoRestrictions of a namespace are merged.
type GitRepoRestriction struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// DefaultServiceAccount is used by GitRepos that set no serviceAccount.
	// +optional
	DefaultServiceAccount string `json:"defaultServiceAccount,omitempty"`
	// AllowedServiceAccounts, if set, are the only service accounts GitRepos may use.
	// +optional
	// +listType=atomic
	AllowedServiceAccounts []string `json:"allowedServiceAccounts,omitempty"`
	// AllowedRepoPatterns, if set, are regular expressions one of which a GitRepo's repo must match.
	// +optional
	// +listType=atomic
	AllowedRepoPatterns []string `json:"allowedRepoPatterns,omitempty"`
	// DefaultClientSecretName is used by GitRepos that set no clientSecretName.
	// +optional
	DefaultClientSecretName string `json:"defaultClientSecretName,omitempty"`
	// AllowedClientSecretNames, if set, are the only client secrets GitRepos may use.
	// +optional
	// +listType=atomic
	AllowedClientSecretNames []string `json:"allowedClientSecretNames,omitempty"`
	// AllowedTargetNamespaces, if set, requires GitRepos to set targetNamespace to one of these
	// namespaces (or one matching allowedTargetNamespaceSelector).
	// +optional
	// +listType=atomic
	AllowedTargetNamespaces []string `json:"allowedTargetNamespaces,omitempty"`
	// AllowedTargetNamespaceSelector matches the labels of downstream namespaces bundles may be
	// deployed to; checked by the agent. A namespace is allowed if it matches this selector or is
	// listed in allowedTargetNamespaces.
	// +optional
	AllowedTargetNamespaceSelector *metav1.LabelSelector `json:"allowedTargetNamespaceSelector,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// GitRepoRestrictionList is a list of GitRepoRestrictions.
type GitRepoRestrictionList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the GitRepoRestrictions.
	Items []GitRepoRestriction `json:"items"`
}
