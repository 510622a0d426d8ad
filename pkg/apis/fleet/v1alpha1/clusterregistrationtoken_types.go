package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRegistrationToken lets agents register new clusters in its namespace. The controller
// creates a Secret of the same name whose "values" key is a ready-to-use values.yaml for the
// fleet-agent Helm chart.
type ClusterRegistrationToken struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec sets the token's lifetime.
	// +optional
	Spec ClusterRegistrationTokenSpec `json:"spec,omitempty"`
	// Status reports the token secret and expiry.
	// +optional
	Status ClusterRegistrationTokenStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRegistrationTokenList is a list of ClusterRegistrationTokens.
type ClusterRegistrationTokenList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ClusterRegistrationTokens.
	Items []ClusterRegistrationToken `json:"items"`
}

// ClusterRegistrationTokenSpec sets a token's lifetime.
type ClusterRegistrationTokenSpec struct {
	// TTL is the time to live of the token, a Go duration such as "12h"; the token is deleted when
	// it expires. Unset or 0 means it never expires. Must not be negative.
	// +optional
	TTL *metav1.Duration `json:"ttl,omitempty"`
}

// ClusterRegistrationTokenStatus reports a token's secret and expiry.
type ClusterRegistrationTokenStatus struct {
	// Expires is when the token expires; unset if it never does.
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
	// SecretName is the Secret holding the agent values.yaml with the token.
	// +optional
	SecretName string `json:"secretName,omitempty"`
}
