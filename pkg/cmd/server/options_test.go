package server

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/fleetapi/fleet/pkg/rollout"
)

// TestRolloutMaxNewFlag: --rollout-max-new is the Bundle controller's default maxNew (Fleet's 50
// when not given), and a value below 1 is refused by name.
func TestRolloutMaxNewFlag(t *testing.T) {
	parse := func(args ...string) *Options {
		o := NewOptions(io.Discard)
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return o
	}
	if got := parse().rolloutDefaults().MaxNew; got != rollout.DefaultMaxNew {
		t.Errorf("default maxNew %d, want Fleet's %d", got, rollout.DefaultMaxNew)
	}
	if got := parse("--rollout-max-new=10000").rolloutDefaults().MaxNew; got != 10000 {
		t.Errorf("--rollout-max-new=10000 gave %d", got)
	}
	o := parse("--rollout-max-new=0", "--data-dir", t.TempDir())
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--rollout-max-new must be at least 1") {
		t.Errorf("--rollout-max-new=0: %v", err)
	}
}
