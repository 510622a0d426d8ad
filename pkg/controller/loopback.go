package controller

import (
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// LoopbackUserAgent is the user agent of the in-process controllers' requests.
const LoopbackUserAgent = "fleet-apiserver/controllers"

// LoopbackClientset returns the clientset of the in-process controllers over cfg, the server's
// loopback configuration: unthrottled (UnthrottledConfig), with LoopbackUserAgent.
func LoopbackClientset(cfg *rest.Config) (*versioned.Clientset, error) {
	cs, err := versioned.NewForConfig(UnthrottledConfig(cfg, LoopbackUserAgent))
	if err != nil {
		return nil, fmt.Errorf("controllers' client: %w", err)
	}
	return cs, nil
}

// UnthrottledConfig returns a copy of cfg for the in-process controllers' clients: named userAgent
// and without client-side rate limiting. It serves both of their clients:
//
//   - the server's loopback configuration carries client-go's token bucket of the generic server
//     (50 QPS, burst 100), which would make the controllers queue behind their own client at that
//     rate however idle the server is: a thousand GitRepos changing at once take 20 s of client
//     throttling to write. The server's own limits do not apply to this client either way: the
//     loopback user is in system:masters, which the max-in-flight filter and API Priority and
//     Fairness exempt;
//   - the core client (Secrets, Events) of the cluster the server runs behind comes from
//     --kubeconfig or the in-cluster configuration, whose QPS is unset: client-go's default of
//     5 QPS, burst 10, one bucket for every Secret read of every reconcile and webhook request.
//     Anyone who can reach the webhook endpoint could empty it and make the reconciles wait.
//     Without it, kube-apiserver's API Priority and Fairness is what shares that server out, as it
//     does for every other client.
//
// A negative QPS with no RateLimiter makes client-go build no limiter at all (rest.RESTClientFor
// and the generated clientsets create a token bucket only for QPS > 0). What bounds the
// controllers instead is their own shape: a fixed number of workers per controller, each doing one
// request at a time; informers that list once and then watch; Secrets read through CachedSecrets
// (at most one read per Secret per SecretCacheTTL, whoever asks); and Events through client-go's
// broadcaster, which aggregates and rate-limits them per object.
func UnthrottledConfig(cfg *rest.Config, userAgent string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.RateLimiter = -1, 0, nil
	cfg.UserAgent = userAgent
	return cfg
}
