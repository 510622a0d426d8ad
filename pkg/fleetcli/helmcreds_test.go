package fleetcli

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
)

// TestApplyWithChartCredentials: `fleet apply` takes Fleet's flags for private chart repositories;
// the credentials reach the repository only when --helm-repo-url-regex allows it, and the flags
// are refused with a clear message when they do not make sense together.
func TestApplyWithChartCredentials(t *testing.T) {
	const pw = "cl1-pa55"
	repo := chartserver.NewRepo(t, filepath.Join("..", "..", "test", "fixtures", "charts", "guestbook"))
	repo.RequireBasicAuth("reader", pw)
	private := "helm:\n  repo: " + repo.URL + "\n  chart: guestbook\n  version: 0.0.1\n"
	dir := writeTree(t, map[string]string{
		"apps/one/fleet.yaml": private,
		"apps/two/fleet.yaml": private,
		"password":            pw + "\n",
		"by-path.yaml":        "apps/*:\n  username: reader\n  password: " + pw + "\n",
		"bad-path.yaml":       "apps/one:\n  user: reader\n",
	})
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		cmd := NewCommand(Config{Out: &out, Err: &errOut, WorkDir: dir, Charts: &helmchart.Fetcher{}})
		cmd.SetArgs(append([]string{"apply", "-o", "-"}, args...))
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	regex := "--helm-repo-url-regex=^http://127\\.0\\.0\\.1:\\d+"

	for name, args := range map[string][]string{
		"username and password file": {"--username", "reader", "--password-file", "password", regex},
		"credentials by path":        {"--helm-credentials-by-path-file", "by-path.yaml", regex},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := run(append(args, "app", "apps")...)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(out, "guestbook/Chart.yaml") != 2 {
				t.Fatalf("want the private chart in both bundles:\n%s", out)
			}
		})
	}

	refused := []struct {
		name string
		args []string
		want string
	}{
		{"no regex", []string{"--username", "reader", "--password-file", "password"}, "--helm-repo-url-regex is not"},
		{"regex without credentials", []string{regex}, "no credentials are"},
		{"regex that does not compile", []string{"--username", "reader", "--helm-repo-url-regex", "("}, "--helm-repo-url-regex: error parsing regexp"},
		{"a by-path file with an unknown key", []string{"--helm-credentials-by-path-file", "bad-path.yaml", regex}, `unknown field "user"`},
		{"a regex that does not match", []string{"--username", "reader", "--password-file", "password", "--helm-repo-url-regex", "^https://charts\\.example\\.com/"},
			"Helm credentials were not sent to " + repo.URL + ": --helm-repo-url-regex does not match"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(append(tt.args, "app", "apps")...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), pw) {
				t.Fatalf("err = %v; want one containing %q and no password", err, tt.want)
			}
		})
	}
	t.Run("without credentials the download is refused", func(t *testing.T) {
		_, err := run("app", "apps")
		if !errors.Is(err, bundlereader.ErrChartUnavailable) {
			t.Fatalf("err = %v; want ErrChartUnavailable", err)
		}
	})
}
