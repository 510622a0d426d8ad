package helmops

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/policy"
)

// restrict applies the Policies of the HelmOp's namespace (policy.ForHelmOp) before anything is
// read: a refused HelmOp is Accepted=False and Stalled with reason Restricted, its repository is not
// contacted and its Secret not read. The defaults they give (service account, Helm secret) are
// written into this reconcile's copy of the spec, so the later steps and the Bundle use them; the
// stored spec is not changed. A Bundle of an earlier, allowed spec stays until the HelmOp is changed
// or deleted, as for GitRepos.
func (r *Reconciler) restrict(_ context.Context, s *opState) (controller.Result, error) {
	if r.policies == nil {
		return controller.Result{}, nil
	}
	ps, err := r.policies.Policies(s.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	eff, err := policy.ForHelmOp(&s.Spec, ps)
	if err != nil {
		return controller.Result{}, policy.Refused(ReasonRestricted, err)
	}
	s.Spec.ServiceAccount, s.Spec.HelmSecretName = eff.ServiceAccount, eff.HelmSecretName
	return controller.Result{}, nil
}
