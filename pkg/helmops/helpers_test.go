package helmops

import (
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func newFakeSources(maxBackoff time.Duration) (*Sources, *clocktesting.FakeClock) {
	c := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ss := NewSources()
	ss.Clock, ss.MaxBackoff = c, maxBackoff
	return ss, c
}
