package target

import (
	"fmt"
	"sort"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// Target is the outcome of targeting one cluster: which bundle target selected it, which
// customizations apply and the options and deployment ID the cluster gets.
type Target struct {
	Cluster *v1alpha1.Cluster
	// TargetName is the name of the bundle target that selected the cluster.
	TargetName string
	// Customizations are the names of the targets whose options were merged into Options, in merge
	// order: FirstMatch, the first matching customization, else the selecting target; AllMatches,
	// the selecting target then every matching customization.
	Customizations []string
	// Options are the bundle options merged with the customizations, values pre-processed.
	Options v1alpha1.BundleDeploymentOptions
	// DeploymentID is manifestID:hash(Options).
	DeploymentID string
}

// Bundle is a compiled bundle, ready to be matched against many clusters.
type Bundle struct {
	bundle       *v1alpha1.Bundle
	manifestID   string
	targets      []*Matcher
	restrictions []*Matcher
	// customizations is the number of leading spec.targets entries that are customizations.
	customizations int
}

// NewBundle compiles the bundle's targets and computes its manifest ID.
func NewBundle(b *v1alpha1.Bundle) (*Bundle, error) {
	id, err := manifest.ID(b.Spec.Resources)
	if err != nil {
		return nil, err
	}
	return NewBundleWithManifestID(b, id)
}

// NewBundleWithManifestID compiles the bundle's targets with a manifest ID computed before (the
// Bundle may come without its resources, as a lean cache keeps it).
func NewBundleWithManifestID(b *v1alpha1.Bundle, id string) (*Bundle, error) {
	cb := &Bundle{bundle: b, manifestID: id}
	for i := range b.Spec.Targets {
		m, err := NewMatcher(targetCriteria(&b.Spec.Targets[i]))
		if err != nil {
			return nil, fmt.Errorf("bundle %s: targets[%d]: %w", b.Name, i, err)
		}
		cb.targets = append(cb.targets, m)
	}
	for i := range b.Spec.TargetRestrictions {
		m, err := NewMatcher(restrictionCriteria(&b.Spec.TargetRestrictions[i]))
		if err != nil {
			return nil, fmt.Errorf("bundle %s: targetRestrictions[%d]: %w", b.Name, i, err)
		}
		cb.restrictions = append(cb.restrictions, m)
	}
	// Position-based, as Fleet's determineIsCustomization: the GitRepo targets come last and are
	// also the restrictions. A Bundle without restrictions (fleet apply without a targets file,
	// HelmOps) has no customizations: every entry is a target.
	if len(b.Spec.TargetRestrictions) > 0 {
		cb.customizations = max(len(b.Spec.Targets)-len(b.Spec.TargetRestrictions), 0)
	}
	return cb, nil
}

// ManifestID is the manifest ID of the bundle's resources.
func (b *Bundle) ManifestID() string { return b.manifestID }

// Bundle returns the bundle this was compiled from.
func (b *Bundle) Bundle() *v1alpha1.Bundle { return b.bundle }

func (b *Bundle) allowed(c ClusterInfo) bool {
	if len(b.restrictions) == 0 {
		return true
	}
	for _, r := range b.restrictions {
		if r.Match(c) {
			return true
		}
	}
	return false
}

// Match returns the target for one cluster, or nil when the bundle does not deploy to it, as
// Fleet's target builder: the first target (customizations excluded) that matches the cluster and
// that a restriction allows selects it, unless it says doNotDeploy. Its options are then
// customized: FirstMatch replaces them by those of the first matching customization; AllMatches
// merges every matching customization onto them, in order. A matching customization with
// doNotDeploy skips the cluster. The result is merged onto the Bundle's options.
func (b *Bundle) Match(cluster *v1alpha1.Cluster, groups []Group) (*Target, error) {
	ci := ClusterInfo{Name: cluster.Name, Labels: cluster.Labels, Groups: groups}
	matched := -1
	for i := b.customizations; i < len(b.targets); i++ {
		if b.targets[i].Match(ci) && b.allowed(ci) {
			matched = i
			break
		}
	}
	spec := &b.bundle.Spec
	if matched < 0 || spec.Targets[matched].DoNotDeploy {
		return nil, nil
	}
	t := &Target{Cluster: cluster, TargetName: spec.Targets[matched].Name}
	custom := spec.Targets[matched].BundleDeploymentOptions.DeepCopy()
	names := []string{spec.Targets[matched].Name}
	for i := 0; i < b.customizations; i++ {
		if !b.targets[i].Match(ci) {
			continue
		}
		c := &spec.Targets[i]
		if c.DoNotDeploy {
			return nil, nil
		}
		if spec.TargetCustomizationMode != v1alpha1.TargetCustomizationAllMatches {
			custom, names = c.BundleDeploymentOptions.DeepCopy(), []string{c.Name}
			break
		}
		merged := Merge(custom, &c.BundleDeploymentOptions)
		custom, names = &merged, append(names, c.Name)
	}
	t.Customizations = names
	return b.finish(t, custom)
}

// ForTarget returns what the bundle's target of that name gives the cluster, whether or not it
// matches (Fleet's `fleet test -t`): its options merged onto the Bundle's, values pre-processed
// for the cluster. It is nil when the bundle has no such target.
func (b *Bundle) ForTarget(name string, cluster *v1alpha1.Cluster) (*Target, error) {
	for i := range b.bundle.Spec.Targets {
		if tg := &b.bundle.Spec.Targets[i]; tg.Name == name {
			t := &Target{Cluster: cluster, TargetName: name, Customizations: []string{name}}
			return b.finish(t, tg.BundleDeploymentOptions.DeepCopy())
		}
	}
	return nil, nil
}

// finish merges custom onto the Bundle's options, pre-processes the values for t's cluster and
// computes the deployment ID.
func (b *Bundle) finish(t *Target, custom *v1alpha1.BundleDeploymentOptions) (*Target, error) {
	cluster := t.Cluster
	merged := Merge(&b.bundle.Spec.BundleDeploymentOptions, custom)
	opts := &merged
	if opts.Helm != nil {
		values, err := ProcessValues(opts.Helm, NewTemplateContext(cluster))
		if err != nil {
			return nil, fmt.Errorf("bundle %s/%s, cluster %s/%s: %w", b.bundle.Namespace, b.bundle.Name, cluster.Namespace, cluster.Name, err)
		}
		opts.Helm.TemplateValues = nil
		if values != nil {
			opts.Helm.Values = &v1alpha1.GenericMap{Data: values}
		}
	}
	t.Options = *opts
	id, err := manifest.DeploymentID(b.manifestID, opts)
	if err != nil {
		return nil, err
	}
	t.DeploymentID = id
	return t, nil
}

// Targets matches every cluster against the bundle and returns the targets, sorted by cluster
// namespace and name. groups are all ClusterGroups the clusters may belong to.
func Targets(b *v1alpha1.Bundle, clusters []v1alpha1.Cluster, groups []v1alpha1.ClusterGroup) ([]Target, error) {
	cb, err := NewBundle(b)
	if err != nil {
		return nil, err
	}
	sorted := make([]*v1alpha1.Cluster, 0, len(clusters))
	for i := range clusters {
		sorted = append(sorted, &clusters[i])
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Namespace != sorted[j].Namespace {
			return sorted[i].Namespace < sorted[j].Namespace
		}
		return sorted[i].Name < sorted[j].Name
	})
	var out []Target
	for _, c := range sorted {
		gs, err := GroupsForCluster(c, groups)
		if err != nil {
			return nil, err
		}
		t, err := cb.Match(c, gs)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out = append(out, *t)
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
