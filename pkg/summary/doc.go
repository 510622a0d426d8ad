// Package summary holds Fleet's rules for BundleDeployment states and their summaries
// (reference/fleet.md §1.16; rancher/fleet internal/cmd/controller/summary): the state of one
// deployment, its display strings, counting states into a BundleSummary, the worst state of a
// summary, and the Ready condition message. It is pure: the server's summaries apply it to
// counters it maintains by delta, and tests apply it to lists.
//
// One difference from Fleet: a state with a count but no entry among the (at most 10) non-ready
// resources still appears in the Ready message, as "<State>(<count>)"; Fleet leaves it out, which
// can make a summary with non-ready deployments look Ready once the list is full.
package summary
