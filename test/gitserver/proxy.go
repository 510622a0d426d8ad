package gitserver

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"sync"
	"testing"
	"time"
)

// ProxyRequest is one request a Proxy received.
type ProxyRequest struct {
	Time time.Time
	// Method is the request's method; CONNECT for a tunnel (HTTPS).
	Method string
	// Host is the host:port the client asked for.
	Host string
	// Path is the request's path ("" for CONNECT).
	Path string
}

// Proxy is a forward HTTP proxy on 127.0.0.1 that sends requests (plain, or tunnelled with CONNECT)
// for the host names it routes to a local address, and records every request. Hosts it does not
// route get 502. Go's http.ProxyFromEnvironment never proxies localhost or 127.0.0.1, so a test
// gives the git server a name that does not resolve (git.fleet.test) and routes it here.
type Proxy struct {
	// URL is the proxy's address, for HTTP_PROXY and HTTPS_PROXY.
	URL string

	routes map[string]string
	mu     sync.Mutex
	reqs   []ProxyRequest
}

// NewProxy starts a proxy routing each host name (without port) of routes to an address
// (127.0.0.1:PORT). It stops at cleanup.
func NewProxy(t testing.TB, routes map[string]string) *Proxy {
	t.Helper()
	p := &Proxy{routes: routes}
	forward := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Host = p.routes[r.In.URL.Hostname()]
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{Proxy: nil},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if r.Method != http.MethodConnect {
			host = r.URL.Host
		}
		p.mu.Lock()
		p.reqs = append(p.reqs, ProxyRequest{Time: time.Now(), Method: r.Method, Host: host, Path: r.URL.Path})
		p.mu.Unlock()
		h, _, err := net.SplitHostPort(host)
		if err != nil {
			h = host
		}
		to, ok := p.routes[h]
		switch {
		case !ok:
			http.Error(w, "no route to "+host, http.StatusBadGateway)
		case r.Method == http.MethodConnect:
			tunnel(w, to)
		default:
			forward.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Requests returns the requests received so far, oldest first.
func (p *Proxy) Requests() []ProxyRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ProxyRequest(nil), p.reqs...)
}

// tunnel answers a CONNECT and copies bytes both ways between the client and to.
func tunnel(w http.ResponseWriter, to string) {
	upstream, err := net.Dial("tcp", to)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = upstream.Close()
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		_ = upstream.Close()
		return
	}
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		_ = client.Close()
		_ = upstream.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		if n := buf.Reader.Buffered(); n > 0 {
			pending, _ := buf.Peek(n)
			_, _ = upstream.Write(pending)
		}
		_, _ = io.Copy(upstream, client)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, upstream)
		done <- struct{}{}
	}()
	<-done
	_ = client.Close()
	_ = upstream.Close()
	<-done
}
