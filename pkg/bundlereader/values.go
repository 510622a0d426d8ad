package bundlereader

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

// mergeValuesFiles merges h.valuesFiles (relative to dir, later files win) under h.values (the
// inline values win), as Fleet's processValueFiles does. It returns the absolute paths read, so
// they can be excluded from the bundle resources. With a root, every file must resolve inside it.
// Each file is charged to budget before it is read.
func mergeValuesFiles(dir, root string, h *v1alpha1.HelmOptions, budget *filesBudget) ([]string, error) {
	if h == nil || len(h.ValuesFiles) == 0 {
		return nil, nil
	}
	var merged map[string]any
	paths := make([]string, 0, len(h.ValuesFiles))
	for _, f := range h.ValuesFiles {
		p := filepath.Join(dir, f)
		if err := inside(root, p); err != nil {
			return nil, fmt.Errorf("helm.valuesFiles: %s: %w", f, err)
		}
		data, err := budget.readYAML(p)
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("helm.valuesFiles: %w", err)
		}
		vals := map[string]any{}
		if err := manifest.UnmarshalYAML(data, &vals); err != nil {
			return nil, yamlFileError(p, err)
		}
		merged = manifest.MergeMaps(merged, vals)
		paths = append(paths, filepath.Clean(p))
	}
	if h.Values == nil {
		h.Values = &v1alpha1.GenericMap{}
	}
	h.Values.Data = manifest.MergeMaps(merged, h.Values.Data)
	return paths, nil
}

// inside checks that path resolves (symlinks followed) inside root; an empty root allows any path.
func inside(root, path string) error {
	if root == "" {
		return nil
	}
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		resolved = filepath.Clean(path)
	}
	rel, err := filepath.Rel(r, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("must be inside the repository")
	}
	return nil
}
