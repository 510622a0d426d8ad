// Package policy applies the namespace-scoped GitRepoRestrictions and Policies of a namespace to a
// GitRepo: it fills in their defaults (service account, client secret) and refuses what they do not
// allow (repository, service account, client secret, target namespace).
//
// Aggregation, as Fleet does: the objects of a namespace are taken sorted by name; a default is the
// first non-empty one; allow-lists are the union of all lists (an empty union allows everything);
// requireServiceAccount holds if any Policy sets it. GitRepoRestrictions apply first, then Policies;
// a GitRepo must pass both.
//
// Where this is stricter than Fleet: a repository pattern must match the whole URL (it is anchored
// as ^(?:pattern)$), so `https://github.com/acme/.*` cannot be satisfied by
// `https://evil.example/https://github.com/acme/x`; an invalid pattern refuses rather than being
// skipped. Not done here: allowNamespaceCreation and allowPodSecurityNamespaceLabels (they act on
// what an agent does downstream) and allowedTargetNamespaceSelector, which the agent checks against
// the labels of downstream namespaces.
package policy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// Effective is what a GitRepo may run with once defaults are applied.
type Effective struct {
	ServiceAccount   string
	ClientSecretName string
}

// Error says which rule refused the GitRepo and which objects hold it.
type Error struct {
	// Kind is GitRepoRestriction or Policy; Names are the objects of that kind in the namespace.
	Kind  string
	Names []string
	Msg   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%s %s)", e.Msg, e.Kind, strings.Join(e.Names, ", "))
}

// ForGitRepo applies restrictions and policies (all of the GitRepo's namespace, in any order) to spec.
func ForGitRepo(spec *v1alpha1.GitRepoSpec, restrictions []*v1alpha1.GitRepoRestriction, policies []*v1alpha1.Policy) (Effective, error) {
	eff := Effective{ServiceAccount: spec.ServiceAccount, ClientSecretName: spec.ClientSecretName}
	if len(restrictions) > 0 {
		if err := applyRestrictions(&eff, spec, restrictions); err != nil {
			return eff, err
		}
	}
	if len(policies) > 0 {
		if err := applyPolicies(&eff, spec, policies); err != nil {
			return eff, err
		}
	}
	return eff, nil
}

func applyRestrictions(eff *Effective, spec *v1alpha1.GitRepoSpec, rs []*v1alpha1.GitRepoRestriction) error {
	rs = slices.Clone(rs)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	var (
		names                                           []string
		defSA, defSecret                                string
		allowedSA, allowedSecrets, patterns, namespaces []string
		haveNamespaceSelector                           bool
	)
	for _, r := range rs {
		names = append(names, r.Name)
		defSA = firstNonEmpty(defSA, r.DefaultServiceAccount)
		defSecret = firstNonEmpty(defSecret, r.DefaultClientSecretName)
		allowedSA = append(allowedSA, r.AllowedServiceAccounts...)
		allowedSecrets = append(allowedSecrets, r.AllowedClientSecretNames...)
		patterns = append(patterns, r.AllowedRepoPatterns...)
		namespaces = append(namespaces, r.AllowedTargetNamespaces...)
		haveNamespaceSelector = haveNamespaceSelector || r.AllowedTargetNamespaceSelector != nil
	}
	fail := func(format string, args ...any) error {
		return &Error{Kind: "GitRepoRestriction", Names: names, Msg: fmt.Sprintf(format, args...)}
	}
	if err := checkRepo(spec.Repo, patterns); err != nil {
		return fail("%v", err)
	}
	eff.ServiceAccount = firstNonEmpty(eff.ServiceAccount, defSA)
	if !allowed(eff.ServiceAccount, allowedSA) {
		return fail("serviceAccount %q is not allowed (allowed: %s)", eff.ServiceAccount, strings.Join(allowedSA, ", "))
	}
	eff.ClientSecretName = firstNonEmpty(eff.ClientSecretName, defSecret)
	if !allowed(eff.ClientSecretName, allowedSecrets) {
		return fail("clientSecretName %q is not allowed (allowed: %s)", eff.ClientSecretName, strings.Join(allowedSecrets, ", "))
	}
	if len(namespaces) > 0 || haveNamespaceSelector {
		switch {
		case spec.TargetNamespace == "":
			return fail("targetNamespace must be set: target namespaces are restricted")
		case !haveNamespaceSelector && !slices.Contains(namespaces, spec.TargetNamespace):
			return fail("targetNamespace %q is not allowed (allowed: %s)", spec.TargetNamespace, strings.Join(namespaces, ", "))
		}
	}
	return nil
}

func applyPolicies(eff *Effective, spec *v1alpha1.GitRepoSpec, ps []*v1alpha1.Policy) error {
	ps = slices.Clone(ps)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	var (
		names                               []string
		requireSA                           bool
		defSA, defSecret                    string
		allowedSA, allowedSecrets, patterns []string
	)
	for _, p := range ps {
		names = append(names, p.Name)
		requireSA = requireSA || p.RequireServiceAccount
		allowedSA = append(allowedSA, p.AllowedServiceAccounts...)
		if g := p.GitRepo; g != nil {
			defSA = firstNonEmpty(defSA, g.DefaultServiceAccount)
			defSecret = firstNonEmpty(defSecret, g.DefaultClientSecretName)
			allowedSecrets = append(allowedSecrets, g.AllowedClientSecretNames...)
			patterns = append(patterns, g.AllowedRepoPatterns...)
		}
	}
	fail := func(format string, args ...any) error {
		return &Error{Kind: "Policy", Names: names, Msg: fmt.Sprintf(format, args...)}
	}
	if err := checkRepo(spec.Repo, patterns); err != nil {
		return fail("%v", err)
	}
	eff.ServiceAccount = firstNonEmpty(eff.ServiceAccount, defSA)
	if requireSA && eff.ServiceAccount == "" {
		return fail("a serviceAccount is required")
	}
	if !allowed(eff.ServiceAccount, allowedSA) {
		return fail("serviceAccount %q is not allowed (allowed: %s)", eff.ServiceAccount, strings.Join(allowedSA, ", "))
	}
	eff.ClientSecretName = firstNonEmpty(eff.ClientSecretName, defSecret)
	if !allowed(eff.ClientSecretName, allowedSecrets) {
		return fail("clientSecretName %q is not allowed (allowed: %s)", eff.ClientSecretName, strings.Join(allowedSecrets, ", "))
	}
	return nil
}

// checkRepo requires repo to match one of patterns in full (none: any repo).
func checkRepo(repo string, patterns []string) error {
	if len(patterns) == 0 {
		return nil
	}
	for _, p := range patterns {
		if p == repo {
			return nil
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return fmt.Errorf("allowed repo pattern %q is not a valid regular expression: %v", p, err)
		}
		if re.MatchString(repo) {
			return nil
		}
	}
	return fmt.Errorf("repo %q matches no allowed repo pattern (%s)", repo, strings.Join(patterns, ", "))
}

// allowed reports whether v may be used: an empty value (nothing used) and an empty list always are.
func allowed(v string, list []string) bool {
	return v == "" || len(list) == 0 || slices.Contains(list, v)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
