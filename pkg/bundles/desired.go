package bundles

import (
	"fmt"
	"sort"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
	"github.com/fleetapi/fleet/pkg/rollout"
	"github.com/fleetapi/fleet/pkg/storage/pairs"
	"github.com/fleetapi/fleet/pkg/summary"
	"github.com/fleetapi/fleet/pkg/target"
)

// Input is what targeting one Bundle reads.
type Input struct {
	Bundle *v1alpha1.Bundle
	// ManifestID is the manifest ID of the Bundle's resources (its cache may not hold them).
	ManifestID string
	// Clusters are the Clusters of the Bundle's namespace and of the namespaces
	// BundleNamespaceMappings add; Groups the ClusterGroups of those namespaces.
	Clusters []*v1alpha1.Cluster
	Groups   []v1alpha1.ClusterGroup
	// Existing are the Bundle's BundleDeployments by cluster namespace.
	Existing map[string]pairs.Deployment
	// Defaults are the server's rollout defaults.
	Defaults rollout.Defaults
}

// Output is the desired state of a Bundle's BundleDeployments.
type Output struct {
	Bundle  pairs.Bundle
	Desired []pairs.Desired
	Rollout rollout.Status
	// Targets is the number of clusters the Bundle targets; Pending those without a
	// BundleDeployment yet (maxNew, or a partition the rollout has not reached).
	Targets, Pending int
	// InProgress is true while the rollout has more to do: pairs to create, or staged deployments
	// not promoted, on clusters that are not paused.
	InProgress bool
}

// Desired matches the Bundle against every cluster (pkg/target), plans its rollout
// (pkg/rollout) and returns the BundleDeployments it should have. It fails on targets or a
// rollout the Bundle cannot have (an invalid selector), naming the field.
func Desired(in Input) (*Output, error) {
	b := in.Bundle
	cb, err := target.NewBundleWithManifestID(b, in.ManifestID)
	if err != nil {
		return nil, err
	}
	clusters := append([]*v1alpha1.Cluster(nil), in.Clusters...)
	sort.Slice(clusters, func(i, j int) bool {
		if clusters[i].Namespace != clusters[j].Namespace {
			return clusters[i].Namespace < clusters[j].Namespace
		}
		return clusters[i].Name < clusters[j].Name
	})
	var matched []*target.Target
	var plan []rollout.Target
	var refs []pairs.Cluster
	for _, c := range clusters {
		groups, err := target.GroupsForCluster(c, in.Groups)
		if err != nil {
			return nil, err
		}
		t, err := cb.Match(c, groups)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		ref := clusterRef(c)
		rt := rollout.Target{Key: c.Namespace + "/" + c.Name, DeploymentID: t.DeploymentID,
			Cluster: target.ClusterInfo{Name: c.Name, Labels: c.Labels, Groups: groups}, Paused: b.Spec.Paused || c.Spec.Paused}
		if d, ok := in.Existing[ref.ClusterNS]; ok {
			rt.Deployment = &rollout.Deployment{StagedDeploymentID: d.StagedDeploymentID, DeploymentID: d.DeploymentID,
				AppliedDeploymentID: d.AppliedDeploymentID, Ready: d.Ready}
		}
		matched, plan, refs = append(matched, t), append(plan, rt), append(refs, ref)
	}
	res, err := rollout.Plan(b.Spec.RolloutStrategy, plan, in.Defaults)
	if err != nil {
		return nil, fmt.Errorf("bundle %s/%s: %w", b.Namespace, b.Name, err)
	}
	out := &Output{Bundle: pairs.Bundle{Namespace: b.Namespace, Name: b.Name, UID: b.UID, Labels: target.CopiedLabels(b.Labels),
		DependsOn: b.Spec.DependsOn}, Rollout: res.Status, Targets: len(plan)}
	for i, dec := range res.Decisions {
		t, existing := matched[i], plan[i].Deployment
		d := pairs.Desired{Cluster: refs[i], DeploymentID: t.DeploymentID, Options: t.Options, Paused: plan[i].Paused}
		switch {
		case !dec.Stage && existing == nil:
			out.Pending++
			if len(out.Bundle.Status.PendingClusters) < summary.MaxNonReadyResources {
				out.Bundle.Status.PendingClusters = append(out.Bundle.Status.PendingClusters, plan[i].Key)
			}
			out.InProgress = out.InProgress || !plan[i].Paused && dec.Partition >= 0
			continue
		case !dec.Stage:
			d.Keep = true
			out.InProgress = out.InProgress || !plan[i].Paused && dec.Partition >= 0
		default:
			// Already on the deployment: promote again so that what its ID leaves out (diff, the
			// namespace's labels) reaches the current options, as Fleet syncs them.
			d.Promote = dec.Promote || (existing != nil && existing.DeploymentID == t.DeploymentID)
			if !d.Promote && !plan[i].Paused {
				out.InProgress = true
			}
		}
		out.Desired = append(out.Desired, d)
	}
	st := &out.Bundle.Status
	st.ObservedGeneration, st.Pending = b.Generation, out.Pending
	r := res.Status
	st.NewlyCreated, st.Unavailable, st.MaxUnavailable = r.NewlyCreated, r.Unavailable, r.MaxUnavailable
	st.UnavailablePartitions, st.MaxUnavailablePartitions, st.Partitions = r.UnavailablePartitions, r.MaxUnavailablePartitions, r.Partitions
	return out, nil
}

func clusterRef(c *v1alpha1.Cluster) pairs.Cluster {
	ns := c.Status.Namespace
	if ns == "" {
		ns = manifest.ClusterNamespace(c.Namespace, c.Name)
	}
	return pairs.Cluster{Namespace: c.Namespace, Name: c.Name, UID: c.UID, ClusterNS: ns}
}
