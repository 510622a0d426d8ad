package summary

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// MaxNonReadyResources caps BundleSummary.nonReadyResources, as Fleet.
const MaxNonReadyResources = 10

// maxDetails is how many modified and non-ready resource strings of one entry the Ready message
// shows, as Fleet.
const maxDetails = 4

// Add counts delta deployments in state into s: its state's counter and desiredReady. A negative
// delta takes them out. Pending counts targets that have no deployment yet.
func Add(s *v1alpha1.BundleSummary, state v1alpha1.BundleState, delta int) {
	if c := counter(s, state); c != nil {
		*c += delta
	}
	s.DesiredReady += delta
}

// counter is the summary's counter of a state, nil for an unknown state.
func counter(s *v1alpha1.BundleSummary, state v1alpha1.BundleState) *int {
	switch state {
	case v1alpha1.Ready:
		return &s.Ready
	case v1alpha1.NotReady:
		return &s.NotReady
	case v1alpha1.WaitApplied:
		return &s.WaitApplied
	case v1alpha1.ErrApplied:
		return &s.ErrApplied
	case v1alpha1.OutOfSync:
		return &s.OutOfSync
	case v1alpha1.Modified:
		return &s.Modified
	case v1alpha1.Pending:
		return &s.Pending
	}
	return nil
}

// IsReady reports whether every desired deployment is Ready.
func IsReady(s v1alpha1.BundleSummary) bool { return s.DesiredReady == s.Ready }

// WorstState is the highest ranked state among the summary's counters and its non-ready
// resources ("" when all are ready). Fleet's GetSummaryState reads the resources only, which are
// capped at ten: the counters make the state exact past the cap.
func WorstState(s v1alpha1.BundleSummary) v1alpha1.BundleState {
	var worst v1alpha1.BundleState
	for _, state := range counted {
		if *counter(&s, state) > 0 && v1alpha1.StateRank[state] > v1alpha1.StateRank[worst] {
			worst = state
		}
	}
	for _, r := range s.NonReadyResources {
		if v1alpha1.StateRank[r.State] > v1alpha1.StateRank[worst] {
			worst = r.State
		}
	}
	return worst
}

// counted are the non-ready states in the order the Ready message is built (it is sorted after).
var counted = []v1alpha1.BundleState{v1alpha1.OutOfSync, v1alpha1.NotReady, v1alpha1.WaitApplied,
	v1alpha1.ErrApplied, v1alpha1.Pending, v1alpha1.Modified}

// ReadyMessage is the Ready condition message of a summary in Fleet's format, empty when ready:
// for each non-ready state with a count, "<State>(<count>) [<kind> <name>]" (": <message>" added
// when the first listed resource in that state has one) followed by up to four of its modified and
// non-ready resource strings; all entries sorted and joined by "; ". kind names what the listed
// resources are ("Cluster" in a Bundle's summary, "Bundle" in a Cluster's).
func ReadyMessage(s v1alpha1.BundleSummary, kind string) string {
	var msgs []string
	for _, state := range counted {
		n := *counter(&s, state)
		if n <= 0 {
			continue
		}
		var first *v1alpha1.NonReadyResource
		for i := range s.NonReadyResources {
			if s.NonReadyResources[i].State == state {
				first = &s.NonReadyResources[i]
				break
			}
		}
		switch {
		case first == nil:
			msgs = append(msgs, fmt.Sprintf("%s(%d)", state, n))
			continue
		case first.Message == "":
			msgs = append(msgs, fmt.Sprintf("%s(%d) [%s %s]", state, n, kind, first.Name))
		default:
			msgs = append(msgs, fmt.Sprintf("%s(%d) [%s %s: %s]", state, n, kind, first.Name, first.Message))
		}
		for i, m := range first.ModifiedStatus {
			if i >= maxDetails {
				break
			}
			msgs = append(msgs, m.String())
		}
		for i, m := range first.NonReadyStatus {
			if i >= maxDetails {
				break
			}
			msgs = append(msgs, m.String())
		}
	}
	sort.Strings(msgs)
	return strings.Join(msgs, "; ")
}

// CapNonReady returns the first MaxNonReadyResources of the entries by name, sorted: for the same
// set of non-ready resources the list is the same whatever order they arrived in, so a summary
// does not flap. cut reports whether entries were left out.
func CapNonReady(entries []v1alpha1.NonReadyResource) (kept []v1alpha1.NonReadyResource, cut bool) {
	kept = append([]v1alpha1.NonReadyResource(nil), entries...)
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	if len(kept) > MaxNonReadyResources {
		return kept[:MaxNonReadyResources], true
	}
	return kept, false
}
