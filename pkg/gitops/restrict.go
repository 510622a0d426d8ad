package gitops

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/policy"
)

// ReasonRestricted: a GitRepoRestriction or Policy of the namespace does not allow the GitRepo
// (Accepted=False, Stalled). Nothing is cloned and no Bundle is written; Bundles of an earlier,
// allowed spec stay until the GitRepo is changed or deleted.
const ReasonRestricted = "Restricted"

// restrict applies the namespace's GitRepoRestrictions and Policies (package policy). The defaults
// they give (service account, client secret) are written into this reconcile's copy of the spec, so
// later steps use them; the stored spec is not changed.
func (r *Reconciler) restrict(_ context.Context, s *syncState) (controller.Result, error) {
	rs, err := r.restrictions.GitRepoRestrictions(s.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	ps, err := r.policies.Policies(s.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	eff, err := policy.ForGitRepo(&s.Spec, rs, ps)
	if err != nil {
		return controller.Result{}, policy.Refused(ReasonRestricted, err)
	}
	s.defaulted = eff.ServiceAccount != s.Spec.ServiceAccount || eff.ClientSecretName != s.Spec.ClientSecretName
	s.Spec.ServiceAccount, s.Spec.ClientSecretName = eff.ServiceAccount, eff.ClientSecretName
	return controller.Result{}, nil
}

// effective identifies what restrict made of the spec that reaches the Bundles.
func effective(s *syncState) string { return s.Spec.ServiceAccount + "\x00" + s.Spec.ClientSecretName }

// effectiveChanged reports whether a GitRepoRestriction or Policy changed what the GitRepo's Bundles
// get (a default service account) since its last sync, so its commit is synced again although
// neither the commit nor the spec moved. After a restart the server does not know what it applied
// before: a GitRepo that takes a default is synced once again (unchanged Bundles are not written);
// a default that was removed while the server was down reaches the Bundles at the next commit.
func (r *Reconciler) effectiveChanged(key types.NamespacedName, s *syncState) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev, ok := r.applied[key]
	if !ok {
		return s.defaulted
	}
	return prev != effective(s)
}

// recordApplied remembers what the last successful sync applied ("" forgets it).
func (r *Reconciler) recordApplied(key types.NamespacedName, s *syncState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.applied == nil {
		r.applied = map[types.NamespacedName]string{}
	}
	if s == nil {
		delete(r.applied, key)
		return
	}
	r.applied[key] = effective(s)
}

// notAccepted reports whether a reason means the GitRepo is refused (Accepted=False) rather than failing.
func notAccepted(reason string) bool {
	return reason == ReasonCredentialsUnavailable || reason == ReasonRestricted
}
