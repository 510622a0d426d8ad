// Package policy applies the namespace-scoped GitRepoRestrictions and Policies of a namespace to a
// GitRepo: it fills in their defaults (service account, client secret) and refuses what they do not
// allow (repository, service account, client secret, target namespace). ForHelmOp does the same
// for a HelmOp with the Policies' top-level fields and their helmOp part (service account, Helm
// secret, chart repository, chart).
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
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/redact"
)

// Effective is what a GitRepo may run with once defaults are applied.
type Effective struct {
	ServiceAccount   string
	ClientSecretName string
}

// Error says which rule refused the GitRepo and which objects hold it. Its message quotes the
// repository and chart URLs of the spec with their credentials masked (package redact), so it may
// be written to status and events as it is.
type Error struct {
	// Kind is GitRepoRestriction or Policy; Names are the objects of that kind in the namespace.
	Kind  string
	Names []string
	Msg   string
}

func (e *Error) Error() string {
	// Msg quotes values redacted already (checkPatterns); Text also covers the allow-lists it
	// quotes, which an admin may have written with a credential in them.
	return redact.Text(fmt.Sprintf("%s (%s %s)", e.Msg, e.Kind, strings.Join(e.Names, ", ")))
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
	set := policiesOf(ps)
	var (
		defSA, defSecret         string
		allowedSecrets, patterns []string
	)
	for _, p := range set.sorted {
		if g := p.GitRepo; g != nil {
			defSA = firstNonEmpty(defSA, g.DefaultServiceAccount)
			defSecret = firstNonEmpty(defSecret, g.DefaultClientSecretName)
			allowedSecrets = append(allowedSecrets, g.AllowedClientSecretNames...)
			patterns = append(patterns, g.AllowedRepoPatterns...)
		}
	}
	if err := checkRepo(spec.Repo, patterns); err != nil {
		return set.fail("%v", err)
	}
	var err error
	if eff.ServiceAccount, err = set.serviceAccount(eff.ServiceAccount, defSA); err != nil {
		return err
	}
	eff.ClientSecretName = firstNonEmpty(eff.ClientSecretName, defSecret)
	if !allowed(eff.ClientSecretName, allowedSecrets) {
		return set.fail("clientSecretName %q is not allowed (allowed: %s)", eff.ClientSecretName, strings.Join(allowedSecrets, ", "))
	}
	return nil
}

// policySet is what the Policies of a namespace say for every kind: sorted by name, the top-level
// requireServiceAccount (any) and allowedServiceAccounts (union).
type policySet struct {
	sorted    []*v1alpha1.Policy
	names     []string
	requireSA bool
	allowedSA []string
}

func policiesOf(ps []*v1alpha1.Policy) policySet {
	set := policySet{sorted: slices.Clone(ps)}
	sort.Slice(set.sorted, func(i, j int) bool { return set.sorted[i].Name < set.sorted[j].Name })
	for _, p := range set.sorted {
		set.names = append(set.names, p.Name)
		set.requireSA = set.requireSA || p.RequireServiceAccount
		set.allowedSA = append(set.allowedSA, p.AllowedServiceAccounts...)
	}
	return set
}

// fail is a refusal naming the Policies.
func (set policySet) fail(format string, args ...any) error {
	return &Error{Kind: "Policy", Names: set.names, Msg: fmt.Sprintf(format, args...)}
}

// serviceAccount returns sa, or def when sa is empty, if the Policies allow it.
func (set policySet) serviceAccount(sa, def string) (string, error) {
	sa = firstNonEmpty(sa, def)
	if set.requireSA && sa == "" {
		return sa, set.fail("a serviceAccount is required")
	}
	if !allowed(sa, set.allowedSA) {
		return sa, set.fail("serviceAccount %q is not allowed (allowed: %s)", sa, strings.Join(set.allowedSA, ", "))
	}
	return sa, nil
}

// checkRepo requires repo to match one of patterns in full (none: any repo).
func checkRepo(repo string, patterns []string) error {
	return checkPatterns("repo", "repo", repo, patterns)
}

// checkPatterns requires value (of the field named field) to match one of patterns in full (none:
// anything); what names the patterns in messages ("repo", "chart").
func checkPatterns(field, what, value string, patterns []string) error {
	if len(patterns) == 0 {
		return nil
	}
	for _, p := range patterns {
		if p == value {
			return nil
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return fmt.Errorf("allowed %s pattern %q is not a valid regular expression: %v", what, p, err)
		}
		if re.MatchString(value) {
			return nil
		}
	}
	// The value is a URL that may carry credentials: redacted before it is quoted, as %q escapes
	// what a later search for the raw value would not find.
	return fmt.Errorf("%s %q matches no allowed %s pattern (%s)", field, redact.URL(value), what, strings.Join(patterns, ", "))
}

// HelmOpEffective is what a HelmOp may run with once the Policies' defaults are applied.
type HelmOpEffective struct {
	ServiceAccount string
	HelmSecretName string
}

// ForHelmOp applies the Policies of a HelmOp's namespace (in any order) to spec: requireServiceAccount
// and allowedServiceAccounts, and helmOp's defaultServiceAccount, defaultHelmSecretName,
// allowedHelmSecretNames, allowedHelmRepoPatterns (matched in full against spec.helm.repo, or
// against spec.helm.chart when the chart is a URL without a repo) and allowedChartPatterns (against
// spec.helm.chart, or for an oci:// repository without a chart the last segment of the reference). No Policy: everything is allowed and nothing defaulted.
func ForHelmOp(spec *v1alpha1.HelmOpSpec, ps []*v1alpha1.Policy) (HelmOpEffective, error) {
	eff := HelmOpEffective{ServiceAccount: spec.ServiceAccount, HelmSecretName: spec.HelmSecretName}
	if len(ps) == 0 {
		return eff, nil
	}
	set := policiesOf(ps)
	var (
		defSA, defSecret              string
		allowedSecrets, repos, charts []string
	)
	for _, p := range set.sorted {
		if h := p.HelmOp; h != nil {
			defSA = firstNonEmpty(defSA, h.DefaultServiceAccount)
			defSecret = firstNonEmpty(defSecret, h.DefaultHelmSecretName)
			allowedSecrets = append(allowedSecrets, h.AllowedHelmSecretNames...)
			repos = append(repos, h.AllowedHelmRepoPatterns...)
			charts = append(charts, h.AllowedChartPatterns...)
		}
	}
	var repo, chart string
	if spec.Helm != nil {
		repo, chart = spec.Helm.Repo, spec.Helm.Chart
	}
	repoField := "helm.repo"
	if repo == "" && strings.Contains(chart, "://") {
		repo, repoField = chart, "helm.chart"
	}
	if err := checkPatterns(repoField, "Helm repo", repo, repos); err != nil {
		return eff, set.fail("%v", err)
	}
	chartField := "helm.chart"
	if chart == "" && strings.HasPrefix(repo, "oci://") {
		// An OCI HelmOp names its chart in the repository reference (spec.helm.chart is empty):
		// the chart patterns apply to its last path segment.
		chart, chartField = path.Base(strings.TrimPrefix(repo, "oci://")), "the chart of helm.repo"
	}
	if err := checkPatterns(chartField, "chart", chart, charts); err != nil {
		return eff, set.fail("%v", err)
	}
	var err error
	if eff.ServiceAccount, err = set.serviceAccount(eff.ServiceAccount, defSA); err != nil {
		return eff, err
	}
	eff.HelmSecretName = firstNonEmpty(eff.HelmSecretName, defSecret)
	if !allowed(eff.HelmSecretName, allowedSecrets) {
		return eff, set.fail("helmSecretName %q is not allowed (allowed: %s)", eff.HelmSecretName, strings.Join(allowedSecrets, ", "))
	}
	return eff, nil
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

// Refused is the error of a reconcile that a GitRepoRestriction or Policy refuses (err, from
// ForGitRepo or ForHelmOp): Stalling with reason, "not allowed: " and the refusal, whose message
// holds no credential (Error).
func Refused(reason string, err error) error {
	return controller.NewStalling(reason, fmt.Errorf("not allowed: %w", err))
}
