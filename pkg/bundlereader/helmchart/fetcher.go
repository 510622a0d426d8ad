package helmchart

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	orasauth "oras.land/oras-go/v2/registry/remote/auth"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/redact"
)

// Fetcher implements bundlereader.ChartFetcher with the Helm SDK.
type Fetcher struct {
	// PlainHTTP talks to every OCI registry over HTTP (always done for 127.0.0.1 and localhost).
	PlainHTTP bool
	// Root, when set, confines what is read from the local file system to this directory: a local
	// chart path and a file:// chart dependency must resolve (symlinks followed) inside it. The
	// controllers set it to the checkout of a commit, so a repository cannot read the server's own
	// files into a Bundle; the CLI leaves it empty.
	Root string
	// Auth, when set, gives the credentials for the remote chart that the bundle in bundleDir pulls
	// from url (the chart repository URL, or the chart's own URL or oci:// reference), nil for none.
	// They are used for that chart only, never for its dependencies, and Helm sends them only to
	// the host of url. The controllers decide here which credentials a repository may use.
	Auth func(bundleDir, url string) *Auth
}

// Auth is a credential for a chart repository or an OCI registry. String prints no secret.
type Auth struct {
	Username, Password string
	// CABundle (PEM), when set, is the only set of CAs the server's certificate is checked against.
	CABundle              []byte
	InsecureSkipTLSVerify bool
}

// String describes a without its values.
func (a *Auth) String() string {
	if a == nil {
		return "Auth{}"
	}
	return fmt.Sprintf("Auth{basic=%t caBundle=%t insecureSkipTLSVerify=%t}", a.Username != "" || a.Password != "", len(a.CABundle) > 0, a.InsecureSkipTLSVerify)
}

// GoString is String, for %#v.
func (a *Auth) GoString() string { return a.String() }

var _ bundlereader.ChartFetcher = (*Fetcher)(nil)

// env is a private Helm environment in a temporary directory.
type env struct {
	dir      string
	settings *cli.EnvSettings
	registry *registry.Client
}

// newEnv makes a private Helm environment. auth, when set, is used for the OCI registry at
// authHost only (the registry client never falls back to the credentials of the server's user,
// such as ~/.docker/config.json, and never gives auth to another registry); its CA bundle and
// insecureSkipTLSVerify apply to every request of the environment.
func (f *Fetcher) newEnv(plainHTTP bool, auth *Auth, authHost string) (*env, error) {
	dir, err := os.MkdirTemp("", "fleet-helm-")
	if err != nil {
		return nil, err
	}
	s := cli.New()
	s.RepositoryConfig = filepath.Join(dir, "repositories.yaml")
	s.RepositoryCache = filepath.Join(dir, "cache")
	s.RegistryConfig = filepath.Join(dir, "registry.json")
	if f.Root != "" {
		// In the controllers no Helm plugin of the server's user may act as a getter for a URL that a
		// repository chose (git+…, s3://…): plugins come from an empty directory.
		s.PluginsDirectory = filepath.Join(dir, "plugins")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if auth != nil && (len(auth.CABundle) > 0 || auth.InsecureSkipTLSVerify) {
		tlsConfig := &tls.Config{InsecureSkipVerify: auth.InsecureSkipTLSVerify} //nolint:gosec // asked for by the credentials
		if len(auth.CABundle) > 0 {
			if err := auth.Validate(); err != nil {
				_ = os.RemoveAll(dir)
				return nil, err
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(auth.CABundle)
			tlsConfig.RootCAs = pool
			if err := os.WriteFile(filepath.Join(dir, "ca.pem"), auth.CABundle, 0o600); err != nil {
				_ = os.RemoveAll(dir)
				return nil, err
			}
		}
		tr.TLSClientConfig = tlsConfig
	}
	httpClient := &http.Client{Transport: tr}
	authorizer := orasauth.Client{Client: httpClient, Cache: orasauth.NewCache(), Credential: registryCredential(auth, authHost)}
	opts := []registry.ClientOption{registry.ClientOptWriter(io.Discard), registry.ClientOptCredentialsFile(s.RegistryConfig),
		registry.ClientOptHTTPClient(httpClient), registry.ClientOptAuthorizer(authorizer)}
	if plainHTTP || f.PlainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &env{dir: dir, settings: s, registry: rc}, nil
}

// registryCredential answers the OCI client's requests for credentials: auth's for the registry at
// host only (StaticCredential maps docker.io to the host Docker Hub is served from), none for any
// other registry.
func registryCredential(auth *Auth, host string) orasauth.CredentialFunc {
	if auth == nil || host == "" || (auth.Username == "" && auth.Password == "") {
		return func(context.Context, string) (orasauth.Credential, error) { return orasauth.EmptyCredential, nil }
	}
	return orasauth.StaticCredential(host, orasauth.Credential{Username: auth.Username, Password: auth.Password})
}

// tlsOnly is auth without the credentials: what a chart's dependencies get (its CA bundle and
// insecureSkipTLSVerify describe the servers, not a secret).
func tlsOnly(auth *Auth) *Auth {
	if auth == nil {
		return nil
	}
	return &Auth{CABundle: auth.CABundle, InsecureSkipTLSVerify: auth.InsecureSkipTLSVerify}
}

func (e *env) close() { _ = os.RemoveAll(e.dir) }

// isLoopback reports whether a reference points at 127.0.0.1 or localhost.
func isLoopback(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "localhost" || h == "::1"
}

// chartRef returns what to pull for h, and the repository URL for chart repositories.
func chartRef(h *v1alpha1.HelmOptions) (ref, repoURL string) {
	switch {
	case strings.HasPrefix(h.Repo, "oci://"):
		if h.Chart == "" || strings.HasSuffix(h.Repo, "/"+h.Chart) {
			return h.Repo, ""
		}
		return strings.TrimSuffix(h.Repo, "/") + "/" + h.Chart, ""
	case h.Repo != "":
		return h.Chart, h.Repo
	default:
		return h.Chart, ""
	}
}

// FetchChart implements bundlereader.ChartFetcher. The failures of a remote chart that h does
// not pin (bundlereader.Pinned) are marked bundlereader.Floating.
func (f *Fetcher) FetchChart(ctx context.Context, baseDir string, h *v1alpha1.HelmOptions) (map[string][]byte, error) {
	ref, repoURL := chartRef(h)
	if ref == "" {
		return nil, fmt.Errorf("helm: chart is empty")
	}
	if !strings.Contains(ref, "://") && repoURL == "" {
		return f.localChart(ctx, baseDir, ref, h)
	}
	if err := checkRemote(ref, repoURL); err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", redact.URL(ref), err)
	}
	pinnedBy := ref
	if repoURL != "" {
		pinnedBy = repoURL
	}
	files, err := f.remoteChart(ctx, baseDir, ref, repoURL, h)
	if err != nil && !bundlereader.Pinned(pinnedBy, h.Version) {
		return nil, bundlereader.Floating(err)
	}
	return files, err
}

// remoteChart pulls the chart ref (a name in the chart repository repoURL, a .tgz URL or an
// oci:// reference) and expands it.
func (f *Fetcher) remoteChart(ctx context.Context, baseDir, ref, repoURL string, h *v1alpha1.HelmOptions) (map[string][]byte, error) {
	authURL := repoURL
	if authURL == "" {
		authURL = ref
	}
	var auth *Auth
	if f.Auth != nil {
		auth = f.Auth(baseDir, authURL)
	}
	e, err := f.newEnv(isLoopback(ref) || isLoopback(repoURL), auth, hostOf(authURL))
	if err != nil {
		return nil, err
	}
	defer e.close()
	pull := action.NewPullWithOpts(action.WithConfig(&action.Configuration{RegistryClient: e.registry}))
	pull.Settings = e.settings
	pull.Version = h.Version
	pull.DestDir = filepath.Join(e.dir, "pull")
	pull.PlainHTTP = isLoopback(ref) || f.PlainHTTP
	pull.SetRegistryClient(e.registry)
	if auth != nil {
		pull.InsecureSkipTLSverify = auth.InsecureSkipTLSVerify
		if len(auth.CABundle) > 0 {
			pull.CaFile = filepath.Join(e.dir, "ca.pem")
		}
	}
	var user, password string
	if auth != nil {
		user, password = auth.Username, auth.Password
	}
	switch {
	case repoURL != "":
		// Find the archive in the repository's index here rather than in pull.Run: the index may name
		// an archive on another host, and Helm would send the credentials there too. They go to the
		// index and to archives of the repository's own scheme and host only.
		chartURL, err := repo.FindChartInAuthAndTLSAndPassRepoURL(repoURL, user, password, ref, h.Version, "", "", pull.CaFile,
			pull.InsecureSkipTLSverify, false, getter.All(e.settings))
		if err != nil {
			return nil, chartError(fmt.Errorf("helm: chart %s (repo %s, version %q): %w", ref, redact.URL(repoURL), h.Version, redact.Error(err)), true)
		}
		ref, pull.Version = chartURL, ""
		// The archive is asked for by its own URL: a path-scoped rule of Auth applies to it too.
		if auth != nil && sameOrigin(chartURL, repoURL) && f.Auth(baseDir, chartURL) != nil {
			pull.Username, pull.Password = user, password
		}
	case !registry.IsOCI(ref):
		pull.Username, pull.Password = user, password // a .tgz URL: the URL Auth was asked for
	}
	if err := os.MkdirAll(pull.DestDir, 0o755); err != nil {
		return nil, err
	}
	// Known gap (docs/gitops.md "Not done yet"): Helm's HTTP getter buffers the whole response, the
	// archive here and the repository's index.yaml above, without a bound. Both could be bounded by
	// getters of our own: FindChartInAuthAndTLSAndPassRepoURL takes getter.Providers, and the pull
	// could go through downloader.ChartDownloader, which takes them too (action.Pull builds its
	// getters from the settings). What the archive expands to is bounded (untar, checkChartDir).
	if _, err := pull.Run(ref); err != nil {
		return nil, chartError(fmt.Errorf("helm: pulling chart %s (repo %s, version %q): %w", redact.URL(ref), redact.URL(repoURL), h.Version, redact.Error(err)), true)
	}
	matches, _ := filepath.Glob(filepath.Join(pull.DestDir, "*.tgz"))
	if len(matches) != 1 {
		return nil, fmt.Errorf("helm: pulling chart %s: expected one archive, got %d", redact.URL(ref), len(matches))
	}
	// Dependencies are resolved in an environment without the credentials (see archiveFiles).
	return f.archiveFiles(ctx, e, matches[0], h, tlsOnly(auth))
}

// localChart loads a chart directory or archive outside the bundle (relative to baseDir).
func (f *Fetcher) localChart(ctx context.Context, baseDir, ref string, h *v1alpha1.HelmOptions) (map[string][]byte, error) {
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(baseDir, p)
	}
	if err := f.confined(p); err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", ref, err)
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", ref, err)
	}
	e, err := f.newEnv(false, nil, "")
	if err != nil {
		return nil, err
	}
	defer e.close()
	if !st.IsDir() {
		return f.archiveFiles(ctx, e, p, h, nil)
	}
	if err := checkChartDir(p); err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", ref, err)
	}
	ch, err := loader.LoadDir(p)
	if err != nil {
		return nil, fmt.Errorf("helm: chart %s: %w", ref, err)
	}
	files, err := readDir(p, ch.Name())
	if err != nil {
		return nil, err
	}
	if h.DisableDependencyUpdate {
		return files, nil
	}
	deps, err := f.dependencies(ctx, e, p)
	if err != nil {
		return nil, err
	}
	for name, data := range deps {
		files[ch.Name()+"/"+name] = data
	}
	return files, nil
}

// archiveFiles expands a chart archive into files keyed "<chart>/<path>", resolving missing
// dependencies with the TLS settings depTLS (no credentials).
func (f *Fetcher) archiveFiles(ctx context.Context, e *env, archive string, h *v1alpha1.HelmOptions, depTLS *Auth) (map[string][]byte, error) {
	dir := filepath.Join(e.dir, "expanded")
	name, err := untar(archive, dir)
	if err != nil {
		return nil, fmt.Errorf("helm: %s: %w", filepath.Base(archive), err)
	}
	chartDir := filepath.Join(dir, name)
	if !h.DisableDependencyUpdate {
		// A fresh environment: the chart's credentials are not for its dependencies (their
		// registries and repositories are the chart author's choice).
		de, err := f.newEnv(false, depTLS, "")
		if err != nil {
			return nil, err
		}
		defer de.close()
		deps, err := f.dependencies(ctx, de, chartDir)
		if err != nil {
			return nil, err
		}
		for n, data := range deps {
			target := filepath.Join(chartDir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(target, data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return readDir(chartDir, name)
}

// confined checks that path resolves inside f.Root (always true without a Root). A path that does
// not exist is checked as written, so the error names the missing file rather than the rule.
func (f *Fetcher) confined(path string) error {
	if f.Root == "" {
		return nil
	}
	root, err := filepath.EvalSymlinks(f.Root)
	if err != nil {
		return err
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		resolved = filepath.Clean(path)
	}
	rel, err := filepath.Rel(root, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return fmt.Errorf("local charts must be inside the repository")
	}
	return nil
}
