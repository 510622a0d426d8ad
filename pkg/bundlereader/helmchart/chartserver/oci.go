package chartserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Media types of a Helm chart stored in an OCI registry.
const (
	manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
	configMediaType   = "application/vnd.cncf.helm.config.v1+json"
	chartMediaType    = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// Registry is a read-only OCI registry served on 127.0.0.1.
type Registry struct {
	// Host is "127.0.0.1:<port>"; charts are at oci://<Host>/<repository>/<chart name>.
	Host   string
	server *httptest.Server

	mu        sync.Mutex
	blobs     map[string][]byte
	manifests map[string]map[string][]byte // repository -> tag or digest -> manifest
	tags      map[string][]string
	auth      basicAuth
	// tagRequests counts the tag lists answered.
	tagRequests int
}

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int    `json:"size"`
}

type ociManifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// NewRegistry serves the charts in dirs under oci://<Host>/<repository>/<chart name>:<version>
// until the test ends.
func NewRegistry(t testing.TB, repository string, dirs ...string) *Registry {
	t.Helper()
	r := &Registry{blobs: map[string][]byte{}, manifests: map[string]map[string][]byte{}, tags: map[string][]string{}}
	r.Add(t, repository, dirs...)
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	r.Host = strings.TrimPrefix(r.server.URL, "http://")
	return r
}

// NewTLSRegistry is NewRegistry over HTTPS on 127.0.0.2, an address clients do not treat as
// loopback (so they speak TLS to it) and that the test certificate does not name (so they must
// be told to skip verification, or trust CA).
func NewTLSRegistry(t testing.TB, repository string, dirs ...string) (r *Registry, ca []byte) {
	t.Helper()
	r = &Registry{blobs: map[string][]byte{}, manifests: map[string]map[string][]byte{}, tags: map[string][]string{}}
	r.Add(t, repository, dirs...)
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	r.server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.server.Listener = l
	r.server.StartTLS()
	t.Cleanup(r.server.Close)
	r.Host = strings.TrimPrefix(r.server.URL, "https://")
	return r, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.server.Certificate().Raw})
}

// Add pushes the charts in dirs under oci://<Host>/<repository>/<chart name>:<version>; they are
// served from the next request on.
func (r *Registry) Add(t testing.TB, repository string, dirs ...string) {
	t.Helper()
	var added []Packaged
	for _, d := range dirs {
		added = append(added, Package(t, d))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range added {
		cfg, err := json.Marshal(p.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		r.blobs[digest(cfg)] = cfg
		r.blobs[digest(p.Data)] = p.Data
		m, err := json.Marshal(ociManifest{
			SchemaVersion: 2, MediaType: manifestMediaType,
			Config: descriptor{MediaType: configMediaType, Digest: digest(cfg), Size: len(cfg)},
			Layers: []descriptor{{MediaType: chartMediaType, Digest: digest(p.Data), Size: len(p.Data)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		name := strings.Trim(repository, "/") + "/" + p.Metadata.Name
		if r.manifests[name] == nil {
			r.manifests[name] = map[string][]byte{}
		}
		tag := strings.ReplaceAll(p.Metadata.Version, "+", "_")
		r.manifests[name][tag] = m
		r.manifests[name][digest(m)] = m
		if !slices.Contains(r.tags[name], tag) {
			r.tags[name] = append(r.tags[name], tag)
		}
	}
}

// RequireBasicAuth makes every later request need these credentials (401 with a Basic challenge
// otherwise, which registry clients answer with the credentials).
func (r *Registry) RequireBasicAuth(username, password string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.auth = basicAuth{username: username, password: password}
}

// TagRequests returns how many tag lists were answered (how often clients looked for versions).
func (r *Registry) TagRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tagRequests
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if !r.auth.allows(w, req) {
		return
	}
	p := strings.TrimPrefix(req.URL.Path, "/v2/")
	if req.URL.Path == "/v2/" || req.URL.Path == "/v2" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		http.Error(w, "read-only registry", http.StatusMethodNotAllowed)
		return
	}
	if name, ok := strings.CutSuffix(p, "/tags/list"); ok {
		tags, found := r.tags[name]
		if !found {
			http.NotFound(w, req)
			return
		}
		r.tagRequests++
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": name, "tags": tags})
		return
	}
	if i := strings.LastIndex(p, "/manifests/"); i >= 0 {
		m, ok := r.manifests[p[:i]][p[i+len("/manifests/"):]]
		if !ok {
			http.NotFound(w, req)
			return
		}
		r.write(w, req, manifestMediaType, m)
		return
	}
	if i := strings.LastIndex(p, "/blobs/"); i >= 0 {
		b, ok := r.blobs[p[i+len("/blobs/"):]]
		if !ok {
			http.NotFound(w, req)
			return
		}
		r.write(w, req, "application/octet-stream", b)
		return
	}
	http.NotFound(w, req)
}

func (r *Registry) write(w http.ResponseWriter, req *http.Request, mediaType string, data []byte) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Docker-Content-Digest", digest(data))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if req.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(data)
}
