package render

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizationFiles are the names kustomize accepts, in its order of preference.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// helmOutputFile receives the Helm output when kustomize post-renders a chart.
const helmOutputFile = "fleet-helm-output.yaml"

// runKustomize builds the kustomization in dir, if there is one, over an in-memory copy of the
// bundle files. When input objects are given (Helm output) they are written to a file that is
// added to the kustomization's resources. ran is false when dir holds no kustomization.
func runKustomize(files map[string][]byte, dir string, input []Object) (out []Object, ran bool, err error) {
	kfile := ""
	for _, n := range kustomizationFiles {
		if _, ok := files[path.Join(dir, n)]; ok {
			kfile = path.Join(dir, n)
			break
		}
	}
	if kfile == "" {
		return nil, false, nil
	}
	fs := filesys.MakeFsInMemory()
	for name, data := range files {
		if err := fs.WriteFile("/"+name, data); err != nil {
			return nil, true, fmt.Errorf("kustomize: %s: %w", name, err)
		}
	}
	if len(input) > 0 {
		data, err := ToYAML(input)
		if err != nil {
			return nil, true, err
		}
		if err := fs.WriteFile("/"+path.Join(dir, helmOutputFile), data); err != nil {
			return nil, true, fmt.Errorf("kustomize: %w", err)
		}
		k := map[string]any{}
		if err := yaml.Unmarshal(files[kfile], &k); err != nil {
			return nil, true, fmt.Errorf("%s: %w", kfile, err)
		}
		res, _ := k["resources"].([]any)
		k["resources"] = append(res, helmOutputFile)
		kdata, err := yaml.Marshal(k)
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", kfile, err)
		}
		if err := fs.WriteFile("/"+kfile, kdata); err != nil {
			return nil, true, fmt.Errorf("kustomize: %w", err)
		}
	}
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone
	opts.PluginConfig.HelmConfig.Enabled = false
	resMap, err := krusty.MakeKustomizer(opts).Run(fs, path.Join("/", dir))
	if err != nil {
		return nil, true, fmt.Errorf("%s: kustomize build: %w", kfile, err)
	}
	data, err := resMap.AsYaml()
	if err != nil {
		return nil, true, fmt.Errorf("%s: kustomize build: %w", kfile, err)
	}
	objs, err := parseObjects("kustomize "+dir, data, kindlessIsError)
	if err != nil {
		return nil, true, err
	}
	return objs, true, nil
}
