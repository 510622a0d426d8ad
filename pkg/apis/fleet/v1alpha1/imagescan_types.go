package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ImageScan periodically scans an image repository for the latest tag matching a policy and commits
// it back to the GitRepo's manifests, where fields are marked with # {"$imagescan": "<tagName>"}.
// Created by fleet apply from fleet.yaml imageScans (experimental, disabled by default). The API
// follows Flux's image-reflector-controller.
type ImageScan struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the image repository and the tag policy.
	// +optional
	Spec ImageScanSpec `json:"spec,omitempty"`
	// Status reports the latest scan.
	// +optional
	Status ImageScanStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ImageScanList is a list of ImageScans.
type ImageScanList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ImageScans.
	Items []ImageScan `json:"items"`
}

// ImageScanSpec describes an image repository to scan.
type ImageScanSpec struct {
	// TagName is the name used in manifest markers to refer to this scan's result.
	// +optional
	TagName string `json:"tagName,omitempty"`
	// GitRepoName is the GitRepo whose repository is updated.
	// +optional
	GitRepoName string `json:"gitrepoName,omitempty"`
	// Image is the image repository to scan, e.g. "docker.io/library/nginx". Required.
	// +required
	Image string `json:"image"`
	// Interval is the time between scans, a Go duration such as "5m". Required.
	// +required
	Interval metav1.Duration `json:"interval"`
	// SecretRef names a docker-registry Secret with credentials for the image registry.
	// +optional
	SecretRef *corev1.LocalObjectReference `json:"secretRef,omitempty"`
	// Suspend stops subsequent scans; a running scan is not affected.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
	// Policy selects the latest tag.
	// +optional
	Policy ImagePolicyChoice `json:"policy,omitempty"`
}

// ImagePolicyChoice selects the tag ordering; set one of the policies.
type ImagePolicyChoice struct {
	// SemVer selects the highest tag within a semver range.
	// +optional
	SemVer *SemVerPolicy `json:"semver,omitempty"`
	// Alphabetical selects the last tag in alphabetical order.
	// +optional
	Alphabetical *AlphabeticalPolicy `json:"alphabetical,omitempty"`
}

// SemVerPolicy selects the highest tag within a semver range.
type SemVerPolicy struct {
	// Range is a semver range, e.g. ">=1.0.0 <2.0.0" or "*".
	// +optional
	Range string `json:"range,omitempty"`
}

// AlphabeticalPolicy selects tags by alphabetical order.
type AlphabeticalPolicy struct {
	// Order is "asc" (select the last tag, e.g. Z; the default) or "desc" (select the first, e.g. A).
	// +optional
	Order string `json:"order,omitempty"`
}

// ImageScanStatus reports the latest scan.
type ImageScanStatus struct {
	// Conditions are ImageScanned and ImageSynced.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []GenericCondition `json:"conditions,omitempty"`
	// LastScanTime is when the image repository was last scanned.
	// +optional
	LastScanTime metav1.Time `json:"lastScanTime,omitempty"`
	// LatestImage is the latest image selected by the policy.
	// +optional
	LatestImage string `json:"latestImage,omitempty"`
	// LatestTag is the latest tag selected by the policy.
	// +optional
	LatestTag string `json:"latestTag,omitempty"`
	// LatestDigest is the digest of the latest tag.
	// +optional
	LatestDigest string `json:"latestDigest,omitempty"`
	// ObservedGeneration is the generation of the spec last scanned.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// CanonicalImageName is the image repository with all implied parts explicit, e.g.
	// "docker.io/library/alpine" for "alpine".
	// +optional
	CanonicalImageName string `json:"canonicalImageName,omitempty"`
}
