package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:noStatus
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Policy restricts what the GitRepos, HelmOps and Bundles of its namespace may do. The GitRepo and
// HelmOp reconcilers apply its defaults and validate before producing a Bundle; the Bundle
// reconciler validates again before producing BundleDeployments. Top-level fields apply to all
// three; gitRepo and helmOp only to their kind. All Policies of a namespace are combined (union),
// sorted by name. It has no spec and no status: its fields are top-level, as in Fleet.
type Policy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// RequireServiceAccount rejects GitRepos, HelmOps and Bundles whose serviceAccount is empty
	// after defaulting.
	// +optional
	RequireServiceAccount bool `json:"requireServiceAccount,omitempty"`
	// AllowedServiceAccounts, if set, are the only service accounts that may be used.
	// +optional
	// +listType=atomic
	AllowedServiceAccounts []string `json:"allowedServiceAccounts,omitempty"`
	// AllowNamespaceCreation lets Fleet create namespaces downstream even when
	// requireServiceAccount is true (by default it then does not, so tenant service accounts need no
	// cluster-wide namespaces/create permission).
	// +optional
	AllowNamespaceCreation bool `json:"allowNamespaceCreation,omitempty"`
	// AllowPodSecurityNamespaceLabels lets namespaceLabels with the "pod-security.kubernetes.io/"
	// prefix be applied downstream. By default they are dropped.
	// +optional
	AllowPodSecurityNamespaceLabels bool `json:"allowPodSecurityNamespaceLabels,omitempty"`
	// GitRepo holds defaults and restrictions applied only to GitRepos.
	// +optional
	GitRepo *GitRepoPolicySpec `json:"gitRepo,omitempty"`
	// HelmOp holds defaults and restrictions applied only to HelmOps.
	// +optional
	HelmOp *HelmOpPolicySpec `json:"helmOp,omitempty"`
}

// GitRepoPolicySpec holds GitRepo-specific defaults and restrictions of a Policy.
type GitRepoPolicySpec struct {
	// DefaultServiceAccount is applied to GitRepos without serviceAccount, before the
	// requireServiceAccount check.
	// +optional
	DefaultServiceAccount string `json:"defaultServiceAccount,omitempty"`
	// DefaultClientSecretName is applied to GitRepos without clientSecretName.
	// +optional
	DefaultClientSecretName string `json:"defaultClientSecretName,omitempty"`
	// AllowedClientSecretNames, if set, are the only client secrets GitRepos may reference.
	// +optional
	// +listType=atomic
	AllowedClientSecretNames []string `json:"allowedClientSecretNames,omitempty"`
	// AllowedRepoPatterns, if set, are regular expressions one of which a GitRepo's repo must match.
	// +optional
	// +listType=atomic
	AllowedRepoPatterns []string `json:"allowedRepoPatterns,omitempty"`
}

// HelmOpPolicySpec holds HelmOp-specific defaults and restrictions of a Policy.
type HelmOpPolicySpec struct {
	// DefaultServiceAccount is applied to HelmOps without serviceAccount, before the
	// requireServiceAccount check.
	// +optional
	DefaultServiceAccount string `json:"defaultServiceAccount,omitempty"`
	// DefaultHelmSecretName is applied to HelmOps without helmSecretName.
	// +optional
	DefaultHelmSecretName string `json:"defaultHelmSecretName,omitempty"`
	// AllowedHelmSecretNames, if set, are the only credential secrets HelmOps may reference.
	// +optional
	// +listType=atomic
	AllowedHelmSecretNames []string `json:"allowedHelmSecretNames,omitempty"`
	// AllowedHelmRepoPatterns, if set, are regular expressions one of which spec.helm.repo must
	// match.
	// +optional
	// +listType=atomic
	AllowedHelmRepoPatterns []string `json:"allowedHelmRepoPatterns,omitempty"`
	// AllowedChartPatterns, if set, are regular expressions one of which spec.helm.chart must match.
	// +optional
	// +listType=atomic
	AllowedChartPatterns []string `json:"allowedChartPatterns,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PolicyList is a list of Policies.
type PolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Policies.
	Items []Policy `json:"items"`
}
