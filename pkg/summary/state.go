package summary

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Deployment is what a deployment's state is computed from.
type Deployment struct {
	StagedDeploymentID  string
	DeploymentID        string
	AppliedDeploymentID string
	Ready               bool
	NonModified         bool
	Conditions          []v1alpha1.GenericCondition
}

// FromBundleDeployment takes the fields State needs from a BundleDeployment.
func FromBundleDeployment(bd *v1alpha1.BundleDeployment) Deployment {
	return Deployment{StagedDeploymentID: bd.Spec.StagedDeploymentID, DeploymentID: bd.Spec.DeploymentID,
		AppliedDeploymentID: bd.Status.AppliedDeploymentID, Ready: bd.Status.Ready, NonModified: bd.Status.NonModified,
		Conditions: bd.Status.Conditions}
}

// State is Fleet's GetDeploymentState: not applied yet (ErrApplied when the Deployed condition is
// False, else WaitApplied), not ready, a newer staged deployment (OutOfSync), modified, or Ready.
func State(d Deployment) v1alpha1.BundleState {
	switch {
	case d.AppliedDeploymentID != d.DeploymentID:
		if c := condition(d.Conditions, v1alpha1.ConditionDeployed); c != nil && c.Status == corev1.ConditionFalse {
			return v1alpha1.ErrApplied
		}
		return v1alpha1.WaitApplied
	case !d.Ready:
		return v1alpha1.NotReady
	case d.DeploymentID != d.StagedDeploymentID:
		return v1alpha1.OutOfSync
	case !d.NonModified:
		return v1alpha1.Modified
	}
	return v1alpha1.Ready
}

// Display is a BundleDeployment's status.display, as Fleet's BundleDeployment controller computes
// it: "True"/"False" (or "Error: <message>" for a condition with reason Error) of the Deployed and
// Monitored conditions, and the state.
func Display(d Deployment) v1alpha1.BundleDeploymentDisplay {
	return v1alpha1.BundleDeploymentDisplay{
		Deployed:  conditionDisplay(condition(d.Conditions, v1alpha1.ConditionDeployed)),
		Monitored: conditionDisplay(condition(d.Conditions, v1alpha1.ConditionMonitored)),
		State:     string(State(d)),
	}
}

func conditionDisplay(c *v1alpha1.GenericCondition) string {
	switch {
	case c == nil:
		return ""
	case c.Reason == v1alpha1.ReasonError:
		return "Error: " + c.Message
	}
	return string(c.Status)
}

// Message is the message a deployment contributes to summaries: its Deployed condition's, else
// Installed's, else Monitored's (Fleet's MessageFromDeployment).
func Message(conds []v1alpha1.GenericCondition) string {
	for _, t := range []string{v1alpha1.ConditionDeployed, v1alpha1.ConditionInstalled, v1alpha1.ConditionMonitored} {
		if c := condition(conds, t); c != nil && c.Message != "" {
			return c.Message
		}
	}
	return ""
}

func condition(conds []v1alpha1.GenericCondition, t string) *v1alpha1.GenericCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}
