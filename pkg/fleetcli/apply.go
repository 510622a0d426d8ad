package fleetcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

type applyFlags struct {
	output            string
	labels            []string
	targetsFile       string
	compress          bool
	serviceAccount    string
	syncGeneration    int64
	targetNamespace   string
	paused            bool
	commit            string
	keepResources     bool
	deleteNamespace   bool
	correctDrift      bool
	correctDriftForce bool
	correctDriftKeep  bool
	drivenScan        bool
	drivenScanSep     string
	helm              helmCredentialFlags
}

// helmCredentialFlags are Fleet's `fleet apply` flags for private chart repositories.
type helmCredentialFlags struct {
	username, passwordFile, caCertsFile, byPathFile, urlRegex string
	insecureSkipTLS                                           bool
}

func newApplyCommand(cfg Config, g *globalFlags) *cobra.Command {
	f := &applyFlags{}
	cmd := &cobra.Command{
		Use:   "apply [flags] BUNDLE_NAME [PATH...]",
		Short: "Render directories into Bundles and save them (or print them with -o)",
		Long: `Scan the paths (default ".") for bundles, as a GitRepo would, and build one Bundle per bundle
directory. With -o FILE (or -o - for stdout) the Bundles are written as YAML and no cluster is
needed; otherwise they are created or updated through the API.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApply(cmd.Context(), cfg, g, f, args[0], args[1:])
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the Bundles as YAML to this file (- for stdout) instead of the API")
	fl.StringArrayVarP(&f.labels, "label", "l", nil, "label (k=v) added to every bundle; repeatable")
	fl.StringVar(&f.targetsFile, "targets-file", "", "targets and restrictions to append ({targets: [...], targetRestrictions: [...]}, as Fleet's GitRepo controller writes), or a YAML list of GitRepo targets")
	fl.BoolVarP(&f.compress, "compress", "c", false, "store every resource gzipped and base64-encoded")
	fl.StringVarP(&f.serviceAccount, "service-account", "a", "", "service account the agent deploys as")
	fl.Int64Var(&f.syncGeneration, "sync-generation", 0, "forceSyncGeneration of the bundles")
	fl.StringVar(&f.targetNamespace, "target-namespace", "", "force all objects into this namespace")
	fl.BoolVar(&f.paused, "paused", false, "create the bundles paused")
	fl.StringVar(&f.commit, "commit", os.Getenv("COMMIT"), "commit recorded in the fleet.cattle.io/commit label (env COMMIT)")
	fl.BoolVar(&f.keepResources, "keep-resources", false, "keep deployed resources when the bundle is deleted")
	fl.BoolVar(&f.deleteNamespace, "delete-namespace", false, "delete the namespace when the bundle is deleted")
	fl.BoolVar(&f.correctDrift, "correct-drift", false, "correct drift")
	fl.BoolVar(&f.correctDriftForce, "correct-drift-force", false, "correct drift with helm --force")
	fl.BoolVar(&f.correctDriftKeep, "correct-drift-keep-fail-history", false, "keep the history of failed drift corrections")
	fl.BoolVar(&f.drivenScan, "driven-scan", false, "each PATH is BASE[SEP OPTIONS-FILE] and builds exactly one bundle")
	fl.StringVar(&f.drivenScanSep, "driven-scan-sep", ":", "separator of --driven-scan entries")
	fl.StringVar(&f.helm.username, "username", os.Getenv("HELM_USERNAME"), "user name for private chart repositories (env HELM_USERNAME)")
	fl.StringVar(&f.helm.passwordFile, "password-file", "", "file holding the password for private chart repositories")
	fl.StringVar(&f.helm.caCertsFile, "cacerts-file", "", "PEM file of the CAs of private chart repositories")
	fl.BoolVar(&f.helm.insecureSkipTLS, "helm-insecure-skip-tls", false, "do not verify the TLS certificates of private chart repositories")
	fl.StringVar(&f.helm.byPathFile, "helm-credentials-by-path-file", "", "secrets-path.yaml: credentials per bundle path (wins over --username/--password-file)")
	fl.StringVar(&f.helm.urlRegex, "helm-repo-url-regex", "", "credentials are sent only to chart URLs matching this regex (required with credentials)")
	return cmd
}

func runApply(ctx context.Context, cfg Config, g *globalFlags, f *applyFlags, name string, paths []string) error {
	labels, err := parseKV("label", f.labels)
	if err != nil {
		return err
	}
	opts := bundlereader.Options{
		Name: name, BaseDir: cfg.WorkDir, Namespace: g.namespace, Labels: labels, Commit: f.commit,
		DrivenScan: f.drivenScan, DrivenScanSeparator: f.drivenScanSep, Compress: f.compress, Charts: cfg.Charts,
		Overrides: bundlereader.Overrides{
			ServiceAccount: f.serviceAccount, TargetNamespace: f.targetNamespace, Paused: f.paused,
			SyncGeneration: f.syncGeneration, KeepResources: f.keepResources, DeleteNamespace: f.deleteNamespace,
		},
	}
	if f.correctDrift || f.correctDriftForce || f.correctDriftKeep {
		opts.Overrides.CorrectDrift = &v1alpha1.CorrectDrift{Enabled: f.correctDrift, Force: f.correctDriftForce, KeepFailHistory: f.correctDriftKeep}
	}
	creds, err := f.helm.credentials(cfg)
	if err != nil {
		return err
	}
	if creds != nil {
		fetcher, ok := cfg.Charts.(*helmchart.Fetcher)
		if !ok {
			return fmt.Errorf("chart credentials need the Helm chart fetcher")
		}
		withAuth := *fetcher
		withAuth.Auth = creds.AuthFunc(cfg.WorkDir)
		opts.Charts = &withAuth
	}
	for _, p := range paths {
		opts.Paths = append(opts.Paths, cfg.abs(p))
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{cfg.abs(".")}
	}
	if f.targetsFile != "" {
		var warning string
		if opts.Targets, warning, err = readTargetsFile(cfg.abs(f.targetsFile)); err != nil {
			return err
		}
		if warning != "" {
			fmt.Fprintf(cfg.Err, "warning: %s: %s\n", f.targetsFile, warning)
		}
	}
	results, err := bundlereader.Read(ctx, opts)
	if err != nil {
		if creds != nil && errors.Is(err, bundlereader.ErrChartUnavailable) {
			return errors.New(creds.Explain(err.Error(), "--helm-repo-url-regex"))
		}
		return err
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintf(cfg.Err, "warning: %s\n", w.String())
		}
	}
	if f.output != "" {
		var buf bytes.Buffer
		for _, r := range results {
			if err := encodeYAML(&buf, r.Bundle); err != nil {
				return err
			}
		}
		return writeOutput(cfg.abs(f.output), cfg.Out, buf.Bytes())
	}
	cs, err := g.clientset()
	if err != nil {
		return fmt.Errorf("no -o given, so the bundles are saved through the API, but: %w", err)
	}
	for _, r := range results {
		b := r.Bundle
		client := cs.FleetV1alpha1().Bundles(b.Namespace)
		cur, err := client.Get(ctx, b.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.Create(ctx, b, metav1.CreateOptions{})
		case err == nil:
			cur.Labels, cur.Spec = b.Labels, b.Spec
			_, err = client.Update(ctx, cur, metav1.UpdateOptions{})
		}
		if err != nil {
			return fmt.Errorf("saving bundle %s/%s: %w", b.Namespace, b.Name, err)
		}
		fmt.Fprintf(cfg.Out, "bundle %s/%s saved\n", b.Namespace, b.Name)
	}
	return pruneRepoBundles(ctx, cfg, cs, opts.Namespace, labels[v1alpha1.RepoLabel], results)
}

// pruneRepoBundles deletes, as Fleet's `fleet apply` does, the Bundles of the same repository
// (label fleet.cattle.io/repo-name=repo, given with -l) in the namespace that this run did not
// produce: a bundle directory removed from the repository takes its Bundle with it. Without that
// label nothing is pruned, and Bundles that the server's GitRepo controller wrote (a GitRepo of
// that name) are left to it: it would not write them again before the next commit.
func pruneRepoBundles(ctx context.Context, cfg Config, cs versioned.Interface, namespace, repo string, results []bundlereader.Result) error {
	if repo == "" {
		return nil
	}
	if namespace == "" {
		namespace = bundlereader.DefaultNamespace
	}
	keep := map[string]bool{}
	for _, r := range results {
		keep[r.Bundle.Name] = true
	}
	client := cs.FleetV1alpha1().Bundles(namespace)
	list, err := client.List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{v1alpha1.RepoLabel: repo}).String()})
	if err != nil {
		return fmt.Errorf("listing the bundles of %s=%s to prune: %w", v1alpha1.RepoLabel, repo, err)
	}
	for _, b := range list.Items {
		if _, gitRepos := b.Annotations[v1alpha1.GitRepoBundleDigestAnnotation]; keep[b.Name] || gitRepos {
			continue
		}
		if err := client.Delete(ctx, b.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("pruning bundle %s/%s: %w", namespace, b.Name, err)
		}
		fmt.Fprintf(cfg.Out, "bundle %s/%s pruned\n", namespace, b.Name)
	}
	return nil
}

// readTargetsFile reads a targets file: Fleet's shape, the one its GitRepo controller writes
// ({targets: [...], targetRestrictions: [...]}, keys of a BundleSpec of which only these two are
// used), or a YAML list of GitRepo targets, which becomes what a GitRepo with those targets writes.
// An empty file adds nothing, as in Fleet. Keys our types do not know are ignored, as Fleet
// ignores them, with a warning naming them.
func readTargetsFile(path string) (file *bundlereader.TargetsFile, warning string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || string(js) == "null" {
		return &bundlereader.TargetsFile{}, "", nil
	}
	if js[0] == '[' {
		var list []v1alpha1.GitTarget
		if warning, err = decodeLenient(js, &list); err != nil {
			return nil, "", fmt.Errorf("%s: a list of GitRepo targets: %w", path, err)
		}
		return bundlereader.GitRepoTargets(list), warning, nil
	}
	var spec v1alpha1.BundleSpec
	if warning, err = decodeLenient(js, &spec); err != nil {
		return nil, "", fmt.Errorf("%s: expected {targets: [...], targetRestrictions: [...]} or a list of GitRepo targets: %w", path, err)
	}
	return &bundlereader.TargetsFile{Targets: spec.Targets, TargetRestrictions: spec.TargetRestrictions}, warning, nil
}

// decodeLenient decodes JSON into v case-sensitively, as the API does; unknown and duplicate
// fields are not errors but are reported in the warning.
func decodeLenient(js []byte, v any) (warning string, err error) {
	strictErrs, err := sigsjson.UnmarshalStrict(js, v, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return "", err
	}
	msgs := make([]string, 0, len(strictErrs))
	for _, e := range strictErrs {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) > 0 {
		warning = strings.Join(msgs, "; ") + " (ignored)"
	}
	return warning, nil
}

// credentials are the chart credentials the flags give (nil: none). As in the controller, they are
// sent only to chart URLs matching --helm-repo-url-regex, which is required with them: the
// repository's content chooses the chart URLs. Bundle paths of --helm-credentials-by-path-file are
// relative to the working directory, as the scanned paths are.
func (h helmCredentialFlags) credentials(cfg Config) (*helmchart.Credentials, error) {
	if h.username == "" && h.passwordFile == "" && h.caCertsFile == "" && h.byPathFile == "" && !h.insecureSkipTLS {
		if h.urlRegex != "" {
			return nil, fmt.Errorf("--helm-repo-url-regex is set but no credentials are (--username, --password-file, --cacerts-file, --helm-credentials-by-path-file)")
		}
		return nil, nil
	}
	if h.urlRegex == "" {
		return nil, fmt.Errorf("chart credentials are given but --helm-repo-url-regex is not: they are only sent to chart URLs matching it (e.g. %q)", `^https://charts\.example\.com/`)
	}
	re, err := regexp.Compile(h.urlRegex)
	if err != nil {
		return nil, fmt.Errorf("--helm-repo-url-regex: %w", err)
	}
	creds := &helmchart.Credentials{URLRegex: re}
	if h.byPathFile != "" {
		data, err := os.ReadFile(cfg.abs(h.byPathFile))
		if err != nil {
			return nil, fmt.Errorf("--helm-credentials-by-path-file: %w", err)
		}
		if creds.ByPath, err = helmchart.ParseCredentialsByPath(data); err != nil {
			return nil, fmt.Errorf("--helm-credentials-by-path-file %s: %w", h.byPathFile, err)
		}
		return creds, nil
	}
	a := &helmchart.Auth{Username: h.username, InsecureSkipTLSVerify: h.insecureSkipTLS}
	if h.passwordFile != "" {
		pw, err := os.ReadFile(cfg.abs(h.passwordFile))
		if err != nil {
			return nil, fmt.Errorf("--password-file: %w", err)
		}
		a.Password = strings.TrimRight(string(pw), "\r\n")
	}
	if h.caCertsFile != "" {
		if a.CABundle, err = os.ReadFile(cfg.abs(h.caCertsFile)); err != nil {
			return nil, fmt.Errorf("--cacerts-file: %w", err)
		}
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("--cacerts-file %s: %w", h.caCertsFile, err)
	}
	creds.All = a
	return creds, nil
}
