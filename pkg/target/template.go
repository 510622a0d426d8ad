package target

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// clusterLabelsPrefix marks a Helm value replaced by a cluster label's value.
const clusterLabelsPrefix = "global.fleet.clusterLabels."

// maxTemplateOutput bounds the size of templated values.
const maxTemplateOutput = 16 << 20

// TemplateContext is the data ${ } templates see. Labels and annotations are generic maps, as in
// Fleet, so sprig's dict functions (get, hasKey, …) work on them.
type TemplateContext struct {
	ClusterName        string
	ClusterNamespace   string
	ClusterLabels      map[string]any
	ClusterAnnotations map[string]any
	ClusterValues      map[string]any
}

// NewTemplateContext builds the template data of a cluster. Labels and annotations containing
// "cattle.io" are dropped, except fleet.cattle.io/* and management.cattle.io/*, as Fleet does.
func NewTemplateContext(c *v1alpha1.Cluster) TemplateContext {
	tc := TemplateContext{
		ClusterName:        c.Name,
		ClusterNamespace:   c.Namespace,
		ClusterLabels:      filterCattle(c.Labels),
		ClusterAnnotations: filterCattle(c.Annotations),
		ClusterValues:      map[string]any{},
	}
	if c.Spec.TemplateValues != nil && c.Spec.TemplateValues.Data != nil {
		tc.ClusterValues = c.Spec.TemplateValues.DeepCopy().Data
	}
	return tc
}

func filterCattle(in map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		if strings.Contains(k, "cattle.io") &&
			!strings.HasPrefix(k, v1alpha1.FleetLabelPrefix) && !strings.HasPrefix(k, v1alpha1.ManagementLabelPrefix) {
			continue
		}
		out[k] = v
	}
	return out
}

// funcMap is sprig's text functions minus the ones that read the environment or the network, or
// recurse into templates (env, expandenv, include, tpl, getHostByName), as Fleet does; minus the key
// and certificate generators (seconds of CPU each, and a new value at every rendering); and with
// every function that allocates in proportion to an argument bounded, so that a template from git
// cannot exhaust memory or loop before the output limit applies.
var funcMap = func() template.FuncMap {
	m := sprig.TxtFuncMap()
	for _, name := range []string{"env", "expandenv", "include", "tpl", "getHostByName",
		"genPrivateKey", "derivePassword", "buildCustomCert", "genCA", "genCAWithKey", "genSelfSignedCert",
		"genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey"} {
		delete(m, name)
	}
	m["repeat"] = func(count int, str string) (string, error) {
		if count < 0 || count > maxTemplateOutput || len(str)*count > maxTemplateOutput {
			return "", fmt.Errorf("repeat: result larger than %d bytes", maxTemplateOutput)
		}
		return strings.Repeat(str, count), nil
	}
	for _, name := range []string{"indent", "nindent"} {
		f := m[name].(func(int, string) string)
		m[name] = func(spaces int, v string) (string, error) {
			if spaces < 0 || spaces > maxTemplateOutput || spaces*(strings.Count(v, "\n")+1)+len(v) > maxTemplateOutput {
				return "", fmt.Errorf("%s: result larger than %d bytes", name, maxTemplateOutput)
			}
			return f(spaces, v), nil
		}
	}
	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		f := m[name].(func(int) string)
		m[name] = func(count int) (string, error) {
			if count < 0 || count > maxTemplateOutput {
				return "", fmt.Errorf("%s: more than %d characters", name, maxTemplateOutput)
			}
			return f(count), nil
		}
	}
	randBytes := m["randBytes"].(func(int) (string, error))
	m["randBytes"] = func(count int) (string, error) {
		if count < 0 || count > maxTemplateOutput {
			return "", fmt.Errorf("randBytes: more than %d bytes", maxTemplateOutput)
		}
		return randBytes(count)
	}
	until := m["until"].(func(int) []int)
	m["until"] = func(count int) ([]int, error) {
		if count > maxListLen || count < -maxListLen {
			return nil, fmt.Errorf("until: more than %d elements", maxListLen)
		}
		return until(count), nil
	}
	untilStep := m["untilStep"].(func(int, int, int) []int)
	m["untilStep"] = func(start, stop, step int) ([]int, error) {
		if err := boundedRange("untilStep", start, stop, step); err != nil {
			return nil, err
		}
		return untilStep(start, stop, step), nil
	}
	seq := m["seq"].(func(...int) string)
	m["seq"] = func(params ...int) (string, error) {
		start, stop, step := 1, 0, 1
		switch len(params) {
		case 1:
			stop = params[0]
		case 2:
			start, stop = params[0], params[1]
		case 3:
			start, step, stop = params[0], params[1], params[2]
		}
		if step == 0 {
			step = 1
		}
		if start > stop && step > 0 {
			step = -step
		}
		if err := boundedRange("seq", start, stop, step); err != nil {
			return "", err
		}
		return seq(params...), nil
	}
	return m
}()

// maxListLen bounds the lists until, untilStep and seq may build.
const maxListLen = 100_000

// maxRangeBound keeps the bounds of a range far from integer overflow, so that a loop stepping past its
// end cannot wrap around and run forever.
const maxRangeBound = 1 << 40

// boundedRange refuses ranges with more than maxListLen elements or bounds near overflow.
func boundedRange(name string, start, stop, step int) error {
	for _, v := range []int{start, stop, step} {
		if v > maxRangeBound || v < -maxRangeBound {
			return fmt.Errorf("%s: %d is out of range", name, v)
		}
	}
	if step == 0 {
		return fmt.Errorf("%s: step must not be 0", name)
	}
	if n := (stop - start) / step; n > maxListLen {
		return fmt.Errorf("%s: more than %d elements", name, maxListLen)
	}
	return nil
}

// ProcessValues pre-processes Helm values for one cluster, returning new values: string values
// "global.fleet.clusterLabels.<LABEL>" become the label's value (empty when missing); then, unless
// disablePreProcess, the YAML of the values is rendered as a text/template with ${ } delimiters,
// missingkey=error and the sprig functions of funcMap; finally each templateValues entry is
// rendered on its own, parsed as YAML and set as the value of its key.
func ProcessValues(h *v1alpha1.HelmOptions, tc TemplateContext) (map[string]any, error) {
	if h == nil {
		return nil, nil
	}
	var values map[string]any
	if h.Values != nil && h.Values.Data != nil {
		values = replaceLabelRefs(h.Values.DeepCopy().Data, tc.ClusterLabels).(map[string]any)
	}
	if h.DisablePreProcess {
		return values, nil
	}
	if len(values) > 0 && hasTemplate(values) {
		data, err := yaml.Marshal(values)
		if err != nil {
			return nil, fmt.Errorf("helm.values: %w", err)
		}
		out, err := execute("helm.values", string(data), tc)
		if err != nil {
			return nil, err
		}
		values = map[string]any{}
		if err := manifest.UnmarshalYAML(out, &values); err != nil {
			return nil, fmt.Errorf("helm.values: templated values are not valid YAML: %w", err)
		}
	}
	for _, k := range sortedKeys(h.TemplateValues) {
		out, err := execute("helm.templateValues."+k, h.TemplateValues[k], tc)
		if err != nil {
			return nil, err
		}
		var v any
		if err := manifest.UnmarshalYAML(out, &v); err != nil {
			return nil, fmt.Errorf("helm.templateValues.%s: templated value is not valid YAML: %w", k, err)
		}
		if values == nil {
			values = map[string]any{}
		}
		values[k] = v
	}
	return values, nil
}

// TemplateError is a ${ } templating failure in helm.values or helm.templateValues.
type TemplateError struct {
	// Field is "helm.values" or "helm.templateValues.<key>".
	Field string
	// Expr is the ${ } expression (or the text of the line) that failed, when known, so callers
	// can find it in the file the values came from.
	Expr string
	Err  error
}

// Error implements error.
func (e *TemplateError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the template error.
func (e *TemplateError) Unwrap() error { return e.Err }

var templateLineRE = regexp.MustCompile(`^template: [^:]+:(\d+):`)

// exprAt returns the first ${ } expression on the given 1-based line of text, or the line.
func exprAt(text string, line int) string {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	l := lines[line-1]
	if i := strings.Index(l, "${"); i >= 0 {
		if j := strings.Index(l[i:], "}"); j >= 0 {
			return l[i : i+j+1]
		}
		return l[i:]
	}
	return strings.TrimSpace(l)
}

func templateError(name, text string, err error) error {
	te := &TemplateError{Field: name, Err: err}
	if m := templateLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		te.Expr = exprAt(text, n)
	}
	return te
}

func execute(name, text string, tc TemplateContext) (out []byte, err error) {
	defer func() {
		// text/template recovers panics of template functions, but not every sprig function
		// returns errors; keep a bad template from taking the process down.
		if r := recover(); r != nil {
			err = &TemplateError{Field: name, Err: fmt.Errorf("template failed: %v", r)}
		}
	}()
	tmpl, err := template.New(name).Delims("${", "}").Option("missingkey=error").Funcs(funcMap).Parse(text)
	if err != nil {
		return nil, templateError(name, text, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&limitedWriter{w: &buf, n: maxTemplateOutput}, tc); err != nil {
		return nil, templateError(name, text, err)
	}
	return buf.Bytes(), nil
}

type limitedWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.w.Len()+len(p) > l.n {
		return 0, fmt.Errorf("templated output larger than %d bytes", l.n)
	}
	return l.w.Write(p)
}

func replaceLabelRefs(v any, labels map[string]any) any {
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, clusterLabelsPrefix) {
			if l, ok := labels[strings.TrimPrefix(t, clusterLabelsPrefix)]; ok {
				return l
			}
			return ""
		}
		return t
	case map[string]any:
		for k, e := range t {
			t[k] = replaceLabelRefs(e, labels)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = replaceLabelRefs(e, labels)
		}
		return t
	default:
		return v
	}
}

// hasTemplate reports whether any key or string value contains "${"; values without templates
// skip the marshal, execute and parse round trip (the common case, and the cost of targeting
// many clusters).
func hasTemplate(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, "${")
	case map[string]any:
		for k, e := range t {
			if strings.Contains(k, "${") || hasTemplate(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasTemplate(e) {
				return true
			}
		}
	}
	return false
}
