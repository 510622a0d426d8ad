package gitops

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

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
		// The message quotes the repo, which may carry credentials.
		msg := strings.ReplaceAll(err.Error(), s.Spec.Repo, RedactURL(s.Spec.Repo))
		return controller.Result{}, controller.NewStalling(ReasonRestricted, fmt.Errorf("not allowed: %s", msg))
	}
	s.Spec.ServiceAccount, s.Spec.ClientSecretName = eff.ServiceAccount, eff.ClientSecretName
	return controller.Result{}, nil
}

// gitReposOf maps a GitRepoRestriction or Policy to the GitRepos of its namespace, which it gates.
func (r *Reconciler) gitReposOf(obj metav1.Object) []types.NamespacedName {
	grs, err := r.lister.GitRepos(obj.GetNamespace()).List(labels.Everything())
	if err != nil {
		klog.ErrorS(err, "Listing GitRepos", "namespace", obj.GetNamespace())
		return nil
	}
	keys := make([]types.NamespacedName, 0, len(grs))
	for _, gr := range grs {
		keys = append(keys, types.NamespacedName{Namespace: gr.Namespace, Name: gr.Name})
	}
	return keys
}

// notAccepted reports whether a reason means the GitRepo is refused (Accepted=False) rather than failing.
func notAccepted(reason string) bool {
	return reason == ReasonCredentialsUnavailable || reason == ReasonRestricted
}
