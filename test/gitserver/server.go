package gitserver

import (
	"encoding/pem"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the server received.
type Request struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Status int
}

// Server is a smart-HTTP git server over the bare repositories in Root.
type Server struct {
	// Root holds the bare repositories, NAME.git.
	Root string
	// URL is the base URL; a repository is URL + "/" + NAME + ".git".
	URL string

	mu       sync.Mutex
	tls      bool
	user     string
	password string
	failing  map[string]int
	requests []Request
	srv      *httptest.Server
}

// Option configures a Server.
type Option func(*Server)

// WithBasicAuth requires these credentials on every request.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// WithTLS serves HTTPS with net/http/httptest's self-signed certificate for 127.0.0.1 and
// example.com (CACert returns it; it is the same for every server).
func WithTLS() Option {
	return func(s *Server) { s.tls = true }
}

// NewHTTP starts `git http-backend` behind net/http/cgi on 127.0.0.1; it stops at cleanup.
func NewHTTP(t testing.TB, opts ...Option) *Server {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skipf("git is not installed: %v", err)
	}
	s := &Server{Root: t.TempDir(), failing: map[string]int{}}
	for _, o := range opts {
		o(s)
	}
	backend := &cgi.Handler{
		Path: gitPath, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + s.Root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + s.Root},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.serve(rec, r, backend)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status})
		s.mu.Unlock()
	}))
	if s.tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// CACert returns the server's self-signed certificate in PEM, to use as a caBundle, or nil without
// WithTLS.
func (s *Server) CACert() []byte {
	if !s.tls {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, backend http.Handler) {
	s.mu.Lock()
	user, password, code := s.user, s.password, s.failing[repoOf(r.URL.Path)]
	s.mu.Unlock()
	if code != 0 {
		http.Error(w, "failing on purpose", code)
		return
	}
	if user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	backend.ServeHTTP(w, r)
}

// repoOf returns "NAME.git" of a request path.
func repoOf(path string) string {
	path = strings.TrimPrefix(path, "/")
	if i := strings.Index(path, ".git"); i >= 0 {
		return path[:i+len(".git")]
	}
	return path
}

// RepoURL returns the clone URL of repository name.
func (s *Server) RepoURL(name string) string { return s.URL + "/" + name + ".git" }

// Fail makes every request for repository name answer with HTTP status code (0: serve again).
func (s *Server) Fail(name string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.failing, name+".git")
		return
	}
	s.failing[name+".git"] = code
}

// Requests returns the requests received for repository name so far (all when name is "").
func (s *Server) Requests(name string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if name == "" || repoOf(r.Path) == name+".git" {
			out = append(out, r)
		}
	}
	return out
}

// RefAdvertisements returns the times of the ref listings (ls-remote or the start of a clone)
// of repository name.
func (s *Server) RefAdvertisements(name string) []time.Time {
	var out []time.Time
	for _, r := range s.Requests(name) {
		if strings.HasSuffix(r.Path, "/info/refs") {
			out = append(out, r.Time)
		}
	}
	return out
}

// PackFetches counts the pack fetches (clones; an ls-remote only lists refs) of repository name
// that the server answered.
func (s *Server) PackFetches(name string) int {
	n := 0
	for _, r := range s.Requests(name) {
		if strings.HasSuffix(r.Path, "/git-upload-pack") {
			n++
		}
	}
	return n
}

// bareDir returns the directory of bare repository name.
func (s *Server) bareDir(name string) string { return filepath.Join(s.Root, name+".git") }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// ensureDir creates dir.
func ensureDir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
