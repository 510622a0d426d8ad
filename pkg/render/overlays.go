package render

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// OverlayDir is the bundle directory holding YAML overlays.
const OverlayDir = "overlays/"

const patchSuffix = "_patch"

// ApplyOverlays returns the bundle files with the named overlays applied in order (see the package
// documentation). The overlays/ directory itself stays in the result (kustomize bundles commonly
// use it for their own overlays); raw-YAML rendering skips it. A patch without a base
// file, an overlay that does not exist and a patch that fails are errors naming the overlay file.
func ApplyOverlays(files map[string][]byte, overlays []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(files))
	for name, data := range files {
		out[name] = data
	}
	for _, overlay := range overlays {
		prefix := OverlayDir + overlay + "/"
		var names []string
		for name := range files {
			if strings.HasPrefix(name, prefix) {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("yaml.overlays: overlay %q not found: no files under %s", overlay, prefix)
		}
		sort.Strings(names)
		for _, name := range names {
			rel := strings.TrimPrefix(name, prefix)
			if base, ok := patchTarget(rel, out); ok {
				patched, err := patchFile(out[base], files[name])
				if err != nil {
					return nil, fmt.Errorf("%s: patching %s: %w", name, base, err)
				}
				out[base] = patched
				continue
			} else if isPatchName(rel) {
				return nil, fmt.Errorf("%s: no base file %s to patch", name, strings.Join(patchCandidates(rel), " or "))
			}
			if len(bytes.TrimSpace(files[name])) == 0 {
				delete(out, rel)
				continue
			}
			out[rel] = files[name]
		}
	}
	return out, nil
}

func isPatchName(rel string) bool {
	ext := path.Ext(rel)
	return strings.HasSuffix(strings.TrimSuffix(rel, ext), patchSuffix)
}

// patchCandidates lists the base files a patch file may apply to: same extension first.
func patchCandidates(rel string) []string {
	ext := path.Ext(rel)
	stem := strings.TrimSuffix(strings.TrimSuffix(rel, ext), patchSuffix)
	out := []string{stem + ext}
	for _, e := range []string{".yaml", ".yml", ".json"} {
		if e != ext {
			out = append(out, stem+e)
		}
	}
	return out
}

func patchTarget(rel string, files map[string][]byte) (string, bool) {
	if !isPatchName(rel) {
		return "", false
	}
	for _, c := range patchCandidates(rel) {
		if _, ok := files[c]; ok {
			return c, true
		}
	}
	return "", false
}

// patchFile applies a patch to a single-document YAML file and returns YAML.
func patchFile(base, patch []byte) ([]byte, error) {
	if len(bytes.TrimSpace(patch)) == 0 {
		return base, nil
	}
	docs, err := parseObjects("base", base, kindlessIsError)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("the base file holds %d objects; a patch needs exactly one", len(docs))
	}
	out, _, err := Patch(base, patch)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(out)
}
