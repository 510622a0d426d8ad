package rollout

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/target"
)

// Target is one cluster the Bundle targets.
type Target struct {
	// Key orders targets for automatic partitions (cluster namespace/name) and must be unique.
	Key string
	// Cluster is what manual partitions are matched against.
	Cluster target.ClusterInfo
	// DeploymentID is the deployment ID targeting computed for the cluster.
	DeploymentID string
	// Paused is true when the Bundle or the Cluster is paused: staged, never promoted.
	Paused bool
	// Deployment is the cluster's BundleDeployment, nil when it has none yet.
	Deployment *Deployment
}

// Deployment is the part of a BundleDeployment the rollout reads.
type Deployment struct {
	StagedDeploymentID  string
	DeploymentID        string
	AppliedDeploymentID string
	Ready               bool
}

// unavailable is Fleet's isUnavailable: not on its current deployment, or not ready.
func (d *Deployment) unavailable() bool {
	return d != nil && (d.AppliedDeploymentID != d.DeploymentID || !d.Ready)
}

// Defaults are the values used where the Bundle's rollout strategy sets none and Fleet hard-codes.
type Defaults struct {
	// MaxNew caps the BundleDeployments created per plan; 0 means DefaultMaxNew.
	MaxNew int
}

// Decision is what to do with one target.
type Decision struct {
	// Partition is the index of the target's partition, -1 when it is in none (not rolled out).
	Partition int
	// Create: the target gets a new BundleDeployment.
	Create bool
	// Stage: the BundleDeployment's staged deployment ID becomes the target's.
	Stage bool
	// Promote: the BundleDeployment's deployment ID becomes its (new) staged one.
	Promote bool
}

// Result is the plan of one Bundle.
type Result struct {
	// Decisions are aligned with the targets given to Plan.
	Decisions []Decision
	// Status holds the rollout fields of the Bundle status (partitions without their summaries).
	Status Status
}

// Status is the rollout part of a BundleStatus.
type Status struct {
	NewlyCreated             int
	Unavailable              int
	MaxUnavailable           int
	UnavailablePartitions    int
	MaxUnavailablePartitions int
	Partitions               []v1alpha1.PartitionStatus
}

type partition struct {
	status  v1alpha1.PartitionStatus
	targets []int
}

// Plan computes the rollout of one Bundle over its targets. It fails on an invalid limit or
// partition selector, naming the field.
func Plan(strategy *v1alpha1.RolloutStrategy, targets []Target, d Defaults) (*Result, error) {
	if strategy == nil {
		strategy = &v1alpha1.RolloutStrategy{}
	}
	maxNew := d.MaxNew
	if maxNew <= 0 {
		maxNew = DefaultMaxNew
	}
	if strategy.MaxNew != nil {
		maxNew = *strategy.MaxNew
	}
	parts, err := partitions(strategy, targets)
	if err != nil {
		return nil, err
	}
	res := &Result{Decisions: make([]Decision, len(targets))}
	for i := range res.Decisions {
		res.Decisions[i].Partition = -1
	}
	st := &res.Status
	if st.MaxUnavailable, err = Limit(len(targets), strategy.MaxUnavailable); err != nil {
		return nil, fmt.Errorf("rolloutStrategy.maxUnavailable: %w", err)
	}
	if st.MaxUnavailablePartitions, err = Limit(len(parts), strategy.MaxUnavailablePartitions, &defaultMaxUnavailablePartitions); err != nil {
		return nil, fmt.Errorf("rolloutStrategy.maxUnavailablePartitions: %w", err)
	}
	for i := range targets {
		if targets[i].Deployment.unavailable() {
			st.Unavailable++
		}
	}
	// Each target's deployment as the plan leaves it.
	deps := make([]*Deployment, len(targets))
	for i := range targets {
		if targets[i].Deployment != nil {
			c := *targets[i].Deployment
			deps[i] = &c
		}
	}
	for p := range parts {
		part := &parts[p]
		for _, i := range part.targets {
			dec := &res.Decisions[i]
			dec.Partition = p
			if deps[i] == nil && st.NewlyCreated < maxNew {
				st.NewlyCreated++
				deps[i] = &Deployment{}
				dec.Create = true
			}
			if deps[i] != nil {
				deps[i].StagedDeploymentID = targets[i].DeploymentID
				dec.Stage = true
			}
		}
		for _, i := range part.targets {
			if promote(targets[i].Paused, deps[i], st, &part.status) {
				res.Decisions[i].Promote = true
			}
		}
		part.status.Unavailable = 0
		for _, i := range part.targets {
			if !upToDate(targets[i].DeploymentID, deps[i]) || deps[i].unavailable() {
				part.status.Unavailable++
			}
		}
		if part.status.Unavailable > part.status.MaxUnavailable {
			st.UnavailablePartitions++
		}
		if st.UnavailablePartitions > st.MaxUnavailablePartitions {
			break
		}
	}
	for _, part := range parts {
		st.Partitions = append(st.Partitions, part.status)
	}
	return res, nil
}

// promote is Fleet's updateDeploymentFromStaged: it moves dep to its staged deployment when
// allowed and keeps the unavailable counts.
func promote(paused bool, dep *Deployment, st *Status, ps *v1alpha1.PartitionStatus) bool {
	if dep == nil || paused || dep.StagedDeploymentID == "" || dep.DeploymentID == dep.StagedDeploymentID {
		return false
	}
	wasUnavailable := dep.unavailable()
	if !(st.Unavailable < st.MaxUnavailable || wasUnavailable) || !(ps.Unavailable < ps.MaxUnavailable || wasUnavailable) {
		return false
	}
	if !wasUnavailable {
		// Upgrading counts as unavailable.
		st.Unavailable++
		ps.Unavailable++
	}
	dep.DeploymentID = dep.StagedDeploymentID
	return true
}

func upToDate(id string, d *Deployment) bool {
	return d != nil && d.StagedDeploymentID == id && d.DeploymentID == id && d.AppliedDeploymentID == id
}

// partitions splits the targets into manual or automatic partitions.
func partitions(s *v1alpha1.RolloutStrategy, targets []Target) ([]partition, error) {
	if len(s.Partitions) > 0 {
		return manualPartitions(s, targets)
	}
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return targets[order[a]].Key < targets[order[b]].Key })
	threshold := DefaultAutoPartitionThreshold
	if s.AutoPartitionThreshold != nil {
		threshold = *s.AutoPartitionThreshold
	}
	size := s.AutoPartitionSize
	if (size != nil && size.Type == intstr.Int && size.IntVal <= 0) || len(targets) < threshold {
		p, err := newPartition("All", order, targets, s.MaxUnavailable)
		return []partition{p}, err
	}
	n, err := Limit(len(targets), size, &defaultAutoPartitionSize)
	if err != nil {
		return nil, fmt.Errorf("rolloutStrategy.autoPartitionSize: %w", err)
	}
	var out []partition
	for from := 0; from < len(order); from += n {
		to := min(from+n, len(order))
		p, err := newPartition(fmt.Sprintf("Partition %d - %d", from, to), order[from:to], targets, s.MaxUnavailable)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// manualPartitions puts each target into the first partition that matches it; targets matching
// none are in no partition.
func manualPartitions(s *v1alpha1.RolloutStrategy, targets []Target) ([]partition, error) {
	matchers := make([]*target.Matcher, len(s.Partitions))
	for i, p := range s.Partitions {
		m, err := target.NewMatcher(target.Criteria{ClusterName: p.ClusterName, ClusterSelector: p.ClusterSelector,
			ClusterGroup: p.ClusterGroup, ClusterGroupSelector: p.ClusterGroupSelector})
		if err != nil {
			return nil, fmt.Errorf("rolloutStrategy.partitions[%d]: %w", i, err)
		}
		matchers[i] = m
	}
	members := make([][]int, len(s.Partitions))
	for i := range targets {
		for p, m := range matchers {
			if m.Match(targets[i].Cluster) {
				members[p] = append(members[p], i)
				break
			}
		}
	}
	out := make([]partition, 0, len(s.Partitions))
	for p, def := range s.Partitions {
		part, err := newPartition(def.Name, members[p], targets, def.MaxUnavailable, s.MaxUnavailable)
		if err != nil {
			return nil, fmt.Errorf("rolloutStrategy.partitions[%d]: %w", p, err)
		}
		out = append(out, part)
	}
	return out, nil
}

func newPartition(name string, members []int, targets []Target, maxUnavailable ...*intstr.IntOrString) (partition, error) {
	m, err := Limit(len(members), maxUnavailable...)
	if err != nil {
		return partition{}, fmt.Errorf("maxUnavailable: %w", err)
	}
	p := partition{status: v1alpha1.PartitionStatus{Name: name, Count: len(members), MaxUnavailable: m}, targets: members}
	for _, i := range members {
		if targets[i].Deployment.unavailable() {
			p.status.Unavailable++
		}
	}
	return p, nil
}
