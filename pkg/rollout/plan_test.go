package rollout

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/target"
)

func pct(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
func num(n int32) *intstr.IntOrString  { v := intstr.FromInt32(n); return &v }
func intp(n int) *int                  { return &n }

func TestLimit(t *testing.T) {
	tests := []struct {
		count int
		v     *intstr.IntOrString
		want  int
		err   bool
	}{
		{230, pct("25%"), 57, false},
		{10, pct("25%"), 2, false},
		{3, pct("10%"), 1, false}, // rounds down to 0, at least 1
		{0, pct("50%"), 1, false}, // no targets: 1, as Fleet
		{10, num(5), 5, false},
		{10, num(500), 500, false}, // integers are not clamped, as Fleet
		{10, pct("7"), 7, false},   // a string holding an integer
		{10, pct("0%"), 1, false},
		{10, nil, 10, false}, // default 100 %
		{10, pct("abc"), 0, true},
		{10, pct("x%"), 0, true},
	}
	for _, tt := range tests {
		got, err := Limit(tt.count, tt.v)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Limit(%d, %v) = %d, %v; want %d, error %v", tt.count, tt.v, got, err, tt.want, tt.err)
		}
	}
}

// clusters returns n targets c000…, all on deployment "old" and ready.
func clusters(n int, mutate ...func(i int, t *Target)) []Target {
	out := make([]Target, n)
	for i := range out {
		name := fmt.Sprintf("c%03d", i)
		out[i] = Target{Key: "fleet-default/" + name, Cluster: target.ClusterInfo{Name: name, Labels: map[string]string{"env": "prod"}},
			DeploymentID: "new", Deployment: &Deployment{StagedDeploymentID: "old", DeploymentID: "old", AppliedDeploymentID: "old", Ready: true}}
		for _, m := range mutate {
			m(i, &out[i])
		}
	}
	return out
}

func count(res *Result, f func(Decision) bool) int {
	n := 0
	for _, d := range res.Decisions {
		if f(d) {
			n++
		}
	}
	return n
}

func plan(t *testing.T, s *v1alpha1.RolloutStrategy, targets []Target, d Defaults) *Result {
	t.Helper()
	res, err := Plan(s, targets, d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func partitionShape(res *Result) (names []string, counts []int) {
	for _, p := range res.Status.Partitions {
		names = append(names, p.Name)
		counts = append(counts, p.Count)
	}
	return names, counts
}

func TestAutomaticPartitions(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		strategy   *v1alpha1.RolloutStrategy
		wantNames  []string
		wantCounts []int
	}{
		{name: "230 clusters at 25 % (Fleet's docs)", n: 230, strategy: &v1alpha1.RolloutStrategy{AutoPartitionSize: pct("25%")},
			wantNames:  []string{"Partition 0 - 57", "Partition 57 - 114", "Partition 114 - 171", "Partition 171 - 228", "Partition 228 - 230"},
			wantCounts: []int{57, 57, 57, 57, 2}},
		{name: "the default size is 25 %", n: 230,
			wantNames:  []string{"Partition 0 - 57", "Partition 57 - 114", "Partition 114 - 171", "Partition 171 - 228", "Partition 228 - 230"},
			wantCounts: []int{57, 57, 57, 57, 2}},
		{name: "below the threshold of 200: one partition", n: 199, wantNames: []string{"All"}, wantCounts: []int{199}},
		{name: "an integer size of 0 turns partitioning off", n: 300, strategy: &v1alpha1.RolloutStrategy{AutoPartitionSize: num(0)},
			wantNames: []string{"All"}, wantCounts: []int{300}},
		{name: "autoPartitionThreshold is honoured", n: 12, strategy: &v1alpha1.RolloutStrategy{AutoPartitionThreshold: intp(10), AutoPartitionSize: num(5)},
			wantNames: []string{"Partition 0 - 5", "Partition 5 - 10", "Partition 10 - 12"}, wantCounts: []int{5, 5, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, counts := partitionShape(plan(t, tt.strategy, clusters(tt.n), Defaults{}))
			if !reflect.DeepEqual(names, tt.wantNames) || !reflect.DeepEqual(counts, tt.wantCounts) {
				t.Errorf("partitions %q %v, want %q %v", names, counts, tt.wantNames, tt.wantCounts)
			}
		})
	}
}

func TestAutomaticPartitionsFollowClusterOrder(t *testing.T) {
	targets := clusters(12)
	targets[0].Key, targets[11].Key = targets[11].Key, targets[0].Key // c000 sorts last now
	res := plan(t, &v1alpha1.RolloutStrategy{AutoPartitionThreshold: intp(1), AutoPartitionSize: num(6)}, targets, Defaults{})
	if res.Decisions[0].Partition != 1 || res.Decisions[11].Partition != 0 {
		t.Errorf("partitions of the swapped targets: %d and %d, want 1 and 0", res.Decisions[0].Partition, res.Decisions[11].Partition)
	}
}

func TestManualPartitions(t *testing.T) {
	targets := clusters(6, func(i int, tg *Target) {
		tg.Cluster.Labels = map[string]string{"env": []string{"canary", "prod", "prod", "dev", "canary", "prod"}[i]}
	})
	s := &v1alpha1.RolloutStrategy{Partitions: []v1alpha1.Partition{
		{Name: "canary", ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "canary"}}},
		{Name: "prod", ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod", "canary"}}}}},
	}}
	res := plan(t, s, targets, Defaults{})
	got := []int{}
	for _, d := range res.Decisions {
		got = append(got, d.Partition)
	}
	// c003 (dev) matches no partition; c000 and c004 match both, and belong to the first.
	if want := []int{0, 1, 1, -1, 0, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("partitions %v, want %v", got, want)
	}
	if d := res.Decisions[3]; d.Stage || d.Promote || d.Create {
		t.Errorf("a cluster outside every manual partition is rolled out: %+v", d)
	}
	if n := count(res, func(d Decision) bool { return d.Promote }); n != 5 {
		t.Errorf("%d promoted, want the 5 clusters in partitions", n)
	}
	targets[3].Deployment = nil
	if d := plan(t, s, targets, Defaults{}).Decisions[3]; d.Create {
		t.Error("a BundleDeployment is created for a cluster outside every manual partition")
	}
	bad := &v1alpha1.RolloutStrategy{Partitions: []v1alpha1.Partition{{Name: "x"}, {Name: "y",
		ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}}}}
	if _, err := Plan(bad, targets, Defaults{}); err == nil || !strings.Contains(err.Error(), "rolloutStrategy.partitions[1]") {
		t.Errorf("invalid partition selector: %v", err)
	}
}

func TestMaxNew(t *testing.T) {
	fresh := func(_ int, tg *Target) { tg.Deployment = nil }
	tests := []struct {
		name     string
		strategy *v1alpha1.RolloutStrategy
		defaults Defaults
		want     int
	}{
		{name: "Fleet's 50 by default", want: 50},
		{name: "the server's default", defaults: Defaults{MaxNew: 10}, want: 10},
		{name: "the Bundle's maxNew wins", strategy: &v1alpha1.RolloutStrategy{MaxNew: intp(5)}, defaults: Defaults{MaxNew: 10}, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := plan(t, tt.strategy, clusters(120, fresh), tt.defaults)
			created := count(res, func(d Decision) bool { return d.Create })
			promoted := count(res, func(d Decision) bool { return d.Create && d.Stage && d.Promote })
			if created != tt.want || promoted != tt.want || res.Status.NewlyCreated != tt.want {
				t.Errorf("created %d (promoted %d, status %d), want %d", created, promoted, res.Status.NewlyCreated, tt.want)
			}
		})
	}
}

func TestPromotion(t *testing.T) {
	t.Run("maxUnavailable stops promotion", func(t *testing.T) {
		res := plan(t, &v1alpha1.RolloutStrategy{MaxUnavailable: num(2)}, clusters(10), Defaults{})
		if n := count(res, func(d Decision) bool { return d.Promote }); n != 2 || !res.Decisions[0].Promote || !res.Decisions[1].Promote {
			t.Errorf("promoted %d (first two: %v %v), want the first 2", n, res.Decisions[0].Promote, res.Decisions[1].Promote)
		}
		if n := count(res, func(d Decision) bool { return d.Stage }); n != 10 {
			t.Errorf("staged %d, want all 10 (the others are OutOfSync)", n)
		}
		if res.Status.Unavailable != 2 || res.Status.MaxUnavailable != 2 {
			t.Errorf("status %+v", res.Status)
		}
	})
	t.Run("an unavailable cluster is promoted whatever the limit", func(t *testing.T) {
		targets := clusters(10, func(i int, tg *Target) {
			if i == 5 {
				tg.Deployment.Ready = false
			}
		})
		res := plan(t, &v1alpha1.RolloutStrategy{MaxUnavailable: num(2)}, targets, Defaults{})
		var got []int
		for i, d := range res.Decisions {
			if d.Promote {
				got = append(got, i)
			}
		}
		if !reflect.DeepEqual(got, []int{0, 5}) {
			t.Errorf("promoted %v, want [0 5]: one available within the limit, and the unavailable one", got)
		}
	})
	t.Run("paused clusters are staged, not promoted (OutOfSync)", func(t *testing.T) {
		res := plan(t, nil, clusters(3, func(i int, tg *Target) { tg.Paused = i == 1 }), Defaults{})
		if d := res.Decisions[1]; !d.Stage || d.Promote {
			t.Errorf("paused: %+v", d)
		}
		if !res.Decisions[0].Promote || !res.Decisions[2].Promote {
			t.Error("unpaused clusters not promoted")
		}
	})
	t.Run("nothing to do when every cluster is up to date", func(t *testing.T) {
		res := plan(t, nil, clusters(3, func(_ int, tg *Target) {
			tg.Deployment = &Deployment{StagedDeploymentID: "new", DeploymentID: "new", AppliedDeploymentID: "new", Ready: true}
		}), Defaults{})
		if n := count(res, func(d Decision) bool { return d.Promote || d.Create }); n != 0 || res.Status.Unavailable != 0 || res.Status.UnavailablePartitions != 0 {
			t.Errorf("plan %+v", res)
		}
	})
	t.Run("an unavailable partition stops the later ones", func(t *testing.T) {
		s := &v1alpha1.RolloutStrategy{MaxUnavailable: pct("10%")}
		res := plan(t, s, clusters(230), Defaults{})
		if p := res.Status.Partitions[0]; p.MaxUnavailable != 5 || p.Unavailable != 57 {
			t.Errorf("first partition %+v, want maxUnavailable 5 and all 57 not up to date", p)
		}
		promoted, staged := 0, 0
		for _, d := range res.Decisions {
			if d.Promote {
				promoted++
				if d.Partition != 0 {
					t.Errorf("promoted in partition %d", d.Partition)
				}
			}
			if d.Stage && d.Partition != 0 {
				staged++
			}
		}
		if promoted != 5 || staged != 0 || res.Status.UnavailablePartitions != 1 {
			t.Errorf("promoted %d, staged after the first partition %d, unavailable partitions %d; want 5, 0, 1",
				promoted, staged, res.Status.UnavailablePartitions)
		}
		s.MaxUnavailablePartitions = num(1)
		res = plan(t, s, clusters(230), Defaults{})
		if n := count(res, func(d Decision) bool { return d.Stage && d.Partition == 1 }); n != 57 {
			t.Errorf("with maxUnavailablePartitions 1 the second partition is staged: %d", n)
		}
	})
}
