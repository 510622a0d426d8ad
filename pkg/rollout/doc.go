// Package rollout decides, for one Bundle, which of its target clusters get a BundleDeployment
// and which of them are moved from the staged to the current deployment ID, as Fleet's
// UpdatePartitions does (reference/fleet.md §4.9, rancher/fleet internal/cmd/controller/target):
//
//   - Targets are split into partitions: the manual ones of rolloutStrategy.partitions, in order
//     (a cluster outside every manual partition is not rolled out: it gets no BundleDeployment),
//     or automatic ones: one partition "All" below autoPartitionThreshold (200) targets or when
//     autoPartitionSize is an integer ≤ 0, else chunks of autoPartitionSize (25 %) in cluster
//     order, named "Partition <from> - <to>".
//   - Partitions are processed in order. In each, at most maxNew (50) new BundleDeployments are
//     created over the whole Bundle, every existing or new one is staged with the target's
//     deployment ID, and a staged one is promoted when the cluster is not paused, and the Bundle
//     and the partition are below their maxUnavailable (100 %) — or the cluster is unavailable
//     already. A promoted cluster that was available counts as unavailable from then on.
//   - A partition with more unavailable or not-up-to-date clusters than its maxUnavailable is
//     unavailable; processing stops once more partitions than maxUnavailablePartitions (0) are.
//
// Limits follow Fleet's limit(): an integer is taken as it is, a percentage of the count is
// rounded down and at least 1, and a count of 0 gives 1.
//
// Differences from Fleet: autoPartitionThreshold is honoured (Fleet's code hard-codes 200); a
// cluster that matches several manual partitions belongs to the first only (Fleet processes it
// in each); the default of maxNew is the caller's (Defaults.MaxNew), Fleet hard-codes 50.
//
// The package is pure: it reads what it is given and returns decisions; writing them is the
// caller's.
package rollout
