package helmops

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"sigs.k8s.io/yaml"

	"github.com/fleetapi/fleet/pkg/redact"
)

// Credentials authenticate to one Helm repository or OCI registry. They come from the Secret named
// by spec.helmSecretName and never appear in logs, status or errors.
type Credentials struct {
	Username, Password string
	// CABundle (the Secret's "cacerts") is trusted in addition to the system roots.
	CABundle        []byte
	InsecureSkipTLS bool
}

// RepositoryError is a classified failure to read a repository; Reason is one of the Reason*
// constants. Its message names the repository without credentials.
type RepositoryError struct {
	Reason string
	Repo   string
	Err    error
}

// Error names the repository and says what failed, both redacted: the underlying error may quote
// URLs (a registry's, a redirect's) with credentials.
func (e *RepositoryError) Error() string {
	return redact.Text(fmt.Sprintf("repository %s: %v", e.Repo, e.Err))
}

// Unwrap returns the underlying error.
func (e *RepositoryError) Unwrap() error { return e.Err }

// requestTimeout bounds one request to a repository, as Fleet's Helm client timeout.
const requestTimeout = 30 * time.Second

// maxIndexSize bounds an index.yaml: large public repositories serve a few MiB to a few tens
// of MiB; a larger one is refused rather than held in memory.
const maxIndexSize = 50 << 20

// Bounds of an OCI tag list, which the registry paginates with Link headers: more tags than
// maxTags, or more pages than maxTagPages (a registry answering with tiny or empty pages), fail
// with ErrTooManyTags instead of being followed forever. tagPageSize is the page size asked for.
const (
	maxTags     = 10000
	maxTagPages = 1000
	tagPageSize = 1000
)

// ErrTooManyTags is wrapped by the error of a tag list that exceeds maxTags or maxTagPages.
var ErrTooManyTags = errors.New("too many tags")

func (c Credentials) httpClient() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipTLS} //nolint:gosec // spec.insecureSkipTLSVerify asks for it.
	if len(c.CABundle) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.CABundle) {
			return nil, errors.New("the credentials' cacerts hold no PEM certificate")
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}, nil
}

// isOCI reports whether repo is an oci:// reference.
func isOCI(repo string) bool { return strings.HasPrefix(repo, "oci://") }

// isLoopback reports whether host (with or without port) is 127.0.0.1, ::1 or localhost; OCI
// registries there are spoken to over plain HTTP, as Helm does for them.
func isLoopback(host string) bool {
	h := host
	if u, err := url.Parse("//" + host); err == nil {
		h = u.Hostname()
	}
	return h == "127.0.0.1" || h == "localhost" || h == "::1"
}

// listIndex reads the index.yaml of the chart repository at repoURL with client and returns the
// published versions per chart name.
func listIndex(ctx context.Context, client *http.Client, repoURL string, creds Credentials) (map[string][]string, error) {
	u, err := url.Parse(repoURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &RepositoryError{Reason: ReasonInvalidSpec, Repo: redact.URL(repoURL), Err: errors.New("not an http(s) URL")}
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/index.yaml"
	u.RawPath = ""
	fail := func(reason string, err error) error {
		return &RepositoryError{Reason: reason, Repo: redact.URL(repoURL), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail(ReasonInvalidSpec, err)
	}
	if creds.Username != "" || creds.Password != "" {
		req.SetBasicAuth(creds.Username, creds.Password)
	}
	req.Header.Set("User-Agent", "fleet-apiserver/helmops")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry credentials; the repository is named by the wrapper
		}
		return nil, fail(ReasonRepositoryUnreachable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fail(ReasonAuthenticationFailed, fmt.Errorf("index.yaml: %s", resp.Status))
	case resp.StatusCode != http.StatusOK:
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("index.yaml: %s", resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIndexSize+1))
	if err != nil {
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("index.yaml: %w", err))
	}
	if len(data) > maxIndexSize {
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("index.yaml is larger than %d bytes", maxIndexSize))
	}
	// Only what resolution needs: a full repo.IndexFile keeps every chart's metadata.
	var index struct {
		APIVersion string `json:"apiVersion"`
		Entries    map[string][]*struct {
			Version string `json:"version"`
		} `json:"entries"`
	}
	if err := yaml.Unmarshal(data, &index); err != nil {
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("index.yaml: %w", err))
	}
	if index.APIVersion == "" {
		return nil, fail(ReasonRepositoryUnreachable, errors.New("index.yaml: no apiVersion, not a chart repository index"))
	}
	out := make(map[string][]string, len(index.Entries))
	for name, entries := range index.Entries {
		vs := make([]string, 0, len(entries))
		for _, e := range entries {
			if e != nil && e.Version != "" {
				vs = append(vs, e.Version)
			}
		}
		out[name] = vs
	}
	return out, nil
}

// registryClient returns the client of the registry of the OCI reference ref: hc with
// creds for that registry and a token cache.
func registryClient(hc *http.Client, ref string, creds Credentials) *auth.Client {
	client := &auth.Client{Client: hc, Cache: auth.NewCache()}
	client.SetUserAgent("fleet-apiserver/helmops")
	if creds.Username != "" || creds.Password != "" {
		host := strings.TrimPrefix(ref, "oci://")
		host, _, _ = strings.Cut(host, "/")
		client.Credential = auth.StaticCredential(host, auth.Credential{Username: creds.Username, Password: creds.Password})
	}
	return client
}

// listTags returns the tags of the OCI repository ref ("oci://host/path/chart") read with client,
// with "_" turned back into "+" (Helm stores build metadata that way, helm#10166).
func listTags(ctx context.Context, client *auth.Client, ref string) ([]string, error) {
	fail := func(reason string, err error) error {
		return &RepositoryError{Reason: reason, Repo: redact.URL(ref), Err: err}
	}
	if err := redact.CheckOCIReference(ref); err != nil {
		return nil, fail(ReasonInvalidSpec, err)
	}
	repo, err := remote.NewRepository(strings.TrimPrefix(ref, "oci://"))
	if err != nil {
		return nil, fail(ReasonInvalidSpec, err)
	}
	repo.Client = client
	repo.PlainHTTP = isLoopback(repo.Reference.Registry)
	repo.TagListPageSize, repo.TagListMaxPages = tagPageSize, maxTagPages
	var tags []string
	err = repo.Tags(ctx, "", func(page []string) error {
		if len(tags)+len(page) > maxTags {
			return fmt.Errorf("%w: more than %d", ErrTooManyTags, maxTags)
		}
		for _, t := range page {
			tags = append(tags, strings.ReplaceAll(t, "_", "+"))
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrTooManyTags):
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("listing tags: %w", err))
	case errors.Is(err, errdef.ErrTooManyPages):
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("listing tags: %w: more than %d pages", ErrTooManyTags, maxTagPages))
	case err != nil:
		var er *errcode.ErrorResponse
		if errors.As(err, &er) {
			switch er.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				return nil, fail(ReasonAuthenticationFailed, fmt.Errorf("listing tags: %s", http.StatusText(er.StatusCode)))
			case http.StatusNotFound:
				return nil, fail(ReasonChartNotFound, errors.New("listing tags: the repository does not exist"))
			}
			return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("listing tags: %s", http.StatusText(er.StatusCode)))
		}
		if errors.Is(err, auth.ErrBasicCredentialNotFound) || strings.Contains(err.Error(), "missing username or password") {
			return nil, fail(ReasonAuthenticationFailed, errors.New("listing tags: the registry asks for credentials"))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail(ReasonRepositoryUnreachable, fmt.Errorf("listing tags: %w", err))
	}
	return tags, nil
}
