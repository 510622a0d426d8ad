package chartserver

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// Repo is a chart repository served on 127.0.0.1.
type Repo struct {
	// URL is the repository URL, without a trailing slash.
	URL    string
	server *httptest.Server
}

// NewRepo serves the charts in dirs as a chart repository until the test ends.
func NewRepo(t testing.TB, dirs ...string) *Repo {
	t.Helper()
	files := map[string][]byte{}
	var charts []Packaged
	for _, d := range dirs {
		p := Package(t, d)
		charts = append(charts, p)
		files["/"+p.File] = p.Data
	}
	r := &Repo{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		data, ok := files[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		if strings.HasSuffix(req.URL.Path, ".yaml") {
			w.Header().Set("Content-Type", "application/x-yaml")
		} else {
			w.Header().Set("Content-Type", "application/gzip")
		}
		_, _ = w.Write(data)
	})
	r.server = httptest.NewServer(mux)
	t.Cleanup(r.server.Close)
	r.URL = r.server.URL
	index := repo.NewIndexFile()
	for _, c := range charts {
		sum := sha256.Sum256(c.Data)
		if err := index.MustAdd(c.Metadata, c.File, r.URL, hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
	index.SortEntries()
	index.Generated = index.Generated.UTC().Truncate(0)
	data, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	files["/index.yaml"] = data
	return r
}
