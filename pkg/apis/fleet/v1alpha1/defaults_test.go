package v1alpha1_test

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

func TestSetDefaultsBundleSpec(t *testing.T) {
	tests := []struct {
		name string
		in   v1alpha1.TargetCustomizationMode
		want v1alpha1.TargetCustomizationMode
	}{
		{name: "unset defaults to FirstMatch", in: "", want: v1alpha1.TargetCustomizationFirstMatch},
		{name: "AllMatches is kept", in: v1alpha1.TargetCustomizationAllMatches, want: v1alpha1.TargetCustomizationAllMatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := v1alpha1.BundleSpec{TargetCustomizationMode: tt.in}
			v1alpha1.SetDefaults_BundleSpec(&s)
			if s.TargetCustomizationMode != tt.want {
				t.Errorf("got %q, want %q", s.TargetCustomizationMode, tt.want)
			}
		})
	}
}

func TestEffectiveAcceptedStates(t *testing.T) {
	if got := (v1alpha1.BundleRef{Name: "a"}).EffectiveAcceptedStates(); len(got) != 1 || got[0] != v1alpha1.Ready {
		t.Errorf("unset acceptedStates = %v, want [Ready]", got)
	}
	states := []v1alpha1.BundleState{v1alpha1.Ready, v1alpha1.Modified}
	if got := (v1alpha1.BundleRef{AcceptedStates: states}).EffectiveAcceptedStates(); len(got) != 2 {
		t.Errorf("explicit acceptedStates = %v, want %v", got, states)
	}
}

func TestStateRank(t *testing.T) {
	order := []v1alpha1.BundleState{
		v1alpha1.ErrApplied, v1alpha1.WaitApplied, v1alpha1.Modified, v1alpha1.OutOfSync,
		v1alpha1.Pending, v1alpha1.NotReady, v1alpha1.Ready,
	}
	if len(v1alpha1.StateRank) != len(order) {
		t.Fatalf("StateRank has %d states, want %d", len(v1alpha1.StateRank), len(order))
	}
	for i, s := range order {
		if want := len(order) - i; v1alpha1.StateRank[s] != want {
			t.Errorf("StateRank[%s] = %d, want %d", s, v1alpha1.StateRank[s], want)
		}
	}
}
