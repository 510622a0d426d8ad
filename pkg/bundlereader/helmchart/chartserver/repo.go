package chartserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// Repo is a chart repository served on 127.0.0.1.
type Repo struct {
	// URL is the repository URL, without a trailing slash.
	URL    string
	server *httptest.Server

	mu     sync.Mutex
	files  map[string][]byte
	charts []Packaged
	auth   basicAuth
	// archiveBase, when set, is where index.yaml says the archives are.
	archiveBase string
	// indexRequests counts the requests for index.yaml that were answered, archiveRequests those
	// for each archive (by file name).
	indexRequests   int
	archiveRequests map[string]int
}

// NewRepo serves the charts in dirs as a chart repository until the test ends.
func NewRepo(t testing.TB, dirs ...string) *Repo {
	t.Helper()
	r := &Repo{files: map[string][]byte{}, archiveRequests: map[string]int{}}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	r.URL = r.server.URL
	r.Add(t, dirs...)
	return r
}

// Add packages the charts in dirs and publishes them: they are in index.yaml from the next
// request on (like `helm package` + `helm repo index --merge` on a real repository).
func (r *Repo) Add(t testing.TB, dirs ...string) {
	t.Helper()
	var added []Packaged
	for _, d := range dirs {
		added = append(added, Package(t, d))
	}
	r.AddArchive(t, added...)
}

// AddArchive publishes chart archives as they are (a Bomb, say).
func (r *Repo) AddArchive(t testing.TB, archives ...Packaged) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range archives {
		r.charts = append(r.charts, p)
		r.files["/"+p.File] = p.Data
	}
	r.reindex(t)
}

// ListArchivesAt makes index.yaml name the archives at base (another server, which the test
// serves) instead of this repository, as an index may.
func (r *Repo) ListArchivesAt(t testing.TB, base string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.archiveBase = base
	r.reindex(t)
}

func (r *Repo) reindex(t testing.TB) {
	t.Helper()
	base := r.URL
	if r.archiveBase != "" {
		base = r.archiveBase
	}
	index := repo.NewIndexFile()
	for _, c := range r.charts {
		sum := sha256.Sum256(c.Data)
		if err := index.MustAdd(c.Metadata, c.File, base, hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
	index.SortEntries()
	index.Generated = index.Generated.UTC().Truncate(0)
	data, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	r.files["/index.yaml"] = data
}

// RequireBasicAuth makes every later request need these credentials (401 otherwise).
func (r *Repo) RequireBasicAuth(username, password string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.auth = basicAuth{username: username, password: password}
}

// ArchiveRequests returns how many requests for the archive file (e.g. "bomb-1.0.0.tgz") were
// answered.
func (r *Repo) ArchiveRequests(file string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.archiveRequests[file]
}

// IndexRequests returns how many requests for index.yaml were answered (with the index).
func (r *Repo) IndexRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.indexRequests
}

func (r *Repo) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.auth.allows(w, req) {
		return
	}
	data, ok := r.files[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	if strings.HasSuffix(req.URL.Path, ".yaml") {
		r.indexRequests++
		w.Header().Set("Content-Type", "application/x-yaml")
	} else {
		r.archiveRequests[strings.TrimPrefix(req.URL.Path, "/")]++
		w.Header().Set("Content-Type", "application/gzip")
	}
	_, _ = w.Write(data)
}

// basicAuth checks HTTP basic credentials; the zero value allows everything.
type basicAuth struct{ username, password string }

// allows answers 401 and reports false when req lacks the credentials.
func (a basicAuth) allows(w http.ResponseWriter, req *http.Request) bool {
	if a.username == "" && a.password == "" {
		return true
	}
	u, p, ok := req.BasicAuth()
	if ok && subtle.ConstantTimeCompare([]byte(u), []byte(a.username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(a.password)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="chartserver"`)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
	return false
}
