package rollout

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// Fleet's defaults (rancher/fleet internal/cmd/controller/target).
var (
	defaultMaxUnavailable           = intstr.FromString("100%")
	defaultAutoPartitionSize        = intstr.FromString("25%")
	defaultMaxUnavailablePartitions = intstr.FromInt32(0)
)

const (
	// DefaultMaxNew is Fleet's number of BundleDeployments created per reconcile.
	DefaultMaxNew = 50
	// DefaultAutoPartitionThreshold is the number of targets from which partitions are automatic.
	DefaultAutoPartitionThreshold = 200
)

// Limit resolves the first non-nil value against count as Fleet's limit() does: an integer (or a
// string holding one) as it is; a percentage of count rounded down, at least 1; count ≤ 0 gives 1.
// With no value it is 100 % of count.
func Limit(count int, values ...*intstr.IntOrString) (int, error) {
	if count <= 0 {
		return 1, nil
	}
	v := &defaultMaxUnavailable
	for _, x := range values {
		if x != nil {
			v = x
			break
		}
	}
	if v.Type == intstr.Int {
		return v.IntValue(), nil
	}
	if n, err := strconv.Atoi(v.StrVal); err == nil && n > 0 {
		return n, nil
	}
	pct, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, fmt.Errorf("%q is neither an integer nor a percentage", v.StrVal)
	}
	p, err := strconv.ParseFloat(pct, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", v.StrVal, err)
	}
	if p <= 0 {
		return 1, nil
	}
	if n := int(float64(count)*p) / 100; n > 0 {
		return n, nil
	}
	return 1, nil
}
