package target

import (
	"testing"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// FuzzProcessValues checks that templating arbitrary values never panics.
func FuzzProcessValues(f *testing.F) {
	for _, s := range []string{
		"${ .ClusterName }",
		"${ .ClusterLabels.env }",
		`${ get .ClusterValues "a" | default "x" }`,
		"${`${PWD}`}",
		"${ if eq .ClusterLabels.env \"prod\" }3${ else }1${ end }",
		"global.fleet.clusterLabels.env",
		"${ range $i, $e := until 3 }${ $i }${ end }",
		"${",
		"${ fail \"boom\" }",
	} {
		f.Add(s, "key")
	}
	c := cluster("c1", "env", "dev")
	c.Spec.TemplateValues = values("a", "b")
	tc := NewTemplateContext(c)
	f.Fuzz(func(t *testing.T, value, templateValue string) {
		h := &v1alpha1.HelmOptions{Values: values("v", value, "nested", map[string]any{"n": value}),
			TemplateValues: map[string]string{"t": templateValue}}
		_, _ = ProcessValues(h, tc)
	})
}
