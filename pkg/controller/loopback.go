package controller

import (
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
)

// LoopbackUserAgent is the user agent of the in-process controllers' requests.
const LoopbackUserAgent = "fleet-apiserver/controllers"

// LoopbackClientset returns the clientset of the in-process controllers over cfg, the server's
// loopback configuration: unthrottled (LoopbackConfig), with LoopbackUserAgent.
func LoopbackClientset(cfg *rest.Config) (*versioned.Clientset, error) {
	cs, err := versioned.NewForConfig(LoopbackConfig(cfg, LoopbackUserAgent))
	if err != nil {
		return nil, fmt.Errorf("controllers' client: %w", err)
	}
	return cs, nil
}

// LoopbackConfig returns a copy of cfg, the server's loopback configuration, for the in-process
// controllers' clients: named userAgent and without client-side rate limiting.
//
// The generic server's loopback configuration carries client-go's token bucket (50 QPS, burst 100),
// which would make the controllers queue behind their own client at that rate however idle the
// server is: a thousand GitRepos changing at once take 20 s of client throttling to write. A negative
// QPS with no RateLimiter makes client-go build no limiter at all (rest.RESTClientFor and the
// generated clientset create a token bucket only for QPS > 0). What bounds the controllers instead is
// their own shape: a fixed number of workers per controller, each doing one request at a time, and
// informers that list once and then watch. The server's own limits do not apply to this client
// either way: the loopback user is in system:masters, which the max-in-flight filter and API
// Priority and Fairness exempt.
func LoopbackConfig(cfg *rest.Config, userAgent string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.RateLimiter = -1, 0, nil
	cfg.UserAgent = userAgent
	return cfg
}
