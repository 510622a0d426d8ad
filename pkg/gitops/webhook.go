package gitops

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/redact"
)

// MaxWebhookBody bounds the size of a webhook request body; a larger one is refused with 413.
const MaxWebhookBody = 10 << 20

// webhookSecretTimeout bounds the Secret reads of one webhook request.
const webhookSecretTimeout = 10 * time.Second

// Webhook is the git webhook endpoint of the GitRepo controller (an http.Handler). A verified push
// notification hands its commit to the reconciler and enqueues the GitRepo, so the sync starts at
// once instead of at the next poll. Pass it in Options.Webhook: NewController connects it to the
// GitRepo informer, the reconciler and the queue; until then it answers 503.
//
// The endpoint is unauthenticated (git hosts send no Kubernetes credentials): a request acts on a
// GitRepo only when it is verified with the secret named by that GitRepo's spec.webhookSecret. See
// docs/gitops.md, "Webhooks", for providers, secret keys, URL matching and status codes.
type Webhook struct {
	deps atomic.Pointer[webhookDeps]
}

var _ http.Handler = (*Webhook)(nil)

// webhookDeps is what a connected Webhook works with.
type webhookDeps struct {
	// indexer holds the GitRepos, indexed by repoURLIndex.
	indexer cache.Indexer
	secrets controller.SecretGetter
	inbox   *webhookInbox
	enqueue func(types.NamespacedName)
	clock   clock.Clock
}

func (w *Webhook) connect(d *webhookDeps) { w.deps.Store(d) }

// webhookResponse is the JSON body of every answer. It never names GitRepos or Secrets: the endpoint
// is unauthenticated.
type webhookResponse struct {
	// Triggered is how many GitRepos the request triggered.
	Triggered int    `json:"triggered"`
	Message   string `json:"message,omitempty"`
	Error     string `json:"error,omitempty"`
}

func reply(w http.ResponseWriter, code int, body webhookResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// ServeHTTP handles one push notification.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	d := w.deps.Load()
	if d == nil {
		reply(rw, http.StatusServiceUnavailable, webhookResponse{Error: "the GitRepo controller is not running yet"})
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		reply(rw, http.StatusMethodNotAllowed, webhookResponse{Error: "only POST is accepted"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxWebhookBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			reply(rw, http.StatusRequestEntityTooLarge, webhookResponse{Error: fmt.Sprintf("the body is larger than %d bytes", MaxWebhookBody)})
			return
		}
		reply(rw, http.StatusBadRequest, webhookResponse{Error: "reading the body failed"})
		return
	}
	p, err := detect(r.Header)
	if errors.Is(err, errPing) {
		reply(rw, http.StatusOK, webhookResponse{Message: "pong"})
		return
	}
	if err != nil {
		reply(rw, http.StatusBadRequest, webhookResponse{Error: err.Error()})
		return
	}
	ev, err := p.parse(body, r.Header.Get("Content-Type"))
	if err != nil {
		reply(rw, http.StatusBadRequest, webhookResponse{Error: fmt.Sprintf("malformed %s push payload: %v", p.name, err)})
		return
	}
	code, res := d.handle(r.Context(), p, ev, r.Header, body)
	reply(rw, code, res)
}

// notVerified is the answer to a request that no GitRepo verifies, whether or not a GitRepo follows
// its repository: the endpoint is unauthenticated, and a different answer would tell a stranger
// which repositories are followed.
var notVerified = webhookResponse{Error: "the request is not verified by the webhook secret of a GitRepo following this repository"}

// unfollowedKey is what a request for a repository nobody follows is verified against: a random key
// of this process, which no request can be signed with.
var unfollowedKey = func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("webhook: random key: %v", err))
	}
	return k
}()

// handle verifies ev against the GitRepos it names and triggers those it moves. The Secrets it
// reads come through the server's cache (controller.CachedSecrets): whatever the rate of
// anonymous requests for a followed repository, each of its GitRepos' Secrets is read at most once
// per TTL, so they cannot crowd out the reconciles' reads.
func (d *webhookDeps) handle(ctx context.Context, p provider, ev pushEvent, h http.Header, body []byte) (int, webhookResponse) {
	candidates := d.gitReposFor(ev.repoURLs)
	if len(candidates) == 0 {
		// The work of a refused verification all the same (an HMAC of the whole body, up to 10 MiB):
		// otherwise the time of the answer would tell a followed repository from another.
		p.verify(h, body, unfollowedKey)
		klog.V(2).InfoS("Webhook refused: no GitRepo follows the repository", "provider", p.name, "repo", truncate(redact.URL(ev.repoURLs[0])))
		return http.StatusUnauthorized, notVerified
	}
	ctx, cancel := context.WithTimeout(ctx, webhookSecretTimeout)
	defer cancel()
	secrets := map[types.NamespacedName]map[string][]byte{}
	now := d.clock.Now()
	verified, triggered := 0, 0
	for _, gr := range candidates {
		if !d.verify(ctx, p, gr, h, body, secrets) {
			continue
		}
		verified++
		u, ok := updateFor(gr, ev.updates)
		if !ok {
			continue
		}
		key := types.NamespacedName{Namespace: gr.Namespace, Name: gr.Name}
		d.inbox.put(key, &webhookPush{ref: u.ref, commit: u.commit, at: now})
		d.enqueue(key)
		triggered++
		klog.InfoS("Webhook triggered GitRepo", "gitrepo", klog.KObj(gr), "provider", p.name, "ref", u.ref, "commit", u.commit)
	}
	if verified == 0 {
		return http.StatusUnauthorized, notVerified
	}
	return http.StatusAccepted, webhookResponse{Triggered: triggered}
}

// gitReposFor returns the GitRepos whose spec.repo normalizes like one of urls.
func (d *webhookDeps) gitReposFor(urls []string) []*v1alpha1.GitRepo {
	seen := map[types.NamespacedName]bool{}
	var out []*v1alpha1.GitRepo
	for _, u := range urls {
		key := normalizeRepoURL(u)
		if key == "" {
			continue
		}
		objs, err := d.indexer.ByIndex(repoURLIndex, key)
		if err != nil {
			klog.ErrorS(err, "Webhook: GitRepo index")
			continue
		}
		for _, o := range objs {
			gr, ok := o.(*v1alpha1.GitRepo)
			if !ok || !gr.DeletionTimestamp.IsZero() {
				continue
			}
			k := types.NamespacedName{Namespace: gr.Namespace, Name: gr.Name}
			if !seen[k] {
				seen[k] = true
				out = append(out, gr)
			}
		}
	}
	return out
}

// verify reports whether the request is verified with gr's webhook secret. A GitRepo without
// spec.webhookSecret, whose Secret cannot be read or holds none of the keys, is never verified.
// Secrets are read once per request (memo).
func (d *webhookDeps) verify(ctx context.Context, p provider, gr *v1alpha1.GitRepo, h http.Header, body []byte, memo map[types.NamespacedName]map[string][]byte) bool {
	if gr.Spec.WebhookSecret == "" {
		klog.V(2).InfoS("Webhook refused: the GitRepo has no webhookSecret", "gitrepo", klog.KObj(gr))
		return false
	}
	name := types.NamespacedName{Namespace: gr.Namespace, Name: gr.Spec.WebhookSecret}
	data, ok := memo[name]
	if !ok {
		s, err := d.secrets.GetSecret(ctx, name.Namespace, name.Name)
		if err != nil {
			klog.V(2).InfoS("Webhook refused: reading the webhook secret failed", "gitrepo", klog.KObj(gr), "secret", name.Name, "err", err)
		} else {
			data = s.Data
		}
		memo[name] = data
	}
	value := webhookSecretValue(data, p.keys)
	if len(value) == 0 {
		return false
	}
	if p.userKey != "" {
		want := webhookSecretValue(data, []string{p.userKey})
		user, _, _ := basicAuth(h)
		if len(want) == 0 || !verifyToken(user, want) {
			klog.V(2).InfoS("Webhook refused: user name not verified", "gitrepo", klog.KObj(gr), "provider", p.name)
			return false
		}
	}
	if !p.verify(h, body, value) {
		klog.V(2).InfoS("Webhook refused: signature not verified", "gitrepo", klog.KObj(gr), "provider", p.name)
		return false
	}
	return true
}

// webhookSecretValue returns the first non-empty value of keys in data, without trailing line
// breaks (a Secret made from a file often ends with one; a git host's secret field cannot).
func webhookSecretValue(data map[string][]byte, keys []string) []byte {
	for _, k := range keys {
		if v := []byte(strings.TrimRight(string(data[k]), "\r\n")); len(v) > 0 {
			return v
		}
	}
	return nil
}

// updateFor returns the update of updates that moves what gr follows: spec.revision as a tag or a
// branch, else spec.branch (default master). A revision that is a commit id is never moved.
func updateFor(gr *v1alpha1.GitRepo, updates []refUpdate) (refUpdate, bool) {
	var want []string
	if rev := gr.Spec.Revision; rev != "" {
		want = []string{"refs/tags/" + rev, "refs/heads/" + rev}
	} else {
		branch := gr.Spec.Branch
		if branch == "" {
			branch = "master"
		}
		want = []string{"refs/heads/" + branch}
	}
	for _, u := range updates {
		for _, w := range want {
			if u.ref == w {
				return u, true
			}
		}
	}
	return refUpdate{}, false
}
