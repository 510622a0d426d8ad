package bundlereader

import (
	"fmt"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// TargetsFile is what Fleet's `fleet apply --targets-file` reads and its GitRepo controller
// writes: the GitRepo's targets as bundle targets, and the same again as restrictions (a
// BundleSpec of which only these two fields are used).
type TargetsFile struct {
	Targets            []v1alpha1.BundleTarget            `json:"targets,omitempty"`
	TargetRestrictions []v1alpha1.BundleTargetRestriction `json:"targetRestrictions,omitempty"`
}

// GitRepoTargets is the targets file of a GitRepo with these targets, as Fleet's GitRepo
// controller builds it: each target once as a bundle target (its cluster criteria only) and once
// as a restriction, names as given; no target at all means {name: default, clusterGroup: default}.
func GitRepoTargets(targets []v1alpha1.GitTarget) *TargetsFile {
	if len(targets) == 0 {
		targets = []v1alpha1.GitTarget{{Name: v1alpha1.DefaultTargetName, ClusterGroup: v1alpha1.DefaultClusterGroup}}
	}
	f := &TargetsFile{}
	for _, t := range targets {
		f.Targets = append(f.Targets, bundleTarget(t))
		f.TargetRestrictions = append(f.TargetRestrictions, restriction(t))
	}
	return f
}

// ownTargets are the targets of fleet.yaml itself, as Fleet's bundle reader takes them before it
// reads the resources: `targets`, then `targetCustomizations`, unnamed ones called target000,
// target001, … by position. Their helm options get the root chart properties and their charts
// are fetched; those of the targets appended later (appendRepoTargets) are not, as in Fleet.
func ownTargets(fy *FleetYAML) []v1alpha1.BundleTarget {
	targets := append(append([]v1alpha1.BundleTarget(nil), fy.Targets...), fy.TargetCustomizations...)
	for i := range targets {
		if targets[i].Name == "" {
			targets[i].Name = fmt.Sprintf("target%03d", i)
		}
	}
	return targets
}

// appendRepoTargets appends to the bundle's targets and restrictions (fleet.yaml's
// `targetRestrictions`, if any) the GitRepo's: overrideTargets (as targets and restrictions) when
// fleet.yaml has the key, else the targets and restrictions of the targets file, keeping the
// names they were given, empty included. With no target at all the default target
// {name: default, clusterGroup: default} is used.
func appendRepoTargets(spec *v1alpha1.BundleSpec, fy *FleetYAML, file *TargetsFile) {
	switch {
	case fy.OverrideTargets != nil:
		for _, t := range fy.OverrideTargets {
			spec.Targets = append(spec.Targets, bundleTarget(t))
			spec.TargetRestrictions = append(spec.TargetRestrictions, restriction(t))
		}
	case file != nil:
		for i := range file.Targets {
			spec.Targets = append(spec.Targets, *file.Targets[i].DeepCopy())
		}
		for i := range file.TargetRestrictions {
			spec.TargetRestrictions = append(spec.TargetRestrictions, *file.TargetRestrictions[i].DeepCopy())
		}
	}
	if len(spec.Targets) == 0 {
		spec.Targets = []v1alpha1.BundleTarget{{Name: v1alpha1.DefaultTargetName, ClusterGroup: v1alpha1.DefaultClusterGroup}}
	}
}

func bundleTarget(t v1alpha1.GitTarget) v1alpha1.BundleTarget {
	t = *t.DeepCopy()
	return v1alpha1.BundleTarget{Name: t.Name, ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
		ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector}
}

func restriction(t v1alpha1.GitTarget) v1alpha1.BundleTargetRestriction {
	t = *t.DeepCopy()
	return v1alpha1.BundleTargetRestriction{Name: t.Name, ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
		ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector}
}

// propagateHelmChartProperties copies the root helm chart, repo and version into customizations
// that set helm options but leave those fields empty, as Fleet does.
func propagateHelmChartProperties(spec *v1alpha1.BundleSpec) {
	if spec.Helm == nil {
		return
	}
	for i := range spec.Targets {
		h := spec.Targets[i].Helm
		if h == nil {
			continue
		}
		if h.Chart == "" {
			h.Chart = spec.Helm.Chart
		}
		if h.Repo == "" {
			h.Repo = spec.Helm.Repo
		}
		if h.Version == "" {
			h.Version = spec.Helm.Version
		}
	}
}
