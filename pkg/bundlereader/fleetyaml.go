package bundlereader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
)

// FleetYAML is the content of a fleet.yaml file: the Bundle spec (inline) plus the keys that only
// exist in fleet.yaml. It mirrors Fleet's v1alpha1.FleetYAML, which this API group does not define.
type FleetYAML struct {
	// Name overrides the bundle name.
	Name string `json:"name,omitempty"`
	// Labels are copied to the Bundle.
	Labels              map[string]string `json:"labels,omitempty"`
	v1alpha1.BundleSpec `json:",inline"`
	// TargetCustomizations customise (and, without target restrictions, select) clusters.
	TargetCustomizations []v1alpha1.BundleTarget `json:"targetCustomizations,omitempty"`
	// ImageScans are accepted for compatibility; this implementation does not create ImageScans.
	ImageScans []ImageScanYAML `json:"imageScans,omitempty"`
	// OverrideTargets replace the GitRepo targets (and restrictions) for this bundle.
	OverrideTargets []v1alpha1.GitTarget `json:"overrideTargets,omitempty"`
}

// ImageScanYAML is one imageScans entry of fleet.yaml.
type ImageScanYAML struct {
	Name                   string `json:"name,omitempty"`
	v1alpha1.ImageScanSpec `json:",inline"`
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// ParseFleetYAML parses the fleet.yaml at file (used in messages) from data. Syntax errors, values
// of the wrong type and invalid dependsOn entries are returned as a *FileError with the line;
// unknown keys are returned as a warning (nil when there are none), since Fleet ignores them.
func ParseFleetYAML(file string, data []byte) (*FleetYAML, *Warning, error) {
	fy := &FleetYAML{}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, nil, syntaxError(file, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return fy, nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yamlv3.ScalarNode && root.Tag == "!!null" {
		return fy, nil, nil
	}
	c := &checker{}
	c.check(root, fleetYAMLType, "")
	if c.err != nil {
		return nil, nil, &FileError{File: file, Line: c.errLine, Err: c.err}
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, nil, yamlFileError(file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	if err := dec.Decode(fy); err != nil {
		return nil, nil, jsonFileError(file, root, err)
	}
	if err := validateDependsOn(file, root, fy.DependsOn); err != nil {
		return nil, nil, err
	}
	switch fy.TargetCustomizationMode {
	case "", v1alpha1.TargetCustomizationFirstMatch, v1alpha1.TargetCustomizationAllMatches:
	default:
		return nil, nil, &FileError{File: file, Line: lineOfPath(root, "targetCustomizationMode"),
			Err: fmt.Errorf("targetCustomizationMode: %q is not FirstMatch or AllMatches", fy.TargetCustomizationMode)}
	}
	var warn *Warning
	if len(c.unknown) > 0 {
		warn = &Warning{File: file, UnknownKeys: c.unknown}
	}
	return fy, warn, nil
}

// maxPrefixLines and maxPrefixBytes bound the prefix search of syntaxError, which parses every
// prefix of the document: quadratic in its size, so a large broken fleet.yaml must not cost
// minutes of the server's CPU. Past them the parser's own line is reported.
const (
	maxPrefixLines = 5000
	maxPrefixBytes = 4 << 20
)

// syntaxError reports a YAML syntax error at the better of two lines: the one the parser names
// (for parser errors it is often the line of the enclosing construct, one too early) and the
// first line at which a prefix of the document stops parsing.
func syntaxError(file string, data []byte, err error) error {
	fe, ok := yamlFileError(file, err).(*FileError)
	if !ok {
		return yamlFileError(file, err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxPrefixLines {
		return fe
	}
	var prefix []byte
	parsed := 0
	for i, l := range lines {
		prefix = append(prefix, l...)
		if parsed += len(prefix); parsed > maxPrefixBytes {
			break
		}
		var n yamlv3.Node
		if yamlv3.Unmarshal(prefix, &n) != nil {
			if i+1 > fe.Line {
				fe.Line = i + 1
			}
			break
		}
	}
	return fe
}

func yamlFileError(file string, err error) error {
	var te *yamlv3.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FileError{File: file, Line: line, Err: fmt.Errorf("invalid YAML: %s", m[2])}
	}
	return &FileError{File: file, Err: fmt.Errorf("invalid YAML: %w", err)}
}

func jsonFileError(file string, root *yamlv3.Node, err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		line := lineOfPath(root, ute.Field)
		return &FileError{File: file, Line: line, Err: fmt.Errorf("%s: cannot use a %s here: %w", ute.Field, ute.Value, err)}
	}
	return &FileError{File: file, Line: root.Line, Err: err}
}

func validateDependsOn(file string, root *yamlv3.Node, deps []v1alpha1.BundleRef) error {
	for i, d := range deps {
		line := lineOfPath(root, fmt.Sprintf("dependsOn.%d", i))
		if d.Name == "" && d.Selector == nil {
			return &FileError{File: file, Line: line, Err: fmt.Errorf("dependsOn[%d]: name or selector is required", i)}
		}
		for _, s := range d.AcceptedStates {
			if _, ok := v1alpha1.StateRank[s]; !ok {
				return &FileError{File: file, Line: line, Err: fmt.Errorf("dependsOn[%d]: unknown accepted state %q", i, s)}
			}
		}
	}
	return nil
}
