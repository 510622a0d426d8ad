package bundlereader

import (
	"fmt"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// buildTargets assembles spec.targets and spec.targetRestrictions as Fleet's fleet apply does:
// fleet.yaml targets, then targetCustomizations, then the GitRepo targets (replaced by
// overrideTargets when set), which are also copied into targetRestrictions. Without any target
// the default target {name: default, clusterGroup: default} is used. Unnamed targets are called
// target000, target001, … by position.
func buildTargets(fy *FleetYAML, gitTargets []v1alpha1.GitTarget, haveGitTargets bool) ([]v1alpha1.BundleTarget, []v1alpha1.BundleTargetRestriction) {
	targets := append([]v1alpha1.BundleTarget(nil), fy.Targets...)
	targets = append(targets, fy.TargetCustomizations...)
	repo := gitTargets
	restrict := haveGitTargets
	if len(fy.OverrideTargets) > 0 {
		repo = fy.OverrideTargets
		restrict = true
	}
	if restrict && len(repo) == 0 {
		repo = []v1alpha1.GitTarget{defaultGitTarget()}
	}
	var restrictions []v1alpha1.BundleTargetRestriction
	for _, t := range repo {
		targets = append(targets, v1alpha1.BundleTarget{
			Name: t.Name, ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
			ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector,
		})
		if restrict {
			restrictions = append(restrictions, v1alpha1.BundleTargetRestriction{
				Name: t.Name, ClusterName: t.ClusterName, ClusterSelector: t.ClusterSelector,
				ClusterGroup: t.ClusterGroup, ClusterGroupSelector: t.ClusterGroupSelector,
			})
		}
	}
	if len(targets) == 0 {
		d := defaultGitTarget()
		targets = []v1alpha1.BundleTarget{{Name: d.Name, ClusterGroup: d.ClusterGroup}}
	}
	for i := range targets {
		if targets[i].Name == "" {
			targets[i].Name = fmt.Sprintf("target%03d", i)
		}
	}
	for i := range restrictions {
		if restrictions[i].Name == "" {
			restrictions[i].Name = fmt.Sprintf("target%03d", len(targets)-len(restrictions)+i)
		}
	}
	return targets, restrictions
}

func defaultGitTarget() v1alpha1.GitTarget {
	return v1alpha1.GitTarget{Name: v1alpha1.DefaultTargetName, ClusterGroup: v1alpha1.DefaultClusterGroup}
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
