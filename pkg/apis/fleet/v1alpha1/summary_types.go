package v1alpha1

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// BundleSummary counts BundleDeployments per state and lists up to 10 non-ready ones. It is used in
// the status of Bundle, GitRepo, HelmOp, Cluster and ClusterGroup.
type BundleSummary struct {
	// NotReady is the number of deployed BundleDeployments with non-ready resources.
	// +optional
	NotReady int `json:"notReady,omitempty"`
	// WaitApplied is the number of BundleDeployments waiting for the agent to apply them.
	// +optional
	WaitApplied int `json:"waitApplied,omitempty"`
	// ErrApplied is the number of BundleDeployments the agent failed to apply.
	// +optional
	ErrApplied int `json:"errApplied,omitempty"`
	// OutOfSync is the number of BundleDeployments with a staged but not yet promoted deployment.
	// +optional
	OutOfSync int `json:"outOfSync,omitempty"`
	// Modified is the number of ready BundleDeployments whose resources drifted from the desired
	// state.
	// +optional
	Modified int `json:"modified,omitempty"`
	// Ready is the number of BundleDeployments whose resources are all ready. Always serialized.
	// +optional
	Ready int `json:"ready"`
	// Pending is the number of targets without a BundleDeployment yet.
	// +optional
	Pending int `json:"pending,omitempty"`
	// DesiredReady is the number of BundleDeployments that should be ready. Always serialized.
	// +optional
	DesiredReady int `json:"desiredReady"`
	// NonReadyResources lists up to 10 non-ready BundleDeployments, named
	// "<cluster namespace>/<cluster name>" in a Bundle and by BundleDeployment name elsewhere.
	// +optional
	// +listType=atomic
	NonReadyResources []NonReadyResource `json:"nonReadyResources,omitempty"`
}

// NonReadyResource describes a BundleDeployment that is not ready.
type NonReadyResource struct {
	// Name identifies the BundleDeployment (see BundleSummary.NonReadyResources).
	// +optional
	Name string `json:"name,omitempty"`
	// State is the bundle state, e.g. "NotReady" or "ErrApplied".
	// +optional
	State BundleState `json:"bundleState,omitempty"`
	// Message explains why the BundleDeployment is not ready.
	// +optional
	Message string `json:"message,omitempty"`
	// ModifiedStatus lists the modified resources of the BundleDeployment.
	// +optional
	// +listType=atomic
	ModifiedStatus []ModifiedStatus `json:"modifiedStatus,omitempty"`
	// NonReadyStatus lists the non-ready resources of the BundleDeployment.
	// +optional
	// +listType=atomic
	NonReadyStatus []NonReadyStatus `json:"nonReadyStatus,omitempty"`
}

// NonReadyStatus reports a deployed resource that is not ready.
type NonReadyStatus struct {
	// UID of the resource in the downstream cluster.
	// +optional
	UID types.UID `json:"uid,omitempty"`
	// Kind of the resource.
	// +optional
	Kind string `json:"kind,omitempty"`
	// APIVersion of the resource.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Namespace of the resource.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the resource.
	// +optional
	Name string `json:"name,omitempty"`
	// Summary is the readiness summary of the resource.
	// +optional
	Summary ResourceSummary `json:"summary,omitempty"`
}

// String renders the resource as Fleet does, e.g. "deployment.apps default/web [progressing] msg".
func (in NonReadyStatus) String() string {
	return resourceName(in.APIVersion, in.Kind, in.Namespace, in.Name) + " " + in.Summary.String()
}

// ModifiedStatus reports a deployed resource that differs from its desired state.
type ModifiedStatus struct {
	// Kind of the resource.
	// +optional
	Kind string `json:"kind,omitempty"`
	// APIVersion of the resource.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Namespace of the resource.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the resource.
	// +optional
	Name string `json:"name,omitempty"`
	// Create is true if the resource is missing and must be created (JSON "missing").
	// +optional
	Create bool `json:"missing,omitempty"`
	// Exist is true if the resource exists but is not owned by this bundle, e.g. after another bundle
	// adopted it.
	// +optional
	Exist bool `json:"exist,omitempty"`
	// Delete is true if the resource is extra and must be deleted.
	// +optional
	Delete bool `json:"delete,omitempty"`
	// Patch is the JSON patch that would restore the desired state.
	// +optional
	Patch string `json:"patch,omitempty"`
}

// String renders the modification as Fleet does, e.g. "configmap.v1 default/cm missing".
func (in ModifiedStatus) String() string {
	msg := resourceName(in.APIVersion, in.Kind, in.Namespace, in.Name)
	switch {
	case in.Create:
		return msg + " missing"
	case in.Delete:
		return msg + " extra"
	case in.Exist:
		return msg + " is not owned by us"
	default:
		return msg + " modified " + in.Patch
	}
}

// ResourceSummary is the readiness summary of one deployed resource (wrangler's summary.Summary).
type ResourceSummary struct {
	// State is the summarized state, e.g. "in-progress" or "error".
	// +optional
	State string `json:"state,omitempty"`
	// Error is true if the resource is in an error state.
	// +optional
	Error bool `json:"error,omitempty"`
	// Transitioning is true if the resource is progressing towards readiness.
	// +optional
	Transitioning bool `json:"transitioning,omitempty"`
	// Message lists the messages of the resource's conditions.
	// +optional
	// +listType=atomic
	Message []string `json:"message,omitempty"`
}

// String renders the summary as wrangler does: the state alone when neither transitioning nor in
// error, otherwise "[progressing,error] <messages joined by ', '>".
func (in ResourceSummary) String() string {
	if !in.Transitioning && !in.Error {
		return in.State
	}
	var msg string
	if in.Transitioning {
		msg = "[progressing"
	}
	switch {
	case in.Error && msg != "":
		msg += ",error]"
	case in.Error:
		msg = "error]"
	default:
		msg += "]"
	}
	if len(in.Message) > 0 {
		msg += " " + strings.Join(in.Message, ", ")
	}
	return msg
}

// resourceName renders "<kind>.<group or version> <namespace>/<name>" with a lower-cased kind, the
// way Fleet names resources in status messages.
func resourceName(apiVersion, kind, namespace, name string) string {
	kind = strings.ToLower(kind)
	if apiVersion == "" {
		if namespace == "" {
			return fmt.Sprintf("%s %s", kind, name)
		}
		return fmt.Sprintf("%s %s/%s", kind, namespace, name)
	}
	group := strings.SplitN(apiVersion, "/", 2)[0]
	if namespace == "" {
		return fmt.Sprintf("%s.%s %s", kind, group, name)
	}
	return fmt.Sprintf("%s.%s %s/%s", kind, group, namespace, name)
}
